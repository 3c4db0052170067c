package casework_test

import (
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/triage"
)

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func lowCard(id string, ratings map[string]int, at time.Time) card.Card {
	return card.Card{ID: id, StoreID: "S001", BrandID: "wang", VisitDate: "2026-11-21", SubmittedAt: at, Ratings: ratings,
		Diner:   card.Diner{Key: "tel:+886912345678", Phone: "+886912345678", Name: "林小姐"},
		Consent: card.Consents{Contact: &diner.Consent{Source: "qr"}}}
}

func open(t *testing.T) casework.Case {
	c := lowCard("c1", map[string]int{"main": 1, "overall": 3}, t0)
	k, ev, tally := casework.New(c, triage.Default().Judge(c))
	if k.Status != casework.Open || k.DueAt != t0.Add(24*time.Hour) || ev.Action != "opened" || tally.OpenedApology != 1 {
		t.Fatalf("new case: got %+v %+v %+v", k, ev, tally)
	}
	return k
}

func TestOneCasePerDinerStoreDay(t *testing.T) {
	a := casework.ID("S001", "tel:+886912345678", "c1", "2026-11-21")
	tests := []struct {
		name string
		id   string
		same bool
	}{
		{"another card, same diner, same day", casework.ID("S001", "tel:+886912345678", "c2", "2026-11-21"), true},
		{"next day", casework.ID("S001", "tel:+886912345678", "c2", "2026-11-22"), false},
		{"other store", casework.ID("S002", "tel:+886912345678", "c2", "2026-11-21"), false},
		{"anonymous cards are their own case", casework.ID("S001", "", "c2", "2026-11-21"), false},
	}
	for _, tt := range tests {
		if (tt.id == a) != tt.same {
			t.Errorf("%s: got same=%v, want %v", tt.name, tt.id == a, tt.same)
		}
	}
}

func TestAddCardRaisesSeverityOnce(t *testing.T) {
	k := open(t)
	worse := lowCard("c2", map[string]int{"overall": 1}, t0.Add(time.Hour))
	_, raised, changed := k.AddCard(worse, triage.Default().Judge(worse))
	if !raised || !changed || k.Severity != triage.Visit || len(k.CardIDs) != 2 {
		t.Fatalf("merge worse card: got raised=%v changed=%v %+v", raised, changed, k)
	}
	_, raised, changed = k.AddCard(worse, triage.Default().Judge(worse))
	if raised || changed {
		t.Errorf("merge the same card again: got raised=%v changed=%v, want no change", raised, changed)
	}
}

func TestLifecycle(t *testing.T) {
	k := open(t)
	if _, _, err := k.Resolve("m", "", t0.Add(time.Hour)); fault.CodeOf(err) != fault.Invalid {
		t.Fatalf("resolve before any contact: got %v, want invalid", err)
	}
	_, tally, ok := k.Acknowledge("manager.s001@example.com", t0.Add(10*time.Minute))
	if !ok || tally.Acknowledged != 1 || tally.AckSeconds != 600 || k.Status != casework.Acknowledged {
		t.Fatalf("acknowledge: got ok=%v %+v %s", ok, tally, k.Status)
	}
	if _, _, ok := k.Acknowledge("x", t0.Add(20*time.Minute)); ok {
		t.Error("second acknowledge: got a change, want none")
	}
	_, tally, err := k.RecordContact(casework.Contact{At: t0.Add(time.Hour), By: "m", Outcome: casework.NoAnswer})
	if err != nil || tally.FirstContacted != 0 || k.Status != casework.Acknowledged {
		t.Fatalf("no answer: got %+v %v %s", tally, err, k.Status)
	}
	_, tally, err = k.RecordContact(casework.Contact{At: t0.Add(2 * time.Hour), By: "m", Outcome: casework.Reached, ApologyGiven: true, RemedyCategory: "voucher", Satisfied: "yes"})
	if err != nil || tally.FirstContacted != 1 || tally.ContactedWithinSLA != 1 || tally.FirstContactSeconds != 7200 || k.Status != casework.Contacted {
		t.Fatalf("reached: got %+v %v %s", tally, err, k.Status)
	}
	_, tally, err = k.Resolve("m", "gave a voucher", t0.Add(3*time.Hour))
	if err != nil || tally.Resolved != 1 || tally.ResolvedFirstContact != 1 || k.Status != casework.Resolved || k.NextCheck != nil {
		t.Fatalf("resolve: got %+v %v %+v", tally, err, k)
	}
	if _, _, err := k.RecordContact(casework.Contact{At: t0.Add(4 * time.Hour), By: "m", Outcome: casework.Reached}); fault.CodeOf(err) != fault.Conflict {
		t.Errorf("contact on a resolved case: got %v, want conflict", err)
	}
	_, tally, err = k.Reopen("m", "diner called back", t0.Add(5*time.Hour), 24*time.Hour)
	if err != nil || tally.Resolved != -1 || tally.ResolvedFirstContact != -1 || k.Status != casework.Contacted {
		t.Fatalf("reopen: got %+v %v %s", tally, err, k.Status)
	}
	_, tally, _ = k.Resolve("m", "", t0.Add(6*time.Hour))
	if tally.ResolvedFirstContact != 0 {
		t.Errorf("resolve after reopening: got first-contact resolution %d, want 0", tally.ResolvedFirstContact)
	}
}

func TestContactValidation(t *testing.T) {
	k := open(t)
	_, _, err := k.RecordContact(casework.Contact{At: t0, By: "m", Outcome: "shouted", RemedyCategory: "cash", Satisfied: "maybe"})
	fe, ok := fault.As(err)
	if !ok || len(fe.Fields) != 3 {
		t.Errorf("bad contact: got %v, want outcome, remedyCategory and satisfied reported", err)
	}
}

func TestEscalateOncePerLevel(t *testing.T) {
	k := open(t)
	sla := 24 * time.Hour
	if _, _, _, ok := k.Escalate(t0.Add(23*time.Hour), sla); ok {
		t.Fatal("before due: got escalated, want not")
	}
	_, tally, level, ok := k.Escalate(t0.Add(25*time.Hour), sla)
	if !ok || level != casework.LevelArea || tally.Escalated != 1 {
		t.Fatalf("first escalation: got ok=%v level %d %+v", ok, level, tally)
	}
	if _, _, _, ok := k.Escalate(t0.Add(25*time.Hour), sla); ok {
		t.Error("same moment again: got a second escalation, want none")
	}
	if _, _, level, ok := k.Escalate(t0.Add(49*time.Hour), sla); !ok || level != casework.LevelOperations {
		t.Errorf("one SLA later: got ok=%v level %d, want operations", ok, level)
	}
	if _, _, _, ok := k.Escalate(t0.Add(200*time.Hour), sla); ok {
		t.Error("after operations: got another escalation, want none")
	}
}

func TestNoContactIsNeverEscalated(t *testing.T) {
	c := lowCard("c1", map[string]int{"main": 1, "overall": 3}, t0)
	c.Consent.Contact = nil
	k, _, tally := casework.New(c, triage.Default().Judge(c))
	if !k.NoContact || tally.NoContact != 1 || k.NextCheck != nil {
		t.Fatalf("no-contact case: got %+v %+v", k, tally)
	}
	if _, _, _, ok := k.Escalate(t0.Add(100*time.Hour), time.Hour); ok {
		t.Error("no-contact case escalated, want never")
	}
	if _, _, err := k.Resolve("m", "", t0.Add(time.Hour)); err != nil {
		t.Errorf("resolve a no-contact case: %v", err)
	}
}
