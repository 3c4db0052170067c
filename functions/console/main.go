// Command console is the ConsoleFunction Lambda: the staff console's static
// pages and the signed-in API behind them.
package main

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/s3bucket"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/http/console"
	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/scan/paper"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(func(ctx context.Context, app *setup.App) (any, error) {
		signer, err := ssmparam.Signer(ctx, ssm.NewFromConfig(app.AWS), app.Env.LinkKeyParameter)
		if err != nil {
			return nil, err
		}
		bucket, err := setup.Need("SCAN_BUCKET", app.Env.ScanBucket)
		if err != nil {
			return nil, err
		}
		db := dynamo.New(app.DynamoDB, app.Env.Table)
		scans := s3bucket.New(s3.NewFromConfig(app.AWS, func(o *s3.Options) { o.UsePathStyle = true }), bucket)
		desk := greeting.NewDesk(db, sesmail.New(sesv2.NewFromConfig(app.AWS), app.Env.Sender, app.Env.ConfigurationSet), app.Env.PublicBaseURL, time.Now)
		reviews := scan.NewReviews(db, db, card.NewService(db, db, time.Now), time.Now)
		h := console.NewHandler(db, db, desk, reviews, scans, app.Env.SigninURL, app.Env.DefaultBrand, app.Log).
			WithPaper(paper.NewPaper(db, scans, signer, app.Env.PublicBaseURL, time.Now))
		return httpadapter.NewV2(h).ProxyWithContext, nil
	})
}
