// Package wire is MyDataFunction's wiring: Build makes its handler from the
// App. It is shared by the function's main and the fixture test
// (test/events), so the test runs the handler exactly as the function is
// wired.
package wire

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/functions/internal/privacywire"
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/greetstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/limitstore"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/diner/phone"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/http/edge"
	"github.com/cardloop/cardloop/shared/http/limit"
	mydatahttp "github.com/cardloop/cardloop/shared/http/mydata"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/mydata"
	"github.com/cardloop/cardloop/shared/setup"
)

// myData builds the diner's "My data" pages: the privacy service staff use
// (privacywire), the link-use records, SES for the link, and two limits —
// per client on the request form, one link per diner per 10 minutes.
func myData(app *setup.App, signer *link.Signer, table *dynamo.Table, consent *greeting.Consent) http.Handler {
	priv := privacywire.Build(app, signer, app.Env.ScanBucket, phone.Normalize)
	counts := limitstore.New(table)
	greets := greetstore.New(table)
	desk := mydata.NewDesk(mydata.Deps{
		Privacy: priv.Service, Diners: struct {
			*cardstore.Cards
			*greetstore.Greetings
		}{cardstore.New(table), greets},
		Brands: brandstore.New(table), Consent: consent, Uses: priv.Index,
		Mailer:     sesmail.New(sesv2.NewFromConfig(app.AWS), app.Env.Sender, app.Env.ConfigurationSet),
		PerAddress: limit.New(counts, signer, limit.Rule{Max: 1, Window: 10 * time.Minute}, app.Now, app.Log),
		Signer:     signer, Phone: phone.Normalize, BaseURL: app.Env.PublicBaseURL, Now: app.Now, Log: app.Log,
	})
	perClient := limit.New(counts, signer, limit.Rule{Max: 10, Window: 10 * time.Minute}, app.Now, app.Log)
	return mydatahttp.NewHandler(desk, perClient, app.Env.DefaultBrand, app.Log)
}

// Build makes MyDataFunction's handler, once, at cold start.
func Build(ctx context.Context, app *setup.App) (any, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	// Withdrawing consent from the page goes through the consent service the
	// preference pages use; it sends no e-mail here (no mailer).
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	consent := greeting.NewConsent(struct {
		*brandstore.Brands
		*cardstore.Cards
		*greetstore.Greetings
	}{brandstore.New(table), cardstore.New(table), greetstore.New(table)}, nil, signer, app.Env.PublicBaseURL, app.Now, app.Log)
	md := myData(app, signer, table, consent)
	mux := http.NewServeMux()
	mux.Handle("/d", md)
	mux.Handle("/d/", md)
	return httpadapter.NewV2(edge.Wrap(mux, edge.Options{Stage: app.Env.Stage})).ProxyWithContext, nil
}
