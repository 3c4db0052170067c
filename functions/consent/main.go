// Command consent is the ConsentFunction Lambda: from the table's stream it
// keeps each diner's greeting consent and indexes in step and sends the
// confirmation e-mail of double opt-in.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker"
)

func main() {
	ctx := context.Background()
	app, err := setup.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	c, err := app.Consent(ctx)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(worker.NewConsent(c, app.Log).Handle)
}
