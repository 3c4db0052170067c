package casework

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/triage"
)

// fakeCases keeps cases in memory with the guarantees the DynamoDB adapter
// gives (shared/aws/dynamo/casestore): a save is conditional on the version read
// (or on the case not existing), a notice is written once, and claiming a
// notice fails with fault.Conflict while it is sent or leased.
type fakeCases struct {
	mu      sync.Mutex
	cases   map[string]Case
	events  map[string][]Event
	notices map[string]map[NoticeKey]Notice // case id → notice key → notice
	tally   map[string]int                  // every tally saved, added up

	reads, saves, claims     int
	recentReads, returnSaves int // recovery_fakes_test.go

	// beforeSave, when set, runs at the start of SaveCase, outside the lock:
	// it plays a concurrent writer that changes the case first.
	beforeSave func(Change)
	// sentErr fails the next sentErr NoticeSent calls without recording
	// anything (the write did not happen, or its answer was lost).
	sentErr int
}

var _ caseStore = (*fakeCases)(nil)

func newFakeCases() *fakeCases {
	return &fakeCases{cases: map[string]Case{}, events: map[string][]Event{}, notices: map[string]map[NoticeKey]Notice{}, tally: map[string]int{}}
}

// cloneCase copies the slices a Case shares, so the store never aliases what
// the service mutates (AddCard appends to CardIDs).
func cloneCase(k Case) Case {
	k.CardIDs, k.Reasons, k.Contacts = slices.Clone(k.CardIDs), slices.Clone(k.Reasons), slices.Clone(k.Contacts)
	return k
}

func conflict(what string) error {
	return &fault.Error{Code: fault.Conflict, Message: "The case changed meanwhile; reload it.", Err: fmt.Errorf("fake: %s", what)}
}

func (f *fakeCases) CaseRecord(_ context.Context, id string) (Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	k, ok := f.cases[id]
	if !ok {
		return Record{}, fault.New(fault.NotFound, "There is no such case.")
	}
	rec := Record{Case: cloneCase(k), Events: slices.Clone(f.events[id])}
	for _, n := range f.notices[id] {
		rec.Notices = append(rec.Notices, n)
	}
	sort.Slice(rec.Notices, func(i, j int) bool { // in the order the table keeps them
		a, b := rec.Notices[i].Key(), rec.Notices[j].Key()
		return cmp.Or(strings.Compare(a.Kind, b.Kind), cmp.Compare(a.Level, b.Level), strings.Compare(a.To, b.To)) < 0
	})
	return rec, nil
}

func (f *fakeCases) SaveCase(_ context.Context, ch Change) (Case, error) {
	if f.beforeSave != nil {
		f.beforeSave(ch)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.saves++
	k := ch.Case
	cur, exists := f.cases[k.ID]
	if ch.Created && exists {
		return k, conflict("case " + k.ID + " exists")
	}
	if !ch.Created && (!exists || cur.Version != k.Version) {
		return k, conflict("case " + k.ID + " moved on")
	}
	for _, n := range ch.Notices {
		if _, dup := f.notices[k.ID][n.Key()]; dup {
			return k, conflict(fmt.Sprintf("notice %s/%d exists", n.Kind, n.Level))
		}
	}
	k.Version++
	f.cases[k.ID] = cloneCase(k)
	f.events[k.ID] = append(f.events[k.ID], ch.Events...)
	for name, v := range ch.Tally.Counters() {
		f.tally[name] += v
	}
	if f.notices[k.ID] == nil {
		f.notices[k.ID] = map[NoticeKey]Notice{}
	}
	for _, n := range ch.Notices {
		n.CaseID, n.Status = k.ID, "pending"
		f.notices[k.ID][n.Key()] = n
	}
	return k, nil
}

func (f *fakeCases) ClaimNotice(_ context.Context, n Notice, now time.Time, lease time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.claims++
	cur, ok := f.notices[n.CaseID][n.Key()]
	if !ok || cur.Status != "pending" || (!cur.LeaseTill.IsZero() && !cur.LeaseTill.Before(now)) {
		return &fault.Error{Code: fault.Conflict, Message: "The notice is sent or being sent."}
	}
	cur.LeaseTill = now.Add(lease)
	cur.Attempts++
	f.notices[n.CaseID][n.Key()] = cur
	return nil
}

func (f *fakeCases) NoticeSent(_ context.Context, n Notice, messageID string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sentErr > 0 {
		f.sentErr--
		return &fault.Error{Code: fault.Unavailable, Message: "fake: mark notice sent: answer lost"}
	}
	cur := f.notices[n.CaseID][n.Key()]
	cur.Status, cur.MessageID, cur.SentAt, cur.LeaseTill = "sent", messageID, at, time.Time{}
	f.notices[n.CaseID][n.Key()] = cur
	return nil
}

func (f *fakeCases) NoticeFailed(_ context.Context, n Notice) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur := f.notices[n.CaseID][n.Key()]
	cur.LeaseTill = time.Time{}
	f.notices[n.CaseID][n.Key()] = cur
	return nil
}

