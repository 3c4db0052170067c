// Package wire is ScanFunction's wiring: Build makes its handler from the
// App. It is shared by the function's main and the fixture test
// (test/events), so the test runs the handler exactly as the function is
// wired.
package wire

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/scanstore"
	"github.com/cardloop/cardloop/shared/aws/s3bucket"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/omr"
	"github.com/cardloop/cardloop/shared/scan/ingest"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/scans"
)

// Build makes ScanFunction's handler, once, at cold start.
func Build(ctx context.Context, app *setup.App) (any, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	// The mark reader (with its per-layout geometry), the card service
	// (with its store cache) and the S3 client are made once and shared
	// by the ingester of each bucket the events name.
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	brands := brandstore.New(table)
	records := struct {
		*brandstore.Brands
		*scanstore.Scans
	}{brands, scanstore.New(table)}
	reader, cards := omr.NewCardReader(), intake.NewService(brands, cardstore.New(table), app.Now)
	// S3 answers GetObject without a checksum for objects put without
	// one (and the emulator always does); the SDK then skips validation
	// and warns on every read. Only that warning is turned off.
	objects := s3.NewFromConfig(app.AWS, func(o *s3.Options) {
		o.UsePathStyle = true
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	files := scans.PerBucket(func(bucket string) scans.FileIngester {
		return ingest.NewIngester(s3bucket.New(objects, bucket), reader, signer, cards, records, app.Log)
	})
	return scans.NewScan(files, app.Log).Handle, nil
}
