// Package wire is RetentionFunction's wiring: Build makes its handler from
// the App. It is shared by the function's main and the fixture test
// (test/events), so the test runs the handler exactly as the function is
// wired.
package wire

import (
	"context"

	"github.com/cardloop/cardloop/functions/internal/privacywire"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/retention"
)

// Build makes RetentionFunction's handler, once, at cold start. The brand
// it serves is DEFAULT_BRAND (the table keeps no list of brands).
func Build(ctx context.Context, app *setup.App) (any, error) {
	brandID, err := setup.Need("DEFAULT_BRAND", app.Env.DefaultBrand)
	if err != nil {
		return nil, err
	}
	bucket, err := setup.Need("SCAN_BUCKET", app.Env.ScanBucket)
	if err != nil {
		return nil, err
	}
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	svc := privacywire.Build(app, signer, bucket, nil)
	return retention.New(svc, []string{brandID}, app.Log).Handle, nil
}
