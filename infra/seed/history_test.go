package seed

import (
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/insight"
)

// TestHistory checks the demo history is valid, the same for the same day,
// spread over every day of every store, and opens no case.
func TestHistory(t *testing.T) {
	stores := demoStores(t)
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	a, err := History(stores, now)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := History(stores, now)
	if len(a) != len(b) || a[0].ID != b[0].ID || a[len(a)-1].ID != b[len(b)-1].ID {
		t.Error("two histories of the same day differ")
	}
	days := map[string]map[string]bool{}
	ids := map[string]bool{}
	counts := insight.Counters{}
	for _, c := range a {
		if ids[c.ID] {
			t.Fatalf("card id %s twice", c.ID)
		}
		ids[c.ID] = true
		if days[c.StoreID] == nil {
			days[c.StoreID] = map[string]bool{}
		}
		days[c.StoreID][c.VisitDate] = true
		for item, v := range c.Ratings {
			if v <= 2 {
				t.Fatalf("card %s rates %s %d: it would open a case", c.ID, item, v)
			}
		}
		if c.SubmittedAt.After(now) {
			t.Fatalf("card %s submitted %s, after now", c.ID, c.SubmittedAt)
		}
		counts.Add(insight.Count(c))
	}
	for _, st := range stores {
		if len(days[st.ID]) != HistoryDays {
			t.Errorf("store %s has cards on %d days, want %d", st.ID, len(days[st.ID]), HistoryDays)
		}
	}
	f := insight.Derive(counts, insight.Filter{}, nil)
	if f.Paper == 0 || f.Online == 0 || f.First == 0 || f.Returning == 0 || f.Comments == 0 {
		t.Errorf("history lacks a kind of card: %+v", f)
	}
	t.Logf("%d cards; CSAT %.2f, NPS %.0f (avg %.1f)", f.Cards, f.CSAT.Avg, f.NPS.Score, f.NPS.Avg)
}

// demoStores are the demo's stores (demo.json).
func demoStores(t *testing.T) []brand.Store {
	t.Helper()
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	_, stores, err := d.Parse()
	if err != nil {
		t.Fatal(err)
	}
	return stores
}
