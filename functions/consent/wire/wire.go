// Package wire is ConsentFunction's wiring: Build makes its handler from the
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
	"github.com/cardloop/cardloop/shared/aws/dynamo/greetstore"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/greetings"
)

// Build makes ConsentFunction's handler, once, at cold start.
func Build(ctx context.Context, app *setup.App) (any, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	mailer := sesmail.New(sesv2.NewFromConfig(app.AWS), app.Env.Sender, app.Env.ConfigurationSet)
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	store := struct {
		*brandstore.Brands
		*cardstore.Cards
		*greetstore.Greetings
	}{brandstore.New(table), cardstore.New(table), greetstore.New(table)}
	consent := greeting.NewConsent(store, mailer, signer, app.Env.PublicBaseURL, app.Now, app.Log)
	return greetings.NewConsent(consent, app.Log).Handle, nil
}
