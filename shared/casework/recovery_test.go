package casework

import (
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/card"
)

// visit is a card of diner key rating overall (none when 0), visited days
// after the complaint day (21 November) and submitted that day.
func visit(id, key string, days, overall int) card.Card {
	ratings := map[string]int{"service": 4}
	if overall > 0 {
		ratings["overall"] = overall
	}
	c := dinerCard(id, key, ratings)
	d := svcT0.AddDate(0, 0, days)
	c.VisitDate, c.SubmittedAt = d.Format(time.DateOnly), d
	return c
}

// complaint is a low card of diner key on the complaint day with overall 2.
func complaint(id, key string) card.Card {
	return dinerCard(id, key, map[string]int{apology1: 1, "overall": 2})
}

// triageAll triages cards in order, failing the test on an error.
func (r *caseRig) triageAll(t *testing.T, cards ...card.Card) {
	t.Helper()
	for _, c := range cards {
		if _, err := r.svc.Triage(t.Context(), c); err != nil {
			t.Fatalf("triage %s: %v", c.ID, err)
		}
	}
}

func TestRecovery(t *testing.T) {
	t.Parallel()
	late := visit("r1", ann, 10, 5) // a paper card of day 10, scanned after the day-20 card came in
	late.SubmittedAt = svcT0.AddDate(0, 0, 30)
	otherStore := visit("r1", ann, 5, 4)
	otherStore.StoreID = "S002"
	otherBrand := visit("r1", ann, 5, 4)
	otherBrand.BrandID = "other"
	recovered := func(later int) map[string]int {
		return map[string]int{"openedApology": 1, "recoverable": 1, "recovered": 1, "recoveredScored": 1,
			"recoveredComplaintOverall": 2, "recoveredLaterOverall": later}
	}
	notRecovered := map[string]int{"openedApology": 1, "recoverable": 1}
	tests := []struct {
		name        string
		cards       []card.Card
		wantTally   map[string]int
		wantReturn  string // the card recorded as the return, "" for none
		wantSaves   int    // returns written
		wantQueries int    // look-ups of the diner's recent cases
	}{
		{"a return within 90 days counts once", []card.Card{complaint("c1", ann), visit("r1", ann, 30, 4)},
			recovered(4), "r1", 1, 2},
		{"the same return delivered again counts nothing more", []card.Card{complaint("c1", ann), visit("r1", ann, 30, 4), visit("r1", ann, 30, 4)},
			recovered(4), "r1", 1, 3},
		{"a second later card does not count again", []card.Card{complaint("c1", ann), visit("r1", ann, 30, 4), visit("r2", ann, 40, 3)},
			recovered(4), "r1", 1, 3},
		{"on the 90th day it still counts", []card.Card{complaint("c1", ann), visit("r1", ann, 90, 3)},
			recovered(3), "r1", 1, 2},
		{"after 90 days it does not", []card.Card{complaint("c1", ann), visit("r1", ann, 91, 5)},
			notRecovered, "", 0, 2},
		{"a card of the complaint's own day is not coming back", []card.Card{complaint("c1", ann), visit("r1", ann, 0, 5)},
			notRecovered, "", 0, 2},
		{"a card visited before the complaint is not coming back", []card.Card{complaint("c1", ann), visit("r1", ann, -3, 5)},
			notRecovered, "", 0, 2},
		{"anonymous diners never", []card.Card{complaint("c1", ""), visit("r1", "", 5, 5)},
			map[string]int{"openedApology": 1, "noContact": 1}, "", 0, 0},
		{"another diner is not the complainer coming back", []card.Card{complaint("c1", ann), visit("r1", bob, 5, 5)},
			notRecovered, "", 0, 2},
		{"another store of the brand counts, on the complaint's store", []card.Card{complaint("c1", ann), otherStore},
			recovered(4), "r1", 1, 2},
		{"another brand's diner is another diner", []card.Card{complaint("c1", ann), otherBrand},
			notRecovered, "", 0, 2},
		{"a return without an overall score counts, unscored", []card.Card{complaint("c1", ann), visit("r1", ann, 7, 0)},
			map[string]int{"openedApology": 1, "recoverable": 1, "recovered": 1}, "r1", 1, 2},
		{"an earlier return arriving later replaces the later one's score, counted once",
			[]card.Card{complaint("c1", ann), visit("r2", ann, 20, 3), late, late},
			recovered(5), "r1", 2, 4},
		{"the diner's next complaint is coming back, and a case of its own",
			[]card.Card{complaint("c1", ann), func() card.Card { c := complaint("c2", ann); c.VisitDate = "2026-12-01"; return c }()},
			map[string]int{"openedApology": 2, "recoverable": 2, "recovered": 1, "recoveredScored": 1,
				"recoveredComplaintOverall": 2, "recoveredLaterOverall": 2}, "c2", 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newCaseRig(t)
			r.triageAll(t, tt.cards...)
			if !maps(r.cases.tally, tt.wantTally) {
				t.Errorf("tally: got %v, want %v", r.cases.tally, tt.wantTally)
			}
			k := r.record(t, caseOf(tt.cards[0])).Case
			got := ""
			if k.Returned != nil {
				got = k.Returned.CardID
			}
			if got != tt.wantReturn {
				t.Errorf("return recorded: got %q, want %q", got, tt.wantReturn)
			}
			if r.cases.returnSaves != tt.wantSaves || r.cases.recentReads != tt.wantQueries {
				t.Errorf("calls: got %d returns written and %d look-ups, want %d and %d",
					r.cases.returnSaves, r.cases.recentReads, tt.wantSaves, tt.wantQueries)
			}
		})
	}
}

