// Package digests holds the DigestFunction's event handler: on its
// schedule it sends the nightly summaries and weekly digests that are due.
package digests

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cardloop/cardloop/shared/digest"
)

// runner sends the digests due now (digest.Service).
type runner interface {
	Run(ctx context.Context) (digest.Report, error)
}

// Digests is the DigestFunction, run on a schedule (every 15 minutes):
// each run sends what has come due since, in each store's time zone.
//
// Idempotent: every e-mail is a claim per (kind, store or area, period,
// recipient) taken with a condition before it is sent and marked sent
// after; a run that comes twice, a retried run or one overlapping another
// finds each e-mail sent or leased and skips it, so each recipient gets
// each period's e-mail once. A failed send releases its claim and the run
// returns an error, so the schedule's retry (or the next run) sends it.
type Digests struct {
	digests runner
	log     *slog.Logger
}

// New returns the schedule handler.
func New(r runner, log *slog.Logger) *Digests { return &Digests{digests: r, log: log} }

// Handle runs one pass and returns what it did (the local runner's
// schedules page shows it).
func (h *Digests) Handle(ctx context.Context, ev events.EventBridgeEvent) (digest.Report, error) {
	rep, err := h.digests.Run(ctx)
	h.log.Info("digest pass", "event", ev.ID, "due", rep.Due, "sent", rep.Sent, "already", rep.Already, "off", rep.Off, "failed", rep.Failed)
	if err != nil {
		return rep, fmt.Errorf("digest pass: %w", err)
	}
	return rep, nil
}
