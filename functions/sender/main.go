// Command sender is the SenderFunction Lambda: it sends the greetings the
// planner queued, through SES, checking consent, suppression, the
// frequency cap, quiet hours and open cases first, never twice.
package main

import (
	"context"
	"log"
	"time"

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
	s, err := app.Sender(ctx)
	if err != nil {
		log.Fatal(err)
	}
	q, err := app.GreetingQueue()
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(worker.NewSend(s, q, time.Now, app.Log).Handle)
}
