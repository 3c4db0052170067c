// Package wire is ScanFunction's wiring: Build makes its handler from the
// App. It is shared by the function's main and the fixture test
// (test/events), so the test runs the handler exactly as the function is
// wired.
package wire

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/scanstore"
	"github.com/cardloop/cardloop/shared/aws/emf"
	"github.com/cardloop/cardloop/shared/aws/s3bucket"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/omr"
	"github.com/cardloop/cardloop/shared/scan/inbox"
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
	// one (the emulator always does): responses are validated only when
	// the request asks for it (none here; TLS and S3's own checks
	// remain), so the SDK has no skipped validation to warn about.
	objects := s3.NewFromConfig(app.AWS, func(o *s3.Options) {
		o.UsePathStyle = true
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	ingesters := scans.PerBucket(func(bucket string) *ingest.Ingester {
		return ingest.NewIngester(s3bucket.New(objects, bucket), reader, signer, cards, records, app.Log)
	})
	files := func(bucket string) scans.FileIngester { return ingesters(bucket) }
	// Scans sent by e-mail (SES receiving keeps them under inbox/): read
	// by the same ingester, answered through SES, dropped ones counted.
	scanRecords := scanstore.New(table)
	mailer := sesmail.New(sesv2.NewFromConfig(app.AWS), app.Env.Sender, app.Env.ConfigurationSet)
	metrics := emf.New(os.Stdout, "cardloop", map[string]string{"Stage": app.Env.Stage})
	mail := scans.PerBucket(func(bucket string) scans.MessageReader {
		return inbox.New(s3bucket.New(objects, bucket), ingesters(bucket), brands, scanRecords, scanRecords, mailer, metrics, app.Log)
	})
	return scans.NewScan(files, app.Log).WithMail(mail).Handle, nil
}
