// Package wire is EscalateFunction's wiring: Build makes its handler from the
// App. It is shared by the function's main and the fixture test
// (test/events), so the test runs the handler exactly as the function is
// wired.
package wire

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/casestore"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/casemail"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/callbacks"
)

// Build makes EscalateFunction's handler, once, at cold start.
func Build(ctx context.Context, app *setup.App) (any, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	brands, cards, caseStore := brandstore.New(table), cardstore.New(table), casestore.New(table)
	history := struct {
		*cardstore.Cards
		*casestore.Cases
	}{cards, caseStore}
	notices := casemail.New(sesmail.New(sesv2.NewFromConfig(app.AWS), app.Env.Sender, ""), brands, cards, history, signer, app.Env.PublicBaseURL, link.DefaultTTL)
	cases := casework.NewService(caseStore, brands, notices, app.Now)
	return callbacks.NewEscalate(cases, 200, app.Log).Handle, nil
}
