// Package intake takes cards in from every channel (the online form and API,
// scans, imports): it checks a submission against the card's rules and the
// store's configuration, normalises the diner's contact details, and stores
// the card once, however often it is submitted.
package intake

import (
	"context"
	"fmt"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/fault"
)

// storeFinder finds a store's configuration.
type storeFinder interface {
	// Store returns the store, or a fault.NotFound error.
	Store(ctx context.Context, id string) (brand.Store, error)
}

// cardSaver stores a card together with its diner's profile.
type cardSaver interface {
	// SaveCard stores c and updates its diner's profile in one atomic write.
	// When a card with c.ID is already stored it writes nothing and returns
	// the stored card with created false.
	SaveCard(ctx context.Context, c card.Card) (stored card.Card, created bool, err error)
}

// Service accepts cards from every channel.
type Service struct {
	stores storeFinder
	cards  cardSaver
	now    func() time.Time
}

// NewService returns a Service that reads stores from stores and saves cards
// to cards. now is the clock (time.Now in production).
func NewService(stores storeFinder, cards cardSaver, now func() time.Time) *Service {
	return &Service{stores: stores, cards: cards, now: now}
}

// Submit checks a submission and stores it as a card with its diner's
// profile. A replay of an earlier submission (same idempotency key, same
// content) returns the stored card and writes nothing; the same key with
// different content is a fault.Conflict. Invalid input is a fault.Invalid
// naming every bad field, and nothing is written.
func (s *Service) Submit(ctx context.Context, sub card.Submission, m card.Meta) (card.Result, error) {
	if m.Now.IsZero() {
		m.Now = s.now()
	}
	if sub.StoreID == "" {
		return card.Result{}, withoutStore(sub, m, "required")
	}
	st, err := s.stores.Store(ctx, sub.StoreID)
	if fault.CodeOf(err) == fault.NotFound {
		return card.Result{}, withoutStore(sub, m, "unknown_store")
	}
	if err != nil {
		return card.Result{}, fmt.Errorf("submit card: find store %s: %w", sub.StoreID, err)
	}
	if m.PrintedItems != nil { // a paper card is checked against the menu it was printed with
		st.Items, st.MainCourses = m.PrintedItems, m.PrintedCourses
	}
	c, err := Build(sub, st, m)
	if err != nil {
		return card.Result{}, err
	}
	stored, created, err := s.cards.SaveCard(ctx, c)
	if err != nil {
		return card.Result{}, fmt.Errorf("submit card %s: %w", c.ID, err)
	}
	if !created && stored.Fingerprint != c.Fingerprint {
		return card.Result{}, &fault.Error{
			Code:    fault.Conflict,
			Message: "This submission id was already used for a different card.",
			Fields:  []fault.FieldError{{Field: keyField(sub, m), Rule: "idempotency_reuse"}},
		}
	}
	return card.Result{Card: stored, Created: created}, nil
}

// withoutStore reports a missing or unknown store together with every other
// field that can be checked without the store's configuration.
func withoutStore(sub card.Submission, m card.Meta, rule string) error {
	errs := []fault.FieldError{{Field: "storeId", Rule: rule}}
	sub.StoreID = "?"
	if _, err := Build(sub, brand.Store{TimeZone: "UTC"}, m); err != nil {
		if fe, ok := fault.As(err); ok {
			for _, f := range fe.Fields {
				if f.Rule != "unknown_item" && f.Field != "mainCourse" && f.Field != "diner.phone" {
					errs = append(errs, f)
				}
			}
		}
	}
	return fault.Fields(errs)
}

func keyField(sub card.Submission, m card.Meta) string {
	if m.IdempotencyKey != "" {
		return "Idempotency-Key"
	}
	return "submissionId"
}
