// Package wire is InsightFunction's wiring: Build makes its handler from the
// App. It is shared by the function's main and the fixture test
// (test/events), so the test runs the handler exactly as the function is
// wired.
package wire

import (
	"context"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/insightstore"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/insights"
)

// Build makes InsightFunction's handler, once, at cold start.
func Build(_ context.Context, app *setup.App) (any, error) {
	store := insightstore.New(dynamo.New(app.DynamoDB, app.Env.Table))
	return insights.NewTally(store, app.Log).Handle, nil
}
