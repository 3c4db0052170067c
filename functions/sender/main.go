// Command sender is the SenderFunction Lambda: it sends the greetings the
// planner queued, through SES, checking consent, suppression, the
// frequency cap, quiet hours and open cases first, never twice.
package main

import (
	"context"
	"time"

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

func main() {
	setup.Start(func(ctx context.Context, app *setup.App) (any, error) {
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
		sender := greeting.NewSender(store, mailer, limiter, signer, app.Env.PublicBaseURL, app.Env.Sender, time.Now, app.Log)
		queue := sqsqueue.New[greeting.Job](sqs.NewFromConfig(app.AWS), url)
		return greetings.NewSend(sender, queue, time.Now, app.Log).Handle, nil
	})
}
