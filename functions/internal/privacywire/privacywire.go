// Package privacywire builds the privacy service shared by ConsoleFunction
// (the staff API) and RetentionFunction (the daily job), so both erase
// with the same code.
package privacywire

import (
	"context"
	"crypto/rand"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/casestore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/greetstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/privacystore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/scanstore"
	"github.com/cardloop/cardloop/shared/aws/s3bucket"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/privacy"
	"github.com/cardloop/cardloop/shared/setup"
)

// Service is the privacy service with the stores the retention job reads.
type Service struct {
	*privacy.Service
	Index  *privacystore.Privacy
	OptIns *greetstore.Greetings
	// Files erases objects of the scan bucket.
	Files *s3bucket.Eraser
}

// Retain runs the retention rules for a brand.
func (s Service) Retain(ctx context.Context, brandID string) (privacy.RetentionRun, error) {
	return s.Service.Retain(ctx, s.Index, s.OptIns, brandID)
}

// Build makes the service over the App's table and the scan bucket;
// phone normalises phone numbers (nil where nobody looks diners up).
func Build(app *setup.App, signer *link.Signer, bucket string, phone privacy.PhoneNormalizer) Service {
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	cards, greets, store := cardstore.New(table), greetstore.New(table), privacystore.New(table)
	diners := struct {
		*cardstore.Cards
		*greetstore.Greetings
	}{cards, greets}
	files := s3bucket.NewEraser(s3.NewFromConfig(app.AWS, func(o *s3.Options) { o.UsePathStyle = true }), bucket)
	svc := privacy.NewService(privacy.Deps{
		Requests: store, Diners: diners, Cards: cards, Cases: casestore.New(table), Greetings: greets,
		Scans: scanstore.New(table), Files: files, Stores: brandstore.New(table), Hash: signer, Phone: phone,
		Now: app.Now, NewID: func() string { return "pr_" + rand.Text()[:20] }, Log: app.Log,
	})
	return Service{Service: svc, Index: store, OptIns: greets, Files: files}
}
