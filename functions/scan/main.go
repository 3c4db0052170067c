// Command scan is the ScanFunction Lambda: paper card scans uploaded under
// scans/ in the scan bucket are read into cards, or queued for review.
package main

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/s3bucket"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/omr"
	"github.com/cardloop/cardloop/shared/scan/ingest"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/scans"
)

func main() {
	setup.Start(func(ctx context.Context, app *setup.App) (any, error) {
		signer, err := ssmparam.Signer(ctx, ssm.NewFromConfig(app.AWS), app.Env.LinkKeyParameter)
		if err != nil {
			return nil, err
		}
		// The mark reader (with its per-layout geometry), the card service
		// (with its store cache) and the S3 client are made once and shared
		// by the ingester of each bucket the events name.
		db := dynamo.New(app.DynamoDB, app.Env.Table)
		reader, cards := omr.NewCardReader(), card.NewService(db, db, time.Now)
		objects := s3.NewFromConfig(app.AWS, func(o *s3.Options) { o.UsePathStyle = true })
		files := scans.PerBucket(func(bucket string) scans.FileIngester {
			return ingest.NewIngester(s3bucket.New(objects, bucket), reader, signer, cards, db, app.Log)
		})
		return scans.NewScan(files, app.Log).Handle, nil
	})
}
