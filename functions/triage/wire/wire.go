// Package wire is TriageFunction's wiring: Build makes its handler from the
// App. It is shared by the function's main and the fixture test
// (test/events), so the test runs the handler exactly as the function is
// wired.
package wire

import (
	"context"

	"github.com/cardloop/cardloop/functions/internal/casewire"
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/callbacks"
)

// Build makes TriageFunction's handler, once, at cold start.
func Build(ctx context.Context, app *setup.App) (any, error) {
	cases, err := casewire.Cases(ctx, app)
	if err != nil {
		return nil, err
	}
	cards := cardstore.New(dynamo.New(app.DynamoDB, app.Env.Table))
	return callbacks.NewTriage(cases, cards, app.Log).Handle, nil
}
