package callbacks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
)

// UntriagedMetric is the metric each reconciler run writes: how many cards
// it found still awaiting triage past the grace period. The alarm on it
// (namespace cardloop, dimension Stage) says the stream is losing cards.
const UntriagedMetric = "UntriagedCards"

// untriagedCards finds the cards still awaiting triage and clears their
// marks (cardstore.Cards).
type untriagedCards interface {
	triageMarks
	// Untriaged returns the cards marked before markedBefore, at most limit
	// per index shard. Errors are storage errors (fault.Unavailable).
	Untriaged(ctx context.Context, markedBefore time.Time, limit int) ([]cardstore.Awaiting, error)
}

// counter writes a count metric (emf.Metrics).
type counter interface {
	Count(name string, n int, at time.Time) error
}

// ReconcileSettings are the reconciler's knobs.
type ReconcileSettings struct {
	// Grace is how long a card may await triage before the reconciler takes
	// it: long enough for the stream's own delivery and first retries.
	Grace time.Duration
	// Limit bounds the cards per index shard one run takes (the next run
	// takes the rest).
	Limit int
}

// Reconcile is the ReconcileFunction, run on a schedule: every card still
// marked as awaiting triage after the grace period (its stream record
// failed past its retries, expired, or was never delivered) is triaged by
// the same case service as the stream's, and its mark cleared.
//
// Idempotent: triage is (the case id derives from the card, a card already
// in its case is not added again, each notice is claimed before it is sent,
// so a card the stream triaged meanwhile gets no second case or e-mail), and
// a card's mark is cleared only once triage has decided, on the condition
// that it is still the mark read. A second run finds nothing more to do.
type Reconcile struct {
	run     triageRun
	cards   untriagedCards
	metrics counter
	set     ReconcileSettings
	now     func() time.Time
}

// NewReconcile returns the schedule handler.
func NewReconcile(cases triager, cards untriagedCards, metrics counter, set ReconcileSettings, now func() time.Time, log *slog.Logger) *Reconcile {
	return &Reconcile{run: triageRun{cases: cases, marks: cards, log: log}, cards: cards, metrics: metrics, set: set, now: now}
}

// ReconcileReport is what one run did.
type ReconcileReport struct {
	Untriaged int `json:"untriaged"` // cards found awaiting triage past the grace period
	Triaged   int `json:"triaged"`   // of those, triaged now
	Failed    int `json:"failed"`    // of those, failed again (the next run retries them)
}

// Handle runs one reconciliation pass. The metric is written before any
// card is triaged, so a run that fails still reports what it found.
func (h *Reconcile) Handle(ctx context.Context, ev events.EventBridgeEvent) (ReconcileReport, error) {
	var rep ReconcileReport
	now := h.now()
	found, err := h.cards.Untriaged(ctx, now.Add(-h.set.Grace), h.set.Limit)
	if err != nil {
		return rep, fmt.Errorf("reconcile: find untriaged cards: %w", err)
	}
	rep.Untriaged = len(found)
	if err := h.metrics.Count(UntriagedMetric, len(found), now); err != nil {
		h.run.log.Error("untriaged cards metric", "err", err)
	}
	var errs []error
	for _, a := range found {
		if err := h.run.triage(ctx, a); err != nil {
			rep.Failed++
			errs = append(errs, fmt.Errorf("card %s: %w", a.Card.ID, err))
			h.run.log.Error("reconcile: triage failed", "card", a.Card.ID, "err", err)
			continue
		}
		rep.Triaged++
		h.run.log.Warn("reconcile: card triaged after its stream record was lost", "card", a.Card.ID, "store", a.Card.StoreID, "mark", a.Mark)
	}
	h.run.log.Info("reconcile pass", "event", ev.ID, "untriaged", rep.Untriaged, "triaged", rep.Triaged, "failed", rep.Failed)
	if err := errors.Join(errs...); err != nil {
		return rep, fmt.Errorf("reconcile: %d of %d untriaged cards failed: %w", rep.Failed, rep.Untriaged, err)
	}
	return rep, nil
}