func (f *fakeCases) DueCases(_ context.Context, now time.Time, limit int) ([]Case, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Case
	for _, k := range f.cases {
		if k.NextCheck != nil && !k.NextCheck.After(now) {
			out = append(out, cloneCase(k))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// bump plays someone else saving the case: its version moves on.
func (f *fakeCases) bump(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := f.cases[id]
	k.Version++
	f.cases[id] = k
}

func (f *fakeCases) has(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.cases[id]
	return ok
}

func (f *fakeCases) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.cases)
}

func (f *fakeCases) saveCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.saves
}

// fakeDir is the directory of one brand's stores and rules.
type fakeDir struct {
	mu         sync.Mutex
	stores     map[string]brand.Store
	brands     map[string]brand.Brand
	rules      triage.Rules
	rulesCalls int
}

var _ directory = (*fakeDir)(nil)

func (d *fakeDir) Store(_ context.Context, id string) (brand.Store, error) {
	st, ok := d.stores[id]
	if !ok {
		return brand.Store{}, fault.New(fault.NotFound, "no store %s", id)
	}
	return st, nil
}

func (d *fakeDir) Brand(_ context.Context, id string) (brand.Brand, error) {
	b, ok := d.brands[id]
	if !ok {
		return brand.Brand{}, fault.New(fault.NotFound, "no brand %s", id)
	}
	return b, nil
}

func (d *fakeDir) Rules(context.Context, string, string) (triage.Rules, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.rulesCalls++
	return d.rules, nil
}

// fakeSender counts the notices it sends; it fails the next fail sends, and
// every send to an address in failTo, with fault.Unavailable (a throttled
// SES).
type fakeSender struct {
	mu     sync.Mutex
	sent   []Notice
	fail   int
	failTo map[string]int // address → how many more sends to it fail
}

var _ noticeSender = (*fakeSender)(nil)

func (s *fakeSender) SendNotice(_ context.Context, n Notice, k Case) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n.CaseID != k.ID {
		return "", fmt.Errorf("fake sender: notice of case %q sent with case %q", n.CaseID, k.ID)
	}
	if s.fail > 0 || s.failTo[n.To] > 0 {
		if s.fail > 0 {
			s.fail--
		} else {
			s.failTo[n.To]--
		}
		return "", &fault.Error{Code: fault.Unavailable, Message: "E-mail is briefly unavailable.", Err: fmt.Errorf("Throttling")}
	}
	if n.To == "" {
		return "", &fault.Error{Code: fault.Invalid, Message: "A message needs a recipient."}
	}
	s.sent = append(s.sent, n)
	return fmt.Sprintf("msg-%d", len(s.sent)), nil
}

// sends returns what was sent as "kind→to" (level shown when above 0), in
// order.
func (s *fakeSender) sends() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.sent))
	for _, n := range s.sent {
		if n.Level > 0 {
			out = append(out, fmt.Sprintf("%s%d→%s", n.Kind, n.Level, n.To))
		} else {
			out = append(out, n.Kind+"→"+n.To)
		}
	}
	return out
}
