// Package wire is FeedbackFunction's wiring: Build makes its handler from the
// App. It is shared by the function's main and the fixture test
// (test/events), so the test runs the handler exactly as the function is
// wired.
package wire

import (
	"context"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/greetstore"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/greetings"
)

// Build makes FeedbackFunction's handler, once, at cold start.
func Build(ctx context.Context, app *setup.App) (any, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	greets := greetstore.New(table)
	// Withdrawing consent after a complaint sends no e-mail.
	consent := greeting.NewConsent(struct {
		*brandstore.Brands
		*cardstore.Cards
		*greetstore.Greetings
	}{brandstore.New(table), cardstore.New(table), greets}, nil, signer, app.Env.PublicBaseURL, app.Now, app.Log)
	return greetings.NewFeedback(greeting.NewFeedback(greets, consent), app.Log).Handle, nil
}
