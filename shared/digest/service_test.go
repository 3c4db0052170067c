package digest_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/digest"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/insight"
)

type fakeDir struct{ stores []brand.Store }

func (f fakeDir) Stores(_ context.Context, brandID string) ([]brand.Store, error) {
	return f.stores, nil
}

type claimState struct {
	sent  bool
	until time.Time
}

// fakeLedger keeps claims as digeststore does: a claim is taken when it is
// not sent and not leased.
type fakeLedger struct {
	settings map[string]digest.Settings
	prefs    map[string]digest.Prefs
	claims   map[digest.Claim]*claimState
	released int
}

func newLedger() *fakeLedger {
	return &fakeLedger{settings: map[string]digest.Settings{}, prefs: map[string]digest.Prefs{}, claims: map[digest.Claim]*claimState{}}
}

func (f *fakeLedger) Settings(_ context.Context, ids []string) (map[string]digest.Settings, error) {
	return f.settings, nil
}
func (f *fakeLedger) Prefs(_ context.Context, emails []string) (map[string]digest.Prefs, error) {
	return f.prefs, nil
}
func (f *fakeLedger) Sent(_ context.Context, cs []digest.Claim) (map[digest.Claim]bool, error) {
	out := map[digest.Claim]bool{}
	for _, c := range cs {
		if s := f.claims[c]; s != nil && s.sent {
			out[c] = true
		}
	}
	return out, nil
}
func (f *fakeLedger) Claim(_ context.Context, c digest.Claim, now time.Time, lease time.Duration) error {
	s := f.claims[c]
	if s != nil && (s.sent || s.until.After(now)) {
		return fault.New(fault.Conflict, "taken")
	}
	f.claims[c] = &claimState{until: now.Add(lease)}
	return nil
}
func (f *fakeLedger) MarkSent(_ context.Context, c digest.Claim, id string, at time.Time) error {
	f.claims[c].sent = true
	return nil
}
func (f *fakeLedger) Release(_ context.Context, c digest.Claim) error {
	f.claims[c].until = time.Time{}
	f.released++
	return nil
}

type fakeInsight struct {
	counters map[insight.Period]insight.Counters
}

func (f fakeInsight) Counters(_ context.Context, storeID string, ps []insight.Period) (map[insight.Period]insight.Counters, error) {
	out := map[insight.Period]insight.Counters{}
	for _, p := range ps {
		if c, ok := f.counters[p]; ok {
			out[p] = c
		}
	}
	return out, nil
}

type fakeCards struct{ cards []card.Card }

func (f fakeCards) CardsByStore(_ context.Context, q card.StoreQuery) (card.Page, error) {
	var out []card.Card
	for _, c := range f.cards {
		if c.StoreID == q.StoreID && c.VisitDate >= q.From && c.VisitDate <= q.To {
			out = append(out, c)
		}
	}
	return card.Page{Cards: out}, nil
}

type fakeCases struct{}

func (fakeCases) CasesByStore(context.Context, string, string, string, int) ([]casework.Case, error) {
	return nil, nil
}

type sentMail struct {
	kind, to string
	stores   []string
	lang     i18n.Lang
}

type fakeMailer struct {
	sent     []sentMail
	failNext int
}

func (f *fakeMailer) fail() error {
	if f.failNext > 0 {
		f.failNext--
		return fault.New(fault.Unavailable, "throttled")
	}
	return nil
}
func (f *fakeMailer) SendNight(_ context.Context, to string, n digest.Night) (string, error) {
	if err := f.fail(); err != nil {
		return "", err
	}
	f.sent = append(f.sent, sentMail{digest.Nightly, to, []string{n.Store.ID}, n.Store.Language})
	return "m", nil
}
func (f *fakeMailer) SendWeek(_ context.Context, to string, w digest.Week) (string, error) {
	if err := f.fail(); err != nil {
		return "", err
	}
	f.sent = append(f.sent, sentMail{digest.Weekly, to, []string{w.Store.ID}, w.Store.Language})
	return "m", nil
}
func (f *fakeMailer) SendRanked(_ context.Context, r digest.Ranked) (string, error) {
	if err := f.fail(); err != nil {
		return "", err
	}
	var ids []string
	for _, w := range r.Stores {
		ids = append(ids, w.Store.ID)
	}
	f.sent = append(f.sent, sentMail{digest.Area, r.Email, ids, r.Lang})
	return "m", nil
}

type rig struct {
	ledger *fakeLedger
	mail   *fakeMailer
	svc    *digest.Service
	now    time.Time
}

