// Package callbacks holds the event handlers of apology callbacks: the
// TriageFunction on the table's stream and the EscalateFunction on its
// schedule. Like every worker under shared/worker, each decodes its event,
// makes one domain call per item and reports what failed, so the event source
// retries only that.
package callbacks

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/triage"
)

// triager judges a stored card and opens its case (casework.Service).
type triager interface {
	Triage(ctx context.Context, c card.Card) (triage.Decision, error)
}

// triageMarks clears the mark of a card awaiting triage (cardstore.Cards).
type triageMarks interface {
	// Triaged clears the card's mark if it is still mark; a mark already
	// gone is no error. Errors are storage errors (fault.Unavailable).
	Triaged(ctx context.Context, cardID, mark string) error
}

// triageRun triages a stored card and then clears its mark: what the stream
// handler, the reconciler and a redrive do for each card. The mark goes
// only once triage has decided (a case opened or extended and its notices
// sent, or no case needed), so a failure leaves the card to be triaged again.
type triageRun struct {
	cases triager
	marks triageMarks
	log   *slog.Logger
}

func (t triageRun) triage(ctx context.Context, a cardstore.Awaiting) error {
	c := a.Card
	d, err := t.cases.Triage(ctx, c)
	if err != nil {
		return err
	}
	if d.Severity != triage.None {
		t.log.Info("card triaged", "card", c.ID, "store", c.StoreID, "severity", d.Severity, "noContact", d.NoContact)
	}
	return t.marks.Triaged(ctx, c.ID, a.Mark)
}

// Triage is the TriageFunction: it reads the table's stream and triages each
// newly stored card, then clears the card's triage mark.
//
// Idempotent: a card's case id derives from its diner, store and day, a card
// already in its case is not added twice, and each notice is written with
// the case change that owes it and claimed before it is sent. Replaying a
// batch therefore yields no second case and no second e-mail; clearing a
// mark is conditional on the mark, so a replay clears nothing twice.
type Triage struct{ run triageRun }

// NewTriage returns the stream handler.
func NewTriage(cases triager, marks triageMarks, log *slog.Logger) *Triage {
	return &Triage{triageRun{cases: cases, marks: marks, log: log}}
}

// Handle triages every card a batch inserted. Records arrive in order per
// shard; on the first failure it stops and reports that record, so Lambda
// retries from there (ReportBatchItemFailures) and never skips a card.
func (h *Triage) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	for _, r := range ev.Records {
		a, ok, err := cardstore.AwaitingFromStream(r)
		if err == nil && ok {
			err = h.run.triage(ctx, a)
		}
		if err != nil {
			h.run.log.Error("triage failed", "event", r.EventID, "seq", r.Change.SequenceNumber, "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
			return resp, nil
		}
	}
	return resp, nil
}

// escalator chases overdue cases (casework.Service).
type escalator interface {
	Escalate(ctx context.Context, limit int) (int, error)
}

// Escalate is the EscalateFunction, run on a schedule.
//
// Idempotent: each escalation level is reached once per case, guarded by the
// case's version, and its notices are outbox items sent once; a re-run at the
// same time finds nothing more due.
type Escalate struct {
	cases escalator
	limit int
	log   *slog.Logger
}

// NewEscalate returns the schedule handler; limit bounds the cases per shard
// one run looks at (the next run takes the rest).
func NewEscalate(cases escalator, limit int, log *slog.Logger) *Escalate {
	return &Escalate{cases: cases, limit: limit, log: log}
}

// Handle runs one escalation pass.
func (h *Escalate) Handle(ctx context.Context, ev events.EventBridgeEvent) error {
	n, err := h.cases.Escalate(ctx, h.limit)
	h.log.Info("escalation pass", "event", ev.ID, "escalated", n)
	if err != nil {
		return fmt.Errorf("escalation pass: %w", err)
	}
	return nil
}
