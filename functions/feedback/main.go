// Command feedback is the FeedbackFunction Lambda: SES's bounce, complaint
// and delivery events (configuration set → SNS → SQS) feed the suppression
// list and campaign results.
package main

import (
	"context"
	"time"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/greetstore"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/greetings"
)

func main() {
	setup.Start(func(ctx context.Context, app *setup.App) (any, error) {
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
		}{brandstore.New(table), cardstore.New(table), greets}, nil, signer, app.Env.PublicBaseURL, time.Now, app.Log)
		return greetings.NewFeedback(greeting.NewFeedback(greets, consent), app.Log).Handle, nil
	})
}
