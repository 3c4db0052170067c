// Command triage is the TriageFunction Lambda: it triages each card stored in
// the table, from the table's stream, and e-mails the managers it concerns.
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
	cases, err := app.Cases(ctx)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(worker.NewTriage(cases, app.Log).Handle)
}
