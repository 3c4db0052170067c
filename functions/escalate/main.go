// Command escalate is the EscalateFunction Lambda: every 15 minutes it
// escalates overdue cases and reminds store managers.
package main

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/casemail"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/callbacks"
)

func main() {
	setup.Start(func(ctx context.Context, app *setup.App) (any, error) {
		signer, err := ssmparam.Signer(ctx, ssm.NewFromConfig(app.AWS), app.Env.LinkKeyParameter)
		if err != nil {
			return nil, err
		}
		db := dynamo.New(app.DynamoDB, app.Env.Table)
		notices := casemail.New(sesmail.New(sesv2.NewFromConfig(app.AWS), app.Env.Sender, ""), db, db, db, signer, app.Env.PublicBaseURL, link.DefaultTTL)
		cases := casework.NewService(db, db, notices, time.Now)
		return callbacks.NewEscalate(cases, 200, app.Log).Handle, nil
	})
}
