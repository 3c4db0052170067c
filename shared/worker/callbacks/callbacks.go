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

// Triage is the TriageFunction: it reads the table's stream and triages each
// newly stored card.
//
// Idempotent: a card's case id derives from its diner, store and day, a card
// already in its case is not added twice, and each notice is written with
// the case change that owes it and claimed before it is sent. Replaying a
// batch therefore yields no second case and no second e-mail.
type Triage struct {
	cases triager
	log   *slog.Logger
}

// NewTriage returns the stream handler.
func NewTriage(cases triager, log *slog.Logger) *Triage {
	return &Triage{cases: cases, log: log}
}

// Handle triages every card a batch inserted. Records arrive in order per
// shard; on the first failure it stops and reports that record, so Lambda
// retries from there (ReportBatchItemFailures) and never skips a card.
func (h *Triage) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	for _, r := range ev.Records {
		c, ok, err := cardstore.CardFromStream(r)
		if err == nil && ok {
			var d triage.Decision
			d, err = h.cases.Triage(ctx, c)
			if err == nil && d.Severity != triage.None {
				h.log.Info("card triaged", "card", c.ID, "store", c.StoreID, "severity", d.Severity, "noContact", d.NoContact)
			}
		}
		if err != nil {
			h.log.Error("triage failed", "event", r.EventID, "seq", r.Change.SequenceNumber, "err", err)
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
