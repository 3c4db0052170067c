// Command feedback is the FeedbackFunction Lambda: SES's bounce, complaint
// and delivery events (configuration set → SNS → SQS) feed the suppression
// list and campaign results.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker"
)

func main() {
	ctx := context.Background()
	app, err := setup.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	c, err := app.Consent(ctx)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(worker.NewFeedback(greeting.NewFeedback(app.DB, c), app.Log).Handle)
}
