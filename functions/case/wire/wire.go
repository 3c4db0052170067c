// Package wire is CaseFunction's wiring: Build makes its handler from the
// App. It is shared by the function's main and the fixture test
// (test/events), so the test runs the handler exactly as the function is
// wired.
package wire

import (
	"context"
	"net/http"

	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/casestore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/greetstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/privacystore"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/http/cases"
	"github.com/cardloop/cardloop/shared/http/edge"
	"github.com/cardloop/cardloop/shared/http/preferences"
	"github.com/cardloop/cardloop/shared/setup"
)

// Build makes CaseFunction's handler, once, at cold start.
func Build(ctx context.Context, app *setup.App) (any, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	// The pages change cases and consent but send no e-mail: the case
	// service has no notice sender, the consent service no mailer.
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	brands, cards := brandstore.New(table), cardstore.New(table)
	consent := greeting.NewConsent(struct {
		*brandstore.Brands
		*cardstore.Cards
		*greetstore.Greetings
	}{brands, cards, greetstore.New(table)}, nil, signer, app.Env.PublicBaseURL, app.Now, app.Log)
	caseService := casework.NewService(casestore.New(table), brands, nil, app.Now)
	casePages := cases.NewCaseHandler(caseService, struct {
		*brandstore.Brands
		*cardstore.Cards
	}{brands, cards}, signer, app.Log).WithReveal(privacystore.New(table))
	mux := http.NewServeMux()
	mux.Handle("/k/", casePages)
	prefs := preferences.NewHandler(consent, app.Log)
	mux.Handle("/o/", prefs)
	mux.Handle("/u/", prefs)
	return httpadapter.NewV2(edge.Wrap(mux, edge.Options{Stage: app.Env.Stage})).ProxyWithContext, nil
}
