// Command consent is the ConsentFunction Lambda: from the table's stream it
// keeps each diner's greeting consent and indexes in step and sends the
// confirmation e-mail of double opt-in.
package main

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/greetstore"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/greetings"
)

func main() {
	setup.Start(func(ctx context.Context, app *setup.App) (any, error) {
		signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
		if err != nil {
			return nil, err
		}
		mailer := sesmail.New(sesv2.NewFromConfig(app.AWS), app.Env.Sender, app.Env.ConfigurationSet)
		table := dynamo.New(app.DynamoDB, app.Env.Table)
		store := struct {
			*brandstore.Brands
			*cardstore.Cards
			*greetstore.Greetings
		}{brandstore.New(table), cardstore.New(table), greetstore.New(table)}
		consent := greeting.NewConsent(store, mailer, signer, app.Env.PublicBaseURL, time.Now, app.Log)
		return greetings.NewConsent(consent, app.Log).Handle, nil
	})
}
