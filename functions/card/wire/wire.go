// Package wire is CardFunction's wiring: Build makes its handler from the
// App. It is shared by the function's main and the fixture test
// (test/events), so the test runs the handler exactly as the function is
// wired.
package wire

import (
	"context"

	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/limitstore"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/http/diners"
	"github.com/cardloop/cardloop/shared/http/edge"
	"github.com/cardloop/cardloop/shared/http/limit"
	"github.com/cardloop/cardloop/shared/setup"
)

// Build makes CardFunction's handler, once, at cold start.
func Build(ctx context.Context, app *setup.App) (any, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	brands := brandstore.New(table)
	h := diners.NewCardHandler(intake.NewService(brands, cardstore.New(table), app.Now), brands, app.Log).WithSerials(signer)
	perClient := limit.New(limitstore.New(table), signer, limit.Rule{Max: app.Env.CardClientLimit, Window: app.Env.CardClientWindow}, app.Now, app.Log)
	return httpadapter.NewV2(edge.Wrap(perClient.Wrap(h), edge.Options{Stage: app.Env.Stage})).ProxyWithContext, nil
}
