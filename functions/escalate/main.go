// Command escalate is the EscalateFunction Lambda: every 15 minutes it
// escalates overdue cases and reminds store managers.
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
	lambda.Start(worker.NewEscalate(cases, 200, app.Log).Handle)
}
