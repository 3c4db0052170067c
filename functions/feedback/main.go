// Command feedback is the FeedbackFunction Lambda: SES's bounce, complaint
// and delivery events (configuration set → SNS → SQS) feed the suppression
// list and campaign results.
package main

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/greetings"
)

func main() {
	setup.Start(func(ctx context.Context, app *setup.App) (any, error) {
		signer, err := ssmparam.Signer(ctx, ssm.NewFromConfig(app.AWS), app.Env.LinkKeyParameter)
		if err != nil {
			return nil, err
		}
		db := dynamo.New(app.DynamoDB, app.Env.Table)
		// Withdrawing consent after a complaint sends no e-mail.
		consent := greeting.NewConsent(db, nil, signer, app.Env.PublicBaseURL, time.Now, app.Log)
		return greetings.NewFeedback(greeting.NewFeedback(db, consent), app.Log).Handle, nil
	})
}
