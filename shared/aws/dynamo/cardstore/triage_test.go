package cardstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/card"
)

// TestTriageMarks: a card stored online and a card imported are each marked
// as awaiting triage from when they were written (the import's time, not
// the imported card's own); Untriaged finds only marks older than its
// bound; clearing a mark is conditional on it, so clearing with a stale
// mark, or twice, changes nothing and is no error.
func TestTriageMarks(t *testing.T) {
	db, _, svc := setup(t)
	ctx := context.Background()
	online, err := svc.Submit(ctx, submission(1, "0912 345 678"), card.Meta{Source: card.SourceQR})
	if err != nil {
		t.Fatal(err)
	}
	importedAt := online.Card.SubmittedAt.Add(time.Hour)
	old := card.Card{ID: "c_imported00000000000000001", BrandID: "wang", StoreID: "S001", VisitDate: "2026-01-05",
		SubmittedAt: time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC), Ratings: map[string]int{"overall": 1}, Source: card.SourceQR}
	if err := db.ImportCards(ctx, []card.Card{old}, importedAt); err != nil {
		t.Fatal(err)
	}
	ids := func(before time.Time) map[string]string {
		t.Helper()
		got, err := db.Untriaged(ctx, before, 10)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, a := range got {
			out[a.Card.ID] = a.Mark
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		before time.Time
		want   []string
	}{
		{"before either was written", online.Card.SubmittedAt, nil},
		{"after the online card", importedAt, []string{online.Card.ID}},
		{"after both", importedAt.Add(time.Second), []string{online.Card.ID, old.ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ids(tc.before)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for _, id := range tc.want {
				if got[id] == "" {
					t.Errorf("got %v, want %s marked", got, id)
				}
			}
		})
	}

	marks := ids(importedAt.Add(time.Second))
	if err := db.Triaged(ctx, online.Card.ID, "2000-01-01T00:00:00.000000000Z#"+online.Card.ID); err != nil {
		t.Fatalf("clear with a stale mark: %v", err)
	}
	if got := ids(importedAt.Add(time.Second)); got[online.Card.ID] == "" {
		t.Fatalf("a stale mark cleared the card's: got %v", got)
	}
	for range 2 { // a replay clears nothing more
		if err := db.Triaged(ctx, online.Card.ID, marks[online.Card.ID]); err != nil {
			t.Fatalf("clear: %v", err)
		}
	}
	if got := ids(importedAt.Add(time.Second)); len(got) != 1 || got[old.ID] == "" {
		t.Errorf("after clearing the online card's mark: got %v, want only %s", got, old.ID)
	}
	stored, err := db.Card(ctx, online.Card.ID)
	if err != nil || stored.ID != online.Card.ID || stored.Comment != online.Card.Comment {
		t.Errorf("the card after its mark was cleared: got %+v, %v; want it whole", stored, err)
	}
}
