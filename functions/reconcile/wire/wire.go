// Package wire is ReconcileFunction's wiring: Build makes its handler from
// the App. It is shared by the function's main and the fixture test
// (test/events), so the test runs the handler exactly as the function is
// wired.
package wire

import (
	"context"
	"os"
	"time"

	"github.com/cardloop/cardloop/functions/internal/casewire"
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/emf"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/callbacks"
)

// settings: the stream delivers a card within seconds and retries a failing
// one for minutes, so a card still marked 5 minutes after it was stored has
// most likely lost its record; run every 5 minutes, the reconciler reaches
// it within 10. 200 cards per index shard (1,600 a run) fit the timeout.
var settings = callbacks.ReconcileSettings{Grace: 5 * time.Minute, Limit: 200}

// Build makes ReconcileFunction's handler, once, at cold start. Its metric
// goes to standard output in the Embedded Metric Format (namespace cardloop,
// dimension Stage), where CloudWatch Logs picks it up.
func Build(ctx context.Context, app *setup.App) (any, error) {
	cases, err := casewire.Cases(ctx, app)
	if err != nil {
		return nil, err
	}
	cards := cardstore.New(dynamo.New(app.DynamoDB, app.Env.Table))
	metrics := emf.New(os.Stdout, "cardloop", map[string]string{"Stage": app.Env.Stage})
	return callbacks.NewReconcile(cases, cards, metrics, settings, app.Now, app.Log).Handle, nil
}
