// Package casewire builds the case service of the two callback functions,
// TriageFunction and EscalateFunction: cases in the table, their e-mails
// (alerts, escalations, reminders) through SES with signed links.
package casewire

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/casestore"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/casemail"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/setup"
)

// Cases returns the case service that sends its notices by e-mail.
func Cases(ctx context.Context, app *setup.App) (*casework.Service, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	return Signed(app, signer), nil
}

// Signed returns the case service that sends its notices by e-mail, its
// links signed by signer: for a function that has read the key already
// (ConsoleFunction, which triages a transcribed comment).
func Signed(app *setup.App, signer *link.Signer) *casework.Service {
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	brands, cards, caseStore := brandstore.New(table), cardstore.New(table), casestore.New(table)
	history := struct {
		*cardstore.Cards
		*casestore.Cases
	}{cards, caseStore}
	notices := casemail.New(sesmail.New(sesv2.NewFromConfig(app.AWS), app.Env.Sender, ""), brands, cards, history, signer, app.Env.PublicBaseURL, link.DefaultTTL)
	// Every case it triages is indexed for the console's search, its terms
	// hashed with the link key (link.Signer.Keyed).
	return casework.NewService(caseStore, brands, notices, app.Now).WithSearch(signer, caseStore)
}