func newRig(now time.Time) *rig {
	s002 := brand.Store{ID: "S002", BrandID: "wang", TimeZone: "Asia/Taipei", Language: i18n.ZhTW, Items: []string{"main"},
		ManagerEmail: "Manager.S002@example.com", AreaManagerEmail: "area.taiwan@example.com"}
	cards := []card.Card{cardOn("c1", "2026-11-29", 2, "太鹹", false), cardOn("c2", "2026-11-25", 5, "", true)}
	r := &rig{ledger: newLedger(), mail: &fakeMailer{}, now: now}
	r.svc = digest.NewService([]string{"wang"}, fakeDir{[]brand.Store{s001, s002}}, r.ledger, fakeInsight{countersOf(cards)},
		fakeCards{cards}, fakeCases{}, r.mail, func() time.Time { return r.now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return r
}

// TestRunOncePerRecipientAndPeriod: on Monday 09:00 Taipei each manager gets
// last night's summary and last week's digest, the area manager the two
// stores ranked; a second run sends nothing.
func TestRunOncePerRecipientAndPeriod(t *testing.T) {
	r := newRig(utc("2026-11-30T01:00:00Z"))
	ctx := context.Background()
	rep, err := r.svc.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Due != 5 || rep.Sent != 5 || len(r.mail.sent) != 5 {
		t.Fatalf("first run: got %+v and %d e-mails; want 5 due, 5 sent", rep, len(r.mail.sent))
	}
	want := []sentMail{
		{digest.Nightly, "manager.s001@example.com", []string{"S001"}, i18n.ZhTW},
		{digest.Weekly, "manager.s001@example.com", []string{"S001"}, i18n.ZhTW},
		{digest.Nightly, "manager.s002@example.com", []string{"S002"}, i18n.ZhTW},
		{digest.Weekly, "manager.s002@example.com", []string{"S002"}, i18n.ZhTW},
		{digest.Area, "area.taiwan@example.com", []string{"S001", "S002"}, i18n.ZhTW},
	}
	for i, m := range want {
		if got := r.mail.sent[i]; got.kind != m.kind || got.to != m.to || !slices.Equal(got.stores, m.stores) || got.lang != m.lang {
			t.Errorf("e-mail %d: got %+v, want %+v", i, got, m)
		}
	}
	if _, ok := r.ledger.claims[digest.Claim{Kind: digest.Nightly, Scope: "S001", Period: "2026-11-29", To: "manager.s001@example.com"}]; !ok {
		t.Errorf("claims: got %v, want S001's nightly of 2026-11-29", r.ledger.claims)
	}
	r.now = r.now.Add(15 * time.Minute)
	rep, err = r.svc.Run(ctx)
	if err != nil || rep.Sent != 0 || rep.Already != 5 || len(r.mail.sent) != 5 {
		t.Errorf("second run: got %+v, %v and %d e-mails; want nothing more sent", rep, err, len(r.mail.sent))
	}
}

// TestRunSkipsWhoTurnedItOff: the preferences are per kind.
func TestRunSkipsWhoTurnedItOff(t *testing.T) {
	r := newRig(utc("2026-11-30T01:00:00Z"))
	r.ledger.prefs["manager.s001@example.com"] = digest.Prefs{NightlyOff: true}
	r.ledger.prefs["manager.s002@example.com"] = digest.Prefs{DigestsOff: true}
	r.ledger.prefs["area.taiwan@example.com"] = digest.Prefs{WeeklyOff: true}
	rep, err := r.svc.Run(context.Background())
	if err != nil || rep.Sent != 1 || rep.Off != 4 {
		t.Fatalf("got %+v, %v; want 1 sent, 4 off", rep, err)
	}
	if m := r.mail.sent[0]; m.kind != digest.Weekly || m.to != "manager.s001@example.com" {
		t.Errorf("sent: got %+v, want S001's weekly only", m)
	}
}

// TestRunReleasesAFailedSend: a throttled send releases its claim, the run
// reports the failure (the schedule retries) and the next run sends it.
func TestRunReleasesAFailedSend(t *testing.T) {
	r := newRig(utc("2026-11-27T15:00:00Z")) // Friday 23:00 Taipei: only the nights are new
	r.mail.failNext = 1
	rep, err := r.svc.Run(context.Background())
	if err == nil || rep.Failed != 1 || r.ledger.released != 1 {
		t.Fatalf("first run: got %+v, %v, %d released; want one failure released", rep, err, r.ledger.released)
	}
	first := len(r.mail.sent)
	rep, err = r.svc.Run(context.Background())
	if err != nil || rep.Sent != 1 || len(r.mail.sent) != first+1 {
		t.Errorf("second run: got %+v, %v; want the failed one sent", rep, err)
	}
}

// TestDayOfTheNight: at 23:00 Taipei the summary told is the day's.
func TestDayOfTheNight(t *testing.T) {
	r := newRig(utc("2026-11-29T15:00:00Z"))
	if _, err := r.svc.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	found := false
	for c, s := range r.ledger.claims {
		found = found || c.Kind == digest.Nightly && c.Scope == "S001" && c.Period == "2026-11-29" && s.sent
	}
	if !found {
		t.Errorf("claims: got %v, want S001's night of 2026-11-29 sent", r.ledger.claims)
	}
}
