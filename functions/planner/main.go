// Command planner is the PlannerFunction Lambda: every hour it finds, for
// each store whose local time has reached a campaign's send hour, the
// diners due a greeting, and queues them for the sender.
package main

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/greetstore"
	"github.com/cardloop/cardloop/shared/aws/sqsqueue"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/greetings"
)

func main() {
	setup.Start(func(ctx context.Context, app *setup.App) (any, error) {
		url, err := setup.Need("GREETING_QUEUE_URL", app.Env.GreetingQueueURL)
		if err != nil {
			return nil, err
		}
		queue := sqsqueue.New[greeting.Job](sqs.NewFromConfig(app.AWS), url)
		table := dynamo.New(app.DynamoDB, app.Env.Table)
		store := struct {
			*brandstore.Brands
			*greetstore.Greetings
		}{brandstore.New(table), greetstore.New(table)}
		planner := greeting.NewPlanner(store, queue, time.Now, app.Log)
		return greetings.NewPlan(planner, app.Log).Handle, nil
	})
}
