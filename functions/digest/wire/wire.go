// Package wire is DigestFunction's wiring: Build makes its handler from the
// App. It is shared by the function's main and the fixture test
// (test/events), so the test runs the handler exactly as the function is
// wired.
package wire

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/casestore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/digeststore"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/digest"
	"github.com/cardloop/cardloop/shared/digestmail"
	"github.com/cardloop/cardloop/shared/insight"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/digests"
)

// Build makes DigestFunction's handler, once, at cold start. The brand whose
// stores it serves is DEFAULT_BRAND (the table keeps no list of brands).
func Build(ctx context.Context, app *setup.App) (any, error) {
	brandID, err := setup.Need("DEFAULT_BRAND", app.Env.DefaultBrand)
	if err != nil {
		return nil, err
	}
	return digests.New(Service(app, []string{brandID}, Insight(dynamo.New(app.DynamoDB, app.Env.Table))), app.Log).Handle, nil
}

// Service builds the digest service over the table and SES, reading
// counters from r; tests build it with their own reader.
func Service(app *setup.App, brands []string, r insight.Reader) *digest.Service {
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	mailer := sesmail.New(sesv2.NewFromConfig(app.AWS), app.Env.Sender, app.Env.ConfigurationSet)
	return digest.NewService(brands, brandstore.New(table), digeststore.New(table), r,
		cardstore.New(table), casestore.New(table), digestmail.New(mailer, app.Env.PublicBaseURL, app.Now), app.Now, app.Log)
}
