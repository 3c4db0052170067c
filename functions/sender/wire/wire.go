// Package wire is SenderFunction's wiring: Build makes its handler from the
// App. It is shared by the function's main and the fixture test
// (test/events), so the test runs the handler exactly as the function is
// wired.
package wire

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/greetstore"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/aws/sesquota"
	"github.com/cardloop/cardloop/shared/aws/sqsqueue"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/greetings"
)

// Build makes SenderFunction's handler, once, at cold start.
func Build(ctx context.Context, app *setup.App) (any, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	url, err := setup.Need("GREETING_QUEUE_URL", app.Env.GreetingQueueURL)
	if err != nil {
		return nil, err
	}
	// Paced below the account's SES rate, shared by the sender's
	// concurrent instances.
	limiter, maxRate, err := sesquota.Limiter(ctx, ses.NewFromConfig(app.AWS), app.Env.SenderConcurrency)
	if err != nil {
		return nil, err
	}
	app.Log.Info("greeting sender paced", "sesMaxSendRate", maxRate, "perSender", float64(limiter.Limit()), "senders", app.Env.SenderConcurrency)
	mailer := sesmail.New(sesv2.NewFromConfig(app.AWS), app.Env.Sender, app.Env.ConfigurationSet)
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	store := struct {
		*brandstore.Brands
		*greetstore.Greetings
	}{brandstore.New(table), greetstore.New(table)}
	sender := greeting.NewSender(store, mailer, limiter, signer, app.Env.PublicBaseURL, app.Env.Sender, app.Now, app.Log)
	// GREETING_QUIET_HOURS narrows the quiet hours (a local demo: "off");
	// unset in AWS, where they are 21:00–09:00 at each store.
	if sender.Quiet, err = greeting.ParseQuietHours(os.Getenv("GREETING_QUIET_HOURS")); err != nil {
		return nil, err
	}
	if sender.Quiet != greeting.DefaultQuietHours {
		app.Log.Info("greeting quiet hours narrowed", "from", sender.Quiet.From, "till", sender.Quiet.Till)
	}
	queue := sqsqueue.New[greeting.Job](sqs.NewFromConfig(app.AWS), url)
	return greetings.NewSend(sender, queue, app.Now, app.Log).Handle, nil
}
