// Package wire is PlannerFunction's wiring: Build makes its handler from the
// App. It is shared by the function's main and the fixture test
// (test/events), so the test runs the handler exactly as the function is
// wired.
package wire

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/greetstore"
	"github.com/cardloop/cardloop/shared/aws/sqsqueue"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/greetings"
)

// Build makes PlannerFunction's handler, once, at cold start.
func Build(ctx context.Context, app *setup.App) (any, error) {
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
	planner := greeting.NewPlanner(store, queue, app.Now, app.Log)
	return greetings.NewPlan(planner, app.Log).Handle, nil
}
