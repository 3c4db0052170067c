package casework

import (
	"context"
	"fmt"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/fault"
)

// Backfill brings the cases written before the Cases inbox (2026-11-28) into
// it: their inbox keys, which only a case saved since has, and the search
// terms of their cards, which only a card triaged since has given. A
// deployment that had cases before runs it once (`cardloop cases reindex`);
// running it again finds everything in place and writes only the search
// terms again (the same items).

// backfillSource is what Backfill reads and repairs (casestore, cardstore).
type backfillSource interface {
	// CasesPage returns a page of a store's cases opened between two days,
	// and the next page's cursor ("" on the last).
	CasesPage(ctx context.Context, storeID, from, to string, limit int, cursor string) ([]Case, string, error)
	// RepairInbox writes a case's inbox keys if it has none and is still
	// at its version, and says whether it wrote.
	RepairInbox(ctx context.Context, k Case) (bool, error)
	// Card returns a card, or fault.NotFound.
	Card(ctx context.Context, id string) (card.Card, error)
}

// BackfillReport is what Backfill did for a store.
type BackfillReport struct {
	Cases        int // cases read
	InboxAdded   int // cases given their inbox keys
	CardsIndexed int // cards whose search terms were written
	CardsGone    int // card ids of a case with no card (deleted by retention)
}

// Backfill repairs every case of a store, oldest day to newest, a page of
// 100 at a time. Its effect is idempotent: inbox keys are written only
// where missing, and search terms are the same items written again.
func (s *Service) Backfill(ctx context.Context, src backfillSource, storeID string) (BackfillReport, error) {
	var r BackfillReport
	if s.index == nil {
		return r, fmt.Errorf("backfill cases of %s: the service has no search index (WithSearch)", storeID)
	}
	cursor := ""
	for {
		cases, next, err := src.CasesPage(ctx, storeID, "0000", "9999", 100, cursor)
		if err != nil {
			return r, fmt.Errorf("backfill cases of %s: %w", storeID, err)
		}
		for _, k := range cases {
			r.Cases++
			added, err := src.RepairInbox(ctx, k)
			if err != nil {
				return r, err
			}
			if added {
				r.InboxAdded++
			}
			for _, id := range k.UniqueCardIDs() {
				c, err := src.Card(ctx, id)
				if fault.CodeOf(err) == fault.NotFound {
					r.CardsGone++
					continue
				}
				if err != nil {
					return r, fmt.Errorf("backfill case %s: %w", k.ID, err)
				}
				if err := s.indexCard(ctx, k, c); err != nil {
					return r, err
				}
				r.CardsIndexed++
			}
		}
		if next == "" {
			return r, nil
		}
		cursor = next
	}
}
