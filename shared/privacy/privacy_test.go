package privacy_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/privacy"
)

func TestDueDates(t *testing.T) {
	created := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		country string
		kind    privacy.Kind
		set     privacy.Settings
		days    int
	}{
		{"TW", privacy.Export, privacy.Settings{}, 15},
		{"TW", privacy.Correct, privacy.Settings{}, 30},
		{"TW", privacy.Erase, privacy.Settings{}, 30},
		{"CN", privacy.Export, privacy.Settings{}, 15},
		{"CN", privacy.Erase, privacy.Settings{ChinaDays: 10}, 10},
		{"SG", privacy.Export, privacy.Settings{}, 30},
		{"SG", privacy.Correct, privacy.Settings{}, 30},
		{"JP", privacy.Erase, privacy.Settings{}, 15},
		{"JP", privacy.Erase, privacy.Settings{ChinaDays: 7}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.country+"/"+string(tt.kind), func(t *testing.T) {
			got := privacy.LawOf(tt.country).DueAt(tt.kind, created, tt.set)
			if want := created.AddDate(0, 0, tt.days); !got.Equal(want) {
				t.Errorf("got %v, want %v (%d days)", got, want, tt.days)
			}
		})
	}
}

func TestRetentionCutoff(t *testing.T) {
	now := time.Date(2026, 11, 27, 19, 20, 0, 0, time.UTC)
	if got := (privacy.Settings{}).RetentionCutoff(now); got != "2024-11-27" {
		t.Errorf("default: got %s, want 2024-11-27", got)
	}
	if got := (privacy.Settings{RetentionMonths: 6}).RetentionCutoff(now); got != "2026-05-27" {
		t.Errorf("6 months: got %s, want 2026-05-27", got)
	}
	if got := privacy.OptInCutoff(now); !got.Equal(now.AddDate(0, 0, -30)) {
		t.Errorf("opt-in: got %v, want 30 days before", got)
	}
}

func TestStepsInOrder(t *testing.T) {
	var got []privacy.Step
	for s := privacy.StepCollect; s != privacy.StepDone; s = s.Next() {
		got = append(got, s)
	}
	if len(got) != len(privacy.Steps)-1 || got[0] != privacy.StepCollect || got[len(got)-1] != privacy.StepProfile {
		t.Errorf("got %v, want collect … profile", got)
	}
}

func TestCorrectionCheck(t *testing.T) {
	s := func(v string) *string { return &v }
	today := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	norm := func(raw, region string) (string, error) {
		if strings.HasPrefix(raw, "09") && len(raw) == 10 {
			return "+886" + raw[1:], nil
		}
		return "", errors.New("bad")
	}
	byPhone := diner.Profile{Key: "tel:+886912345678", Phone: "+886912345678"}
	byEmail := diner.Profile{Key: "email:lin@example.com", Email: "lin@example.com"}
	tests := []struct {
		name   string
		p      diner.Profile
		ch     privacy.Changes
		fields []string // refused; none: accepted
		set    map[string]string
	}{
		{"good", byPhone, privacy.Changes{Name: s("林"), Email: s("Lin@Example.COM"), Birthday: s("1990-11-25"), Language: s("zh-TW")}, nil,
			map[string]string{"name": "林", "email": "Lin@example.com", "birthday": "1990-11-25", "language": "zh-TW"}},
		{"each bad field named", byPhone, privacy.Changes{Name: s(strings.Repeat("x", card.MaxName+1)), Email: s("nope"), Birthday: s("13-01"), Language: s("fr")},
			[]string{"name", "email", "birthday", "language"}, nil},
		{"birthday in the future", byPhone, privacy.Changes{Birthday: s("2027-01-01")}, []string{"birthday"}, nil},
		{"the key's phone cannot change", byPhone, privacy.Changes{Phone: s("0911222333")}, []string{"phone"}, nil},
		{"the key's phone cannot go", byPhone, privacy.Changes{Phone: s("")}, []string{"phone"}, nil},
		{"the same phone is fine", byPhone, privacy.Changes{Phone: s("0912345678")}, nil, map[string]string{"phone": "+886912345678"}},
		{"an e-mail diner may add a phone", byEmail, privacy.Changes{Phone: s("0912345678")}, nil, map[string]string{"phone": "+886912345678"}},
		{"an e-mail diner's address cannot change", byEmail, privacy.Changes{Email: s("other@example.com")}, []string{"email"}, nil},
		{"nothing", byPhone, privacy.Changes{}, []string{"changes"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.ch.Check(tt.p, "TW", today, norm)
			if len(tt.fields) == 0 {
				if err != nil {
					t.Fatalf("got %v, want accepted", err)
				}
				for k, v := range tt.set {
					if c.Set[k] != v {
						t.Errorf("%s: got %q, want %q", k, c.Set[k], v)
					}
				}
				return
			}
			fe, ok := fault.As(err)
			if !ok || fe.Code != fault.Invalid || len(fe.Fields) != len(tt.fields) {
				t.Fatalf("got %v, want invalid fields %v", err, tt.fields)
			}
			for i, f := range tt.fields {
				if fe.Fields[i].Field != f {
					t.Errorf("field %d: got %s, want %s", i, fe.Fields[i].Field, f)
				}
			}
		})
	}
}

func TestExportCSV(t *testing.T) {
	d := privacy.Data{Profile: diner.Profile{Key: "tel:+886912345678", Name: "林小姐"},
		Cards: []card.Card{{ID: "c_1", Ratings: map[string]int{"main": 1}, Comment: "太老, \"冷\""}}}
	b, err := d.CSV()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"section,item,field,value\n", "profile,1,name,林小姐\n", "cards,1,ratings.main,1\n", "cards,1,comment,\"太老, \"\"冷\"\"\"\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("got\n%s\nwant a line %q", b, want)
		}
	}
}
