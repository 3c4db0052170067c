// Command card is the CardFunction Lambda: the diner's feedback card, as an
// HTML form and a JSON API, behind the HTTP API.
package main

import (
	"context"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/http/diners"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(func(ctx context.Context, app *setup.App) (any, error) {
		signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
		if err != nil {
			return nil, err
		}
		table := dynamo.New(app.DynamoDB, app.Env.Table)
		brands := brandstore.New(table)
		h := diners.NewCardHandler(intake.NewService(brands, cardstore.New(table), time.Now), brands, app.Log).WithSerials(signer)
		return httpadapter.NewV2(h).ProxyWithContext, nil
	})
}
