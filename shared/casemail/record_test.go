package casemail

import (
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/i18n"
)

// TestTrail: the record reads as sentences in the reader's language, with
// everything typed for a call (issue 13, item 2) and no raw keys.
func TestTrail(t *testing.T) {
	st := brand.Store{ID: "S001", TimeZone: "Asia/Taipei", Staff: []brand.StaffMember{{Email: "deputy.s001@example.com", Name: "Deputy"}}}
	t0 := time.Date(2026, 11, 21, 4, 5, 0, 0, time.UTC) // 12:05 in Taipei
	call := t0.Add(2 * time.Hour)
	rec := casework.Record{
		Case: casework.Case{ID: "k1", CardIDs: []string{"c1", "c2"}, Contacts: []casework.Contact{{
			At: call, By: "manager.s001@example.com", Outcome: casework.Reached, Listened: "The steak was cold", ApologyGiven: true,
			RemedyCategory: "voucher", Remedy: "NT$500 voucher", Satisfied: "yes", Notes: "Call back on Friday",
		}}},
		Events: []casework.Event{
			{At: t0, By: "triage", Action: "opened", Detail: map[string]string{"card": "c1", "severity": "apology_call"}},
			{At: t0.Add(time.Minute), By: "triage", Action: "merged", Detail: map[string]string{"card": "c2", "severity": "in_person_visit"}},
			{At: t0.Add(time.Hour), By: "manager.s001@example.com", Action: "acknowledged"},
			{At: t0.Add(90 * time.Minute), By: "manager.s001@example.com", Action: "assigned", Detail: map[string]string{"assignee": "deputy.s001@example.com"}},
			{At: call, By: "manager.s001@example.com", Action: "contact", Detail: map[string]string{"outcome": "reached", "apology": "true", "remedy": "voucher", "satisfied": "yes"}},
			{At: call.Add(time.Minute), By: "manager.s001@example.com", Action: "resolved", Detail: map[string]string{"note": "Voucher sent"}},
			{At: call.Add(48 * time.Hour), By: "escalation", Action: "escalated", Detail: map[string]string{"level": "1"}},
		},
	}
	cards := map[string]card.Card{"c1": {ID: "c1", SubmittedAt: t0, Table: "7"}, "c2": {ID: "c2", SubmittedAt: t0.Add(time.Minute)}}
	en, err := Trail(rec, st, i18n.En, cards)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Case opened from the card of 2026-11-21 12:05, table 7: Apology call.",
		"Another card of the guest that day (2026-11-21 12:06) was added to the case. The case is now: In-person visit.",
		"manager.s001@example.com acknowledged the case.",
		"manager.s001@example.com assigned the case to Deputy <deputy.s001@example.com>.",
		"manager.s001@example.com called and reached the guest.",
		"manager.s001@example.com resolved the case.",
		"Overdue and the guest not reached: the area manager was told.",
	}
	if len(en) != len(want) {
		t.Fatalf("got %d entries, want %d", len(en), len(want))
	}
	for i, e := range en {
		if e.Text != want[i] {
			t.Errorf("entry %d: got %q, want %q", i, e.Text, want[i])
		}
		for _, raw := range []string{"severity:", "outcome:", "remedy:", "apology_call", "_"} {
			if strings.Contains(e.Text, raw) && !strings.Contains(e.Text, "@") {
				t.Errorf("entry %d shows the raw %q: %q", i, raw, e.Text)
			}
		}
	}
	if en[0].When != "2026-11-21 12:05" || en[0].By != "cardloop" {
		t.Errorf("first entry: got %q by %q, want store time and the system's name", en[0].When, en[0].By)
	}
	fields := map[string]string{}
	for _, f := range en[4].Fields {
		fields[f.Label] = f.Value
	}
	for label, value := range map[string]string{"Listen": "The steak was cold", "Apology": "Apology given",
		"Remedy": "Voucher — NT$500 voucher", "Guest satisfied": "Yes", "Notes": "Call back on Friday"} {
		if fields[label] != value {
			t.Errorf("call field %s: got %q, want %q", label, fields[label], value)
		}
	}
	if f := en[5].Fields; len(f) != 1 || f[0].Label != "Resolution note" || f[0].Value != "Voucher sent" {
		t.Errorf("resolution: got %+v", f)
	}

	tw, err := Trail(rec, st, i18n.ZhTW, cards)
	if err != nil {
		t.Fatal(err)
	}
	if got := tw[4].Text; got != "manager.s001@example.com 致電並聯絡到顧客。" {
		t.Errorf("zh-TW call: got %q", got)
	}
	if tw[4].Fields[0].Label != "傾聽" || tw[4].Fields[2].Value != "餐券 — NT$500 voucher" {
		t.Errorf("zh-TW fields: got %+v", tw[4].Fields)
	}
	if tw[0].By != "系統" {
		t.Errorf("zh-TW system: got %q", tw[0].By)
	}

	// An erased case keeps its calls' outcome; the trail still reads.
	rec.Case.Contacts[0].Listened, rec.Case.Contacts[0].Remedy, rec.Case.Contacts[0].Notes = "", "", ""
	erased, _ := Trail(rec, st, i18n.En, nil)
	if erased[0].Text != "Case opened from the card of c1: Apology call." || len(erased[4].Fields) != 3 {
		t.Errorf("erased: got %q, %+v", erased[0].Text, erased[4].Fields)
	}
}
