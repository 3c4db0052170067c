// Command case is the CaseFunction Lambda: the pages signed links open — the
// case page of case e-mails, where the store manager records the call, and
// the diner's confirm and unsubscribe pages of greetings.
package main

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/http/cases"
	"github.com/cardloop/cardloop/shared/http/diners"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(func(ctx context.Context, app *setup.App) (any, error) {
		signer, err := ssmparam.Signer(ctx, ssm.NewFromConfig(app.AWS), app.Env.LinkKeyParameter)
		if err != nil {
			return nil, err
		}
		// The pages change cases and consent but send no e-mail: the case
		// service has no notice sender, the consent service no mailer.
		db := dynamo.New(app.DynamoDB, app.Env.Table)
		consent := greeting.NewConsent(db, nil, signer, app.Env.PublicBaseURL, time.Now, app.Log)
		mux := http.NewServeMux()
		mux.Handle("/k/", cases.NewCaseHandler(casework.NewService(db, db, nil, time.Now), db, signer, app.Log))
		prefs := diners.NewPreferencesHandler(consent, app.Log)
		mux.Handle("/o/", prefs)
		mux.Handle("/u/", prefs)
		return httpadapter.NewV2(mux).ProxyWithContext, nil
	})
}
