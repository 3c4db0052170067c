package seed

import (
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/triage"
)

// TestDemoCards: the demo's low cards are valid cards, each one opens a
// case under the default rules, one of them at least is overdue when
// entered (the Cases tab's overdue view has something), one is not yet,
// and the same now gives the same cards.
func TestDemoCards(t *testing.T) {
	stores := demoStores(t)
	now := time.Date(2026, 11, 28, 5, 0, 0, 0, time.UTC)
	cards, err := demoCards(stores, now)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := demoCards(stores, now)
	if len(cards) != len(demoCases) || len(again) != len(cards) {
		t.Fatalf("got %d and %d cards, want %d", len(cards), len(again), len(demoCases))
	}
	overdue, open := 0, 0
	for i, c := range cards {
		if c.ID != again[i].ID {
			t.Errorf("card %d: ids %s and %s for the same now", i, c.ID, again[i].ID)
		}
		dec := triage.Default().Judge(c)
		if dec.Severity == triage.None {
			t.Errorf("card %d (%s) opens no case: %+v", i, c.StoreID, c.Ratings)
			continue
		}
		if c.SubmittedAt.Add(dec.Due).Before(now) {
			overdue++
		} else {
			open++
		}
		if c.Diner.Phone == "" || c.Consent.Contact == nil {
			t.Errorf("card %d: no number to call back (%+v)", i, c.Diner)
		}
	}
	if overdue == 0 || open == 0 {
		t.Errorf("%d overdue and %d not yet due, want some of each", overdue, open)
	}
}
