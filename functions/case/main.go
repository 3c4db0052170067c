// Command case is the CaseFunction Lambda: the pages signed links open — the
// case page of case e-mails, where the store manager records the call, and
// the diner's confirm and unsubscribe pages of greetings.
package main

import (
	"context"
	"log"
	"net/http"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/web"
)

func main() {
	ctx := context.Background()
	app, err := setup.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	cases, err := app.Cases(ctx)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := app.Signer(ctx)
	if err != nil {
		log.Fatal(err)
	}
	consent, err := app.Consent(ctx)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/k/", web.NewCaseHandler(cases, app.DB, signer, app.Log))
	prefs := web.NewPreferencesHandler(consent, app.Log)
	mux.Handle("/o/", prefs)
	mux.Handle("/u/", prefs)
	lambda.Start(httpadapter.NewV2(mux).ProxyWithContext)
}
