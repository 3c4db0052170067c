package casework

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/fault"
)

const deputy = "deputy.s001@example.com"

// searchRig is a case rig whose service indexes what it triages, and whose
// S001 has a deputy manager.
func searchRig(t *testing.T) (*caseRig, *fakeIndex) {
	r := newCaseRig(t)
	st := r.dir.stores["S001"]
	st.Staff = []brand.StaffMember{{Email: "Deputy.S001@example.com", Name: "Deputy"}}
	r.dir.stores["S001"] = st
	idx := &fakeIndex{cases: map[string]Case{}, keys: map[string][]SearchHit{}}
	r.svc.WithSearch(testHash("k"), idx)
	return r, idx
}

func ids(cases []Case) []string {
	out := []string{}
	for _, k := range cases {
		out = append(out, k.ID)
	}
	return out
}

func TestTriageIndexesAndSearchFinds(t *testing.T) {
	r, idx := searchRig(t)
	ctx := context.Background()
	c1 := dinerCard("c1", ann, map[string]int{apology1: 1})
	c1.Comment = "牛排太老"
	c2 := dinerCard("c2", ann, map[string]int{apology1: 1}) // the same diner that day: the same case
	c2.Comment = "soup cold"
	c3 := dinerCard("c3", bob, map[string]int{apology1: 1})
	c3.Diner.Name, c3.Comment, c3.SubmittedAt = "Chen Wei", "soup hot", svcT0.Add(time.Hour)
	for _, c := range []card.Card{c1, c2, c3, c1} { // c1 again: a replay indexes again, harmlessly
		if _, err := r.svc.Triage(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	annCase, bobCase := ID("S001", ann, "c1", "2026-11-21"), ID("S001", bob, "c3", "2026-11-21")
	phone := func(raw string) (string, bool) {
		return map[string]string{"0912345678": "+886912345678"}[raw], raw == "0912345678"
	}
	for _, tt := range []struct {
		q     string
		store string
		want  []string
	}{
		{"0912345678", "S001", []string{annCase}},
		{"0912345678", "S002", []string{}}, // the same number hashes otherwise at another store
		{"太老", "S001", []string{annCase}},
		{"soup", "S001", []string{bobCase, annCase}}, // newest first
		{"cold soup", "S001", []string{annCase}},     // every word: the second card's comment
		{"chen", "S001", []string{bobCase}},
		{"c3", "S001", []string{}}, // not a card id's shape: a word, which no comment has
		{"5678", "S001", []string{annCase}},
	} {
		q, _ := ParseQuery(tt.q, phone)
		idx.finds = 0
		got, err := r.svc.Search(ctx, tt.store, q, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ids(got), tt.want) {
			t.Errorf("%q at %s: got %v, want %v", tt.q, tt.store, ids(got), tt.want)
		}
		if idx.finds > len(q.Terms()) {
			t.Errorf("%q: %d index reads, want one per term (%d) at most", tt.q, idx.finds, len(q.Terms()))
		}
	}
}

// TestIndexFailureIsRetried: the case and its alert are not held up by the
// index; the error makes the card's delivery retry, and the replay indexes.
func TestIndexFailureIsRetried(t *testing.T) {
	r, idx := searchRig(t)
	ctx := context.Background()
	c := dinerCard("c1", ann, map[string]int{apology1: 1})
	idx.failed = errIndex
	if _, err := r.svc.Triage(ctx, c); err == nil {
		t.Fatal("got no error, want the index's")
	}
	if !r.cases.has(ID("S001", ann, "c1", "2026-11-21")) || !slices.Equal(r.sender.sends(), []string{"alert→" + manager}) {
		t.Fatalf("got case %v, sends %v; want the case and its alert", r.cases.count(), r.sender.sends())
	}
	idx.failed = nil
	if _, err := r.svc.Triage(ctx, c); err != nil {
		t.Fatal(err)
	}
	q, _ := ParseQuery("5678", nil)
	if got, _ := r.svc.Search(ctx, "S001", q, 10); len(got) != 1 {
		t.Errorf("after the retry: got %v, want the case", ids(got))
	}
	if len(r.sender.sends()) != 1 {
		t.Errorf("sends: got %v, want the one alert", r.sender.sends())
	}
}

func TestAssign(t *testing.T) {
	r, _ := searchRig(t)
	ctx := context.Background()
	if _, err := r.svc.Triage(ctx, dinerCard("c1", ann, map[string]int{apology1: 1})); err != nil {
		t.Fatal(err)
	}
	id := ID("S001", ann, "c1", "2026-11-21")
	assign := func(to string) (Case, error) {
		t.Helper()
		return r.svc.Act(ctx, id, Action{Kind: "assign", By: manager, Assignee: to, Version: 0}) // any version: the newest assignment wins
	}
	// To one of the store's staff, by address in any case: e-mailed once,
	// however often the request comes.
	for range 3 {
		k, err := assign("DEPUTY.s001@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if k.AssignedTo != deputy || k.AssignedBy != manager || k.Assignments != 1 || k.AssignedAt == nil {
			t.Fatalf("got %+v", k)
		}
	}
	if got, want := r.sender.sends(), []string{"alert→" + manager, "assigned1→" + deputy}; !slices.Equal(got, want) {
		t.Errorf("sends: got %v, want %v", got, want)
	}
	// Reassigned: the area manager hears of it; back to the deputy: a new
	// assignment, a new e-mail.
	if _, err := assign(area); err != nil {
		t.Fatal(err)
	}
	if _, err := assign(deputy); err != nil {
		t.Fatal(err)
	}
	if got, want := r.sender.sends()[1:], []string{"assigned1→" + deputy, "assigned2→" + area, "assigned3→" + deputy}; !slices.Equal(got, want) {
		t.Errorf("sends: got %v, want %v", got, want)
	}
	rec, _ := r.svc.Record(ctx, id)
	var trail []string
	for _, ev := range rec.Events {
		if ev.Action == "assigned" {
			trail = append(trail, ev.By+"→"+ev.Detail["assignee"])
		}
	}
	if want := []string{manager + "→" + deputy, manager + "→" + area, manager + "→" + deputy}; !slices.Equal(trail, want) {
		t.Errorf("audit: got %v, want %v", trail, want)
	}
	// Someone who is not the store's: refused, nothing written.
	saves := r.cases.saveCount()
	_, err := assign("stranger@example.com")
	if fe, ok := fault.As(err); !ok || fe.Code != fault.Invalid || fe.Fields[0].Field != "assignee" {
		t.Errorf("a stranger: got %v, want invalid assignee", err)
	}
	if r.cases.saveCount() != saves {
		t.Error("a refused assignment wrote")
	}
	// A resolved case: reopen it first.
	for _, a := range []Action{{Kind: "contact", Contact: Contact{Outcome: Reached}}, {Kind: "resolve"}} {
		rec, _ := r.svc.Record(ctx, id)
		a.By, a.Version = manager, rec.Case.Version
		if _, err := r.svc.Act(ctx, id, a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := assign(area); fault.CodeOf(err) != fault.Conflict {
		t.Errorf("assigning a resolved case: got %v, want a conflict", err)
	}
}

// TestAssignMailRetried: a failed assignment e-mail is sent by the request
// repeated, still once.
func TestAssignMailRetried(t *testing.T) {
	r, _ := searchRig(t)
	ctx := context.Background()
	if _, err := r.svc.Triage(ctx, dinerCard("c1", ann, map[string]int{apology1: 1})); err != nil {
		t.Fatal(err)
	}
	id := ID("S001", ann, "c1", "2026-11-21")
	r.sender.failTo[deputy] = 1
	if _, err := r.svc.Act(ctx, id, Action{Kind: "assign", By: manager, Assignee: deputy}); fault.CodeOf(err) != fault.Unavailable {
		t.Fatalf("got %v, want the mail's unavailable", err)
	}
	for range 2 {
		if _, err := r.svc.Act(ctx, id, Action{Kind: "assign", By: manager, Assignee: deputy}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := r.sender.sends(), []string{"alert→" + manager, "assigned1→" + deputy}; !slices.Equal(got, want) {
		t.Errorf("sends: got %v, want %v", got, want)
	}
}

func TestUniqueCardIDsAndOverdue(t *testing.T) {
	k := Case{CardIDs: []string{"c1", "c2", "c1"}, DueAt: svcT0, Status: Open}
	if got := k.UniqueCardIDs(); !slices.Equal(got, []string{"c1", "c2"}) {
		t.Errorf("got %v", got)
	}
	if k.Overdue(svcT0) || !k.Overdue(svcT0.Add(time.Second)) {
		t.Error("overdue: due at svcT0")
	}
	reached := svcT0
	for _, other := range []Case{
		{DueAt: svcT0, Status: Contacted, FirstContact: &reached},
		{DueAt: svcT0, Status: Open, NoContact: true},
		{DueAt: svcT0, Status: Resolved},
	} {
		if other.Overdue(svcT0.Add(time.Hour)) {
			t.Errorf("%+v is not overdue", other)
		}
	}
}
