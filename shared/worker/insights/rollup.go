package insights

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cardloop/cardloop/shared/insight"
)

// roller brings a brand's roll-ups of periods up to date (insight.Rollups).
type roller interface {
	Run(ctx context.Context, brandID string, periods []insight.Period) (insight.RollupRun, error)
}

// Rollup is the RollupFunction, run on a schedule (every 15 minutes): it
// brings each brand's roll-ups of the recent days, their month-weeks and
// months (insight.Recent) up to date with the stores' items.
//
// Idempotent: a roll-up is recomputed whole from the stores' items and
// records the version of each item it summed; a run that comes twice, is
// retried or overlaps another finds the roll-ups current and writes
// nothing, and a roll-up is only written over the one that was read
// (insight.Rollups.Run).
type Rollup struct {
	r      roller
	brands []string
	now    func() time.Time
	log    *slog.Logger
}

// NewRollup returns the schedule handler for the brands given.
func NewRollup(r roller, brands []string, now func() time.Time, log *slog.Logger) *Rollup {
	return &Rollup{r: r, brands: brands, now: now, log: log}
}

// Handle runs one pass over every brand and returns what it did (the local
// runner's schedules page shows it). A brand that fails does not stop the
// others; the pass then returns an error so the schedule retries.
func (h *Rollup) Handle(ctx context.Context, ev events.EventBridgeEvent) ([]insight.RollupRun, error) {
	rg := insight.Recent(h.now())
	periods := insight.Touching(rg)
	var runs []insight.RollupRun
	var failed []string
	for _, b := range h.brands {
		start := time.Now()
		run, err := h.r.Run(ctx, b, periods)
		runs = append(runs, run)
		if err != nil {
			h.log.Error("rollup: brand failed", "event", ev.ID, "brand", b, "range", rg.String(), "err", err)
			failed = append(failed, b)
			continue
		}
		h.log.Info("rollup pass", "event", ev.ID, "brand", b, "range", rg.String(), "stores", run.Stores, "periods", run.Periods,
			"unchanged", run.Unchanged, "written", run.Written, "conflicts", run.Conflicts, "ms", time.Since(start).Milliseconds())
	}
	if len(failed) > 0 {
		return runs, fmt.Errorf("roll up brands %v: failed", failed)
	}
	return runs, nil
}
