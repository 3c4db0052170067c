// Package wire is ConsoleFunction's wiring: Build makes its handler from the
// App. It is shared by the function's main and the fixture test
// (test/events), so the test runs the handler exactly as the function is
// wired.
package wire

import (
	"context"
	"crypto/rand"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/functions/internal/casewire"
	"github.com/cardloop/cardloop/functions/internal/privacywire"
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/casestore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/digeststore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/exportstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/greetstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/insightstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/privacystore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/scanstore"
	"github.com/cardloop/cardloop/shared/aws/s3bucket"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/comments"
	"github.com/cardloop/cardloop/shared/diner/phone"
	"github.com/cardloop/cardloop/shared/export"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/http/console"
	"github.com/cardloop/cardloop/shared/http/edge"
	"github.com/cardloop/cardloop/shared/insight"
	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/scan/paper"
	"github.com/cardloop/cardloop/shared/setup"
)

// Build makes ConsoleFunction's handler, once, at cold start.
func Build(ctx context.Context, app *setup.App) (any, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	bucket, err := setup.Need("SCAN_BUCKET", app.Env.ScanBucket)
	if err != nil {
		return nil, err
	}
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	brands, cards, scanRecords := brandstore.New(table), cardstore.New(table), scanstore.New(table)
	cardService := intake.NewService(brands, cards, app.Now)
	reader := struct {
		*brandstore.Brands
		*cardstore.Cards
	}{brands, cards}
	greets := struct {
		*brandstore.Brands
		*greetstore.Greetings
	}{brands, greetstore.New(table)}
	paperStore := struct {
		*brandstore.Brands
		*scanstore.Scans
	}{brands, scanRecords}
	// Crops are read from the scan bucket: the same checksum setting as
	// ScanFunction's reads (functions/scan/wire) is turned off, only that.
	scans := s3bucket.New(s3.NewFromConfig(app.AWS, func(o *s3.Options) {
		o.UsePathStyle = true
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	}), bucket)
	desk := greeting.NewDesk(greets, sesmail.New(sesv2.NewFromConfig(app.AWS), app.Env.Sender, app.Env.ConfigurationSet), app.Env.PublicBaseURL, app.Now).WithSigner(signer)
	reviews := scan.NewReviews(scanRecords, brands, cardService, app.Now)
	// Big CSV exports stream into the scan bucket under exports/, kept a day.
	s3api := s3.NewFromConfig(app.AWS, func(o *s3.Options) { o.UsePathStyle = true })
	exports := export.NewService(cards, casestore.New(table), exportstore.New(table),
		s3bucket.NewUploads(s3api, s3.NewPresignClient(s3api), bucket), app.Now, func() string { return rand.Text()[:16] })
	// One case service: transcribed comments are triaged through it, and the
	// Cases inbox works cases and sends their assignment e-mails.
	caseService := casewire.Signed(app, signer)
	transcripts := comments.NewService(cards, caseService, app.Now)
	h := console.NewHandler(reader, casestore.New(table), desk, reviews, scans, app.Env.SigninURL, app.Env.DefaultBrand, app.Log).
		WithPaper(paper.NewPaper(paperStore, scans, signer, app.Env.PublicBaseURL, app.Now)).
		WithExports(exports).
		WithComments(transcripts).
		WithDigestPrefs(digeststore.New(table)).
		WithInsight(insight.NewReports(insightstore.New(table))).
		WithBrandInsight(insight.NewRankings(insightstore.New(table))).
		WithPrivacy(privacywire.Build(app, signer, bucket, phone.Normalize)).
		WithNeedToKnow(privacystore.New(table), signer).
		WithCases(caseService, casestore.New(table), phone.Normalize)
	return httpadapter.NewV2(edge.Wrap(h, edge.Options{Stage: app.Env.Stage})).ProxyWithContext, nil
}
