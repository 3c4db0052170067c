// Package insights holds the event handler that keeps the insight counters:
// the InsightFunction on the table's stream adds each new card to its
// store's day, month-week and month.
package insights

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/insightstore"
	"github.com/cardloop/cardloop/shared/insight"
)

// adder adds cards of one store-day to its counters (insightstore.Store).
type adder interface {
	Apply(ctx context.Context, storeID string, visitDate time.Time, cards []insightstore.Card) (int, error)
}

// Tally is the InsightFunction: it reads the table's stream and adds each
// newly stored card to its store's counters.
//
// Idempotent: the cards of one store-day are added in one conditional
// transaction that records their ids on the day's item and fails for an id
// already there (insightstore.Store.Apply), so a redelivered, replayed or
// reordered batch counts every card exactly once.
type Tally struct {
	store adder
	log   *slog.Logger
}

// NewTally returns the stream handler.
func NewTally(store adder, log *slog.Logger) *Tally { return &Tally{store: store, log: log} }

type group struct {
	store string
	day   time.Time
	first int // index of the group's first record in the batch
	cards []insightstore.Card
}

// Handle groups a batch's new cards by store and visit day and adds each
// group in one call. When a group fails it reports the earliest record of any
// failed group, so Lambda retries from there (ReportBatchItemFailures); the
// groups that did succeed are skipped on the retry by their ids.
func (h *Tally) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	failedAt := -1
	fail := func(i int) {
		if failedAt < 0 || i < failedAt {
			failedAt = i
		}
	}
	var groups []*group
	index := map[string]*group{}
	for i, r := range ev.Records {
		c, ok, err := cardstore.CardFromStream(r)
		if err == nil && ok {
			var day time.Time
			day, err = time.Parse(time.DateOnly, c.VisitDate)
			if err == nil {
				k := c.StoreID + "|" + c.VisitDate
				g := index[k]
				if g == nil {
					g = &group{store: c.StoreID, day: day, first: i}
					index[k] = g
					groups = append(groups, g)
				}
				g.cards = append(g.cards, insightstore.Card{ID: c.ID, Counters: insight.Count(c)})
			}
		}
		if err != nil {
			h.log.Error("insight: unreadable card record", "event", r.EventID, "seq", r.Change.SequenceNumber, "err", err)
			fail(i)
			break
		}
	}
	for _, g := range groups {
		if failedAt >= 0 && g.first > failedAt {
			continue // retried from failedAt anyway
		}
		n, err := h.store.Apply(ctx, g.store, g.day, g.cards)
		if err != nil {
			h.log.Error("insight: add cards failed", "store", g.store, "day", g.day.Format(time.DateOnly), "cards", len(g.cards), "err", err)
			fail(g.first)
			continue
		}
		h.log.Debug("insight: cards added", "store", g.store, "day", g.day.Format(time.DateOnly), "added", n, "replayed", len(g.cards)-n)
	}
	if failedAt >= 0 {
		resp.BatchItemFailures = []events.DynamoDBBatchItemFailure{{ItemIdentifier: ev.Records[failedAt].Change.SequenceNumber}}
	}
	return resp, nil
}
