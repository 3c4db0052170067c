// Command card is the CardFunction Lambda: the diner's feedback card, as an
// HTML form and a JSON API, behind the HTTP API.
package main

import (
	"context"
	"log"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/web"
)

func main() {
	ctx := context.Background()
	app, err := setup.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := app.Signer(ctx)
	if err != nil {
		log.Fatal(err)
	}
	h := web.NewCardHandler(card.NewService(app.DB, app.DB, time.Now), app.DB, app.Log).WithSerials(signer)
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
