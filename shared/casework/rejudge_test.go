package casework

import (
	"slices"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/triage"
)

// TestTriageCardChangedSince: a card judged again after its handwritten
// comment was typed in (comments.Service.Transcribe) brings its new
// reasons to its case once — opening one if the card had none, raising an
// apology case to a visit and telling the area manager — and a second
// judgement of the same card changes nothing.
func TestTriageCardChangedSince(t *testing.T) {
	t.Parallel()
	typedIn := func(c card.Card, comment string) card.Card {
		at := c.SubmittedAt.Add(3 * time.Hour)
		c.Comment, c.TranscribedBy, c.TranscribedAt = comment, manager, &at
		return c
	}
	good := dinerCard("c1", ann, map[string]int{apology1: 4, "overall": 4})
	tests := []struct {
		name      string
		cards     []card.Card
		wantSev   triage.Severity
		wantActs  []string
		wantSent  []string
		wantTally map[string]int
	}{
		{"an apology case's card typed in with a food-safety word: a visit, once",
			[]card.Card{low("c1", ann), typedIn(low("c1", ann), "吃完食物中毒"), typedIn(low("c1", ann), "吃完食物中毒")},
			triage.Visit, []string{"opened", "rejudged"}, []string{"alert→" + manager, "area_alert→" + area},
			map[string]int{"openedApology": 1, "recoverable": 1}},
		{"a good card typed in with a food-safety word: one visit case",
			[]card.Card{good, typedIn(good, "食物中毒"), typedIn(good, "食物中毒")},
			triage.Visit, []string{"opened"}, []string{"alert→" + manager, "area_alert→" + area},
			map[string]int{"openedVisit": 1, "recoverable": 1}},
		{"an apology case's card typed in with a harmless comment: unchanged",
			[]card.Card{low("c1", ann), typedIn(low("c1", ann), "牛排太老了")},
			triage.Apology, []string{"opened"}, []string{"alert→" + manager},
			map[string]int{"openedApology": 1, "recoverable": 1}},
		{"a visit case's card typed in with a food-safety word: the reason is added, nobody told again",
			[]card.Card{dinerCard("c1", ann, map[string]int{"overall": 1}), typedIn(dinerCard("c1", ann, map[string]int{"overall": 1}), "食物中毒")},
			triage.Visit, []string{"opened", "rejudged"}, []string{"alert→" + manager, "area_alert→" + area},
			map[string]int{"openedVisit": 1, "recoverable": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newCaseRig(t)
			for _, c := range tt.cards {
				if err := r.triage(t, c); err != nil {
					t.Fatalf("triage %s: %v", c.ID, err)
				}
			}
			if got := r.cases.count(); got != 1 {
				t.Fatalf("cases: got %d, want 1", got)
			}
			rec := r.record(t, caseOf(tt.cards[0]))
			if rec.Case.Severity != tt.wantSev || !slices.Equal(rec.Case.CardIDs, []string{"c1"}) {
				t.Errorf("case: got severity %q cards %v, want %q [c1]", rec.Case.Severity, rec.Case.CardIDs, tt.wantSev)
			}
			if got := actions(rec.Events); !slices.Equal(got, tt.wantActs) {
				t.Errorf("audit trail: got %v, want %v", got, tt.wantActs)
			}
			if got := r.sender.sends(); !slices.Equal(got, tt.wantSent) {
				t.Errorf("notices sent: got %v, want %v", got, tt.wantSent)
			}
			if !maps(r.cases.tally, tt.wantTally) {
				t.Errorf("tally: got %v, want %v", r.cases.tally, tt.wantTally)
			}
			keywords := 0
			for _, reason := range rec.Case.Reasons {
				if reason.Rule == "keyword" {
					keywords++
				}
			}
			if want := len(triage.Default().Judge(tt.cards[len(tt.cards)-1]).Reasons) - len(triage.Default().Judge(tt.cards[0]).Reasons); tt.wantActs[len(tt.wantActs)-1] == "rejudged" && keywords != want {
				t.Errorf("keyword reasons: got %d, want %d (each once)", keywords, want)
			}
		})
	}
}