// TestRecoveryReadsAgainWhenTheReturnMoved plays two cards of one diner
// counted at once (two stream shards): the later card read the case before
// the earlier one was recorded, so its write fails, and it reads the case
// again and leaves the earlier return as it is.
func TestRecoveryReadsAgainWhenTheReturnMoved(t *testing.T) {
	t.Parallel()
	r := newCaseRig(t)
	r.triageAll(t, complaint("c1", ann))
	stale := r.record(t, caseOf(complaint("c1", ann))).Case
	r.triageAll(t, visit("r1", ann, 5, 4))
	if err := r.svc.saveReturn(t.Context(), stale, visit("r2", ann, 8, 1)); err != nil {
		t.Fatal(err)
	}
	if k := r.record(t, stale.ID).Case; k.Returned == nil || k.Returned.CardID != "r1" || k.Returned.Overall != 4 {
		t.Errorf("return: got %+v, want r1 with overall 4", k.Returned)
	}
	want := map[string]int{"openedApology": 1, "recoverable": 1, "recovered": 1, "recoveredScored": 1,
		"recoveredComplaintOverall": 2, "recoveredLaterOverall": 4}
	if !maps(r.cases.tally, want) {
		t.Errorf("tally: got %v, want %v", r.cases.tally, want)
	}
	if r.cases.returnSaves != 2 {
		t.Errorf("returns written: got %d, want 2 (one refused)", r.cases.returnSaves)
	}
}

func TestComplaintOverallIsTheLowest(t *testing.T) {
	t.Parallel()
	r := newCaseRig(t)
	r.triageAll(t, low("c1", ann), dinerCard("c2", ann, map[string]int{"overall": 1}), dinerCard("c3", ann, map[string]int{apology1: 1}))
	if got := r.record(t, caseOf(low("c1", ann))).Case.ComplaintOverall; got != 1 {
		t.Errorf("complaint overall: got %d, want 1 (the lowest of 3, 1 and none)", got)
	}
}

// TestCaseFromBeforeRecoveryNeverRecovers: a case stored before the
// recovery counters (not marked recoverable, so not in the denominator)
// is not counted when its diner comes back, so the rate stays a share.
func TestCaseFromBeforeRecoveryNeverRecovers(t *testing.T) {
	t.Parallel()
	r := newCaseRig(t)
	r.triageAll(t, complaint("c1", ann))
	id := caseOf(complaint("c1", ann))
	k := r.cases.cases[id]
	k.Recoverable = false
	r.cases.cases[id] = k
	r.triageAll(t, visit("r1", ann, 5, 5))
	if got := r.record(t, id).Case.Returned; got != nil || r.cases.tally[NRecovered] != 0 {
		t.Errorf("got return %+v and %d recovered, want none", got, r.cases.tally[NRecovered])
	}
}
