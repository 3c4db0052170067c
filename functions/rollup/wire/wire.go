// Package wire is RollupFunction's wiring: Build makes its handler from the
// App. It is shared by the function's main and the fixture test
// (test/events), so the test runs the handler exactly as the function is
// wired.
package wire

import (
	"context"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/insightstore"
	"github.com/cardloop/cardloop/shared/insight"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/insights"
)

// Build makes RollupFunction's handler, once, at cold start. The brand it
// rolls up is DEFAULT_BRAND (the table keeps no list of brands).
func Build(ctx context.Context, app *setup.App) (any, error) {
	brandID, err := setup.Need("DEFAULT_BRAND", app.Env.DefaultBrand)
	if err != nil {
		return nil, err
	}
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	rollups := insight.NewRollups(insightstore.New(table), brandstore.New(table))
	return insights.NewRollup(rollups, []string{brandID}, app.Now, app.Log).Handle, nil
}
