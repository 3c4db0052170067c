package triage_test

import (
	"testing"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/triage"
)

func cardWith(ratings map[string]int, comment string, consent bool, phone string) card.Card {
	c := card.Card{Ratings: ratings, Comment: comment, Diner: card.Diner{Phone: phone}}
	if consent {
		c.Consent.Contact = &diner.Consent{Source: "qr"}
	}
	return c
}

func TestJudge(t *testing.T) {
	good := map[string]int{"main": 4, "service": 5, "overall": 4}
	tests := []struct {
		name      string
		c         card.Card
		want      triage.Severity
		noContact bool
		rule      string
	}{
		{"all good", cardWith(good, "很好吃", true, "+886912345678"), triage.None, false, ""},
		{"one rating of 1", cardWith(map[string]int{"main": 1, "overall": 3}, "", true, "+886912345678"), triage.Apology, false, "low_rating"},
		{"boundary: 2 is not an apology", cardWith(map[string]int{"main": 2, "overall": 3}, "", true, "+886912345678"), triage.None, false, ""},
		{"overall 1", cardWith(map[string]int{"overall": 1}, "", true, "+886912345678"), triage.Visit, false, "overall"},
		{"three ratings of 2", cardWith(map[string]int{"main": 2, "soup": 2, "service": 2, "overall": 3}, "", true, "+886912345678"), triage.Visit, false, "many_low"},
		{"boundary: two ratings of 2", cardWith(map[string]int{"main": 2, "soup": 2, "service": 3, "overall": 3}, "", true, "+886912345678"), triage.None, false, ""},
		{"keyword zh-TW food poisoning", cardWith(good, "吃完之後食物中毒了", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword zh-TW diarrhoea", cardWith(good, "回家就拉肚子", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword zh-TW 腹瀉", cardWith(good, "整晚腹瀉", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword zh-CN 腹泻", cardWith(good, "整晚腹泻", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword zh-TW allergy", cardWith(good, "我說了過敏還是放了花生", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword zh-CN allergy", cardWith(good, "我说了过敏", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword zh-TW hair", cardWith(good, "湯裡有頭髮", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword zh-CN hair", cardWith(good, "汤里有头发", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword insect zh-TW", cardWith(good, "沙拉有蟲", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword insect zh-CN", cardWith(good, "沙拉有虫", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword foreign object zh-TW", cardWith(good, "牛排裡有異物", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword foreign object zh-CN", cardWith(good, "牛排里有异物", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword rude zh-TW", cardWith(good, "服務生態度惡劣", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword insult zh-TW", cardWith(good, "經理罵人", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword insult zh-CN", cardWith(good, "经理骂人", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword en food poisoning", cardWith(good, "I got Food Poisoning after dinner", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword en vomiting", cardWith(good, "my son was vomiting all night", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword en glass", cardWith(good, "a piece of glass in the soup", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword en insects plural", cardWith(good, "insects on the table", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"keyword en rude", cardWith(good, "The waiter was RUDE.", true, "+886912345678"), triage.Visit, false, "keyword"},
		{"no false hit: chair is not hair", cardWith(good, "the chair was wobbly", true, "+886912345678"), triage.None, false, ""},
		{"no false hit: prudent is not rude", cardWith(good, "a prudent choice of wine", true, "+886912345678"), triage.None, false, ""},
		{"no consent: recorded, never called", cardWith(map[string]int{"main": 1, "overall": 3}, "", false, "+886912345678"), triage.Apology, true, "low_rating"},
		{"no phone: recorded, never called", cardWith(map[string]int{"overall": 1}, "", true, ""), triage.Visit, true, "overall"},
	}
	rules := triage.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := rules.Judge(tt.c)
			if d.Severity != tt.want || d.NoContact != tt.noContact {
				t.Fatalf("got %q noContact=%v, want %q noContact=%v (%+v)", d.Severity, d.NoContact, tt.want, tt.noContact, d.Reasons)
			}
			if tt.rule == "" {
				return
			}
			for _, r := range d.Reasons {
				if r.Rule == tt.rule {
					return
				}
			}
			t.Errorf("reasons: got %+v, want one of rule %s", d.Reasons, tt.rule)
		})
	}
}

func TestDue(t *testing.T) {
	rules := triage.Default()
	if d := rules.Judge(cardWith(map[string]int{"main": 1, "overall": 3}, "", true, "x")); d.Due.Hours() != 24 {
		t.Errorf("apology due: got %v, want 24h", d.Due)
	}
	if d := rules.Judge(cardWith(map[string]int{"overall": 1}, "", true, "x")); d.Due.Hours() != 48 {
		t.Errorf("visit due: got %v, want 48h", d.Due)
	}
}

func TestMerge(t *testing.T) {
	store := triage.Rules{ApologyAtOrBelow: 2, ExtraKeywords: []string{"冷掉"}}
	r := triage.Default().Merge(triage.Rules{ApologyDueHours: 12}).Merge(store)
	if r.ApologyAtOrBelow != 2 || r.ApologyDueHours != 12 || r.VisitDueHours != 48 {
		t.Errorf("merged: got %+v", r)
	}
	if d := r.Judge(cardWith(map[string]int{"main": 4, "overall": 4}, "湯冷掉了", true, "x")); d.Severity != triage.Visit {
		t.Errorf("extra keyword: got %q, want visit", d.Severity)
	}
	if d := r.Judge(cardWith(map[string]int{"main": 2, "overall": 3}, "", true, "x")); d.Severity != triage.Apology {
		t.Errorf("store threshold 2: got %q, want apology", d.Severity)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("validate merged: %v", err)
	}
	if err := (triage.Rules{ApologyAtOrBelow: 5}).Validate(); err == nil {
		t.Error("threshold 5 (every card): got valid, want an error")
	}
}

func TestLow(t *testing.T) {
	tests := []struct {
		name  string
		rules triage.Rules
		score int
		want  bool
	}{
		{"default: 1 is low", triage.Default(), 1, true},
		{"default: 2 is low (counts towards a visit)", triage.Default(), 2, true},
		{"default: 3 is not", triage.Default(), 3, false},
		{"a store counting 3s as low", triage.Default().Merge(triage.Rules{VisitLowAtOrBelow: 3}), 3, true},
		{"a store counting 3s as low: 4 is not", triage.Default().Merge(triage.Rules{VisitLowAtOrBelow: 3}), 4, false},
		{"a strict store: only 1 is low", triage.Default().Merge(triage.Rules{VisitLowAtOrBelow: 1}), 2, false},
		{"an apology threshold above the low count marks what it acts on", triage.Rules{ApologyAtOrBelow: 3, VisitLowAtOrBelow: 2}, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.rules.Low(tt.score); got != tt.want {
				t.Errorf("got Low(%d) %v, want %v", tt.score, got, tt.want)
			}
		})
	}
}
