package casework_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/triage"
)

func TestDinerHold(t *testing.T) {
	opened := t0
	resolved := t0.Add(3 * time.Hour)
	kase := func(severity triage.Severity, noContact bool, dinerKey string) casework.Case {
		k := casework.Case{ID: "k_1", BrandID: "wang", StoreID: "S001", DinerKey: dinerKey, Severity: severity, NoContact: noContact, OpenedAt: opened}
		if severity != triage.None {
			k.ResolvedAt = &resolved
		}
		return k
	}
	events := func(actions ...string) []casework.Event {
		var out []casework.Event
		for _, a := range actions {
			out = append(out, casework.Event{At: opened, By: "m", Action: a})
		}
		return out
	}
	const diner = "tel:+886912345678"
	tests := []struct {
		name string
		ch   casework.Change
		want casework.DinerHold
	}{
		{"an apology case opens", casework.Change{Case: kase(triage.Apology, false, diner), Created: true, Events: events("opened")},
			casework.DinerHold{Open: []string{"k_1"}}},
		{"a visit case opens", casework.Change{Case: kase(triage.Visit, false, diner), Created: true, Events: events("opened")},
			casework.DinerHold{Open: []string{"k_1"}}},
		{"a no-contact case opens: held from the opening", casework.Change{Case: kase(triage.Apology, true, diner), Created: true, Events: events("opened")},
			casework.DinerHold{Until: opened.Add(14 * 24 * time.Hour)}},
		{"a case reopens", casework.Change{Case: kase(triage.Apology, false, diner), Events: events("reopened")},
			casework.DinerHold{Open: []string{"k_1"}}},
		{"a no-contact case reopens", casework.Change{Case: kase(triage.Apology, true, diner), Events: events("reopened")},
			casework.DinerHold{}},
		{"an apology case is resolved", casework.Change{Case: kase(triage.Apology, false, diner), Events: events("resolved")},
			casework.DinerHold{Closed: []string{"k_1"}}},
		{"a visit case is resolved: held from the resolution", casework.Change{Case: kase(triage.Visit, false, diner), Events: events("resolved")},
			casework.DinerHold{Closed: []string{"k_1"}, Until: resolved.Add(14 * 24 * time.Hour)}},
		{"acknowledged, contacted, merged, escalated", casework.Change{Case: kase(triage.Visit, false, diner), Events: events("acknowledged", "contact", "merged", "escalated")},
			casework.DinerHold{}},
		{"no events (leaving the overdue index)", casework.Change{Case: kase(triage.Visit, false, diner)},
			casework.DinerHold{}},
		{"an anonymous case", casework.Change{Case: kase(triage.Visit, true, ""), Created: true, Events: events("opened")},
			casework.DinerHold{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.ch.DinerHold()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if got.IsZero() != reflect.DeepEqual(tt.want, casework.DinerHold{}) {
				t.Errorf("got IsZero %v for %+v", got.IsZero(), got)
			}
		})
	}
	if casework.HoldAfterSevere != 14*24*time.Hour {
		t.Errorf("got HoldAfterSevere %v, want 14 days", casework.HoldAfterSevere)
	}
}
