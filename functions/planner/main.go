// Command planner is the PlannerFunction Lambda: every hour it finds, for
// each store whose local time has reached a campaign's send hour, the
// diners due a greeting, and queues them for the sender.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker"
)

func main() {
	app, err := setup.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	p, err := app.Planner()
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(worker.NewPlan(p, app.Log).Handle)
}
