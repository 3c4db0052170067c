package greeting

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/mail"
)

// fakePlanStore holds campaigns, stores, an index of greetable diners per
// store, and plan records with the adapter's rule (shared/aws/dynamo/greetstore): a plan is
// claimed unless finished; an unfinished one is claimed again.
type fakePlanStore struct {
	mu        sync.Mutex
	campaigns []Campaign
	stores    map[string][]brand.Store   // by brand
	diners    map[string][]diner.Profile // the index, by store
	pageSize  int
	plans     map[PlanKey]string // "planning" or "planned"
	planned   map[PlanKey]int
	finished  []string // campaigns finished
	queries   []DueQuery
}

var _ PlanStore = (*fakePlanStore)(nil)

func (f *fakePlanStore) ActiveCampaigns(context.Context) ([]Campaign, error) {
	var out []Campaign
	for _, c := range f.campaigns {
		if c.Status.Active() && !slices.Contains(f.finished, c.ID) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakePlanStore) Stores(_ context.Context, brandID string) ([]brand.Store, error) {
	return f.stores[brandID], nil
}

// DueDiners pages through the store's diners whose birthday is on one of
// the keys (or all of them), pageSize at a time.
func (f *fakePlanStore) DueDiners(_ context.Context, q DueQuery, fn func([]diner.Profile) error) (int, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	var hits []diner.Profile
	for _, d := range f.diners[q.StoreID] {
		md := d.Birthday
		if len(md) == 10 {
			md = md[5:]
		}
		if len(q.BirthdayKeys) == 0 || slices.Contains(q.BirthdayKeys, md) {
			hits = append(hits, d)
		}
	}
	f.mu.Unlock()
	read := 0
	for page := range slices.Chunk(hits, max(1, f.pageSize)) {
		read += len(page)
		if err := fn(page); err != nil {
			return read, err
		}
	}
	return read, nil
}

func (f *fakePlanStore) StartPlan(_ context.Context, k PlanKey, _ time.Time) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.plans[k] == "planned" {
		return false, nil
	}
	f.plans[k] = "planning"
	return true, nil
}

func (f *fakePlanStore) FinishPlan(_ context.Context, k PlanKey, planned int, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.plans[k] != "planning" {
		return nil // finished by a concurrent run
	}
	f.plans[k] = "planned"
	f.planned[k] += planned
	return nil
}

func (f *fakePlanStore) FinishCampaign(_ context.Context, id string, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finished = append(f.finished, id)
	return nil
}

// fakeQueue keeps every Enqueue call's jobs; the failOn-th call (from 1)
// fails.
type fakeQueue struct {
	mu      sync.Mutex
	batches [][]Job
	calls   int
	failOn  int
}

var _ Queue = (*fakeQueue)(nil)

func (q *fakeQueue) Enqueue(_ context.Context, jobs []Job) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.calls++
	if q.calls == q.failOn {
		return &fault.Error{Code: fault.Unavailable, Message: "fake queue: SQS unavailable"}
	}
	q.batches = append(q.batches, slices.Clone(jobs))
	return nil
}

func (q *fakeQueue) jobs() []Job {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []Job
	for _, b := range q.batches {
		out = append(out, b...)
	}
	return out
}

// sendRec is a never-twice record: one per brand, diner, occasion and year.
type sendRec struct {
	attempt, status, campaign string // status: sending, sent, failed
}

// capRec is a diner's frequency-cap record.
type capRec struct {
	lastAt, prevAt time.Time
	holder         string
}

// fakeSendStore answers ClaimSend the way the adapter's one transaction does
// (greetstore.ClaimSend): the send record first (never twice), then
// suppression, consent and hold, then the frequency cap; it writes the claim
// and the cap only when every check passes.
type fakeSendStore struct {
	mu        sync.Mutex
	campaigns map[string]Campaign
	brands    map[string]brand.Brand
	stores    map[string]brand.Store
	refused   map[string]Outcome // diner key → NoConsent or OnHold
	suppress  map[string]bool    // address → suppressed
	sends     map[string]sendRec // brand#diner#occasion#year → record
	caps      map[string]capRec  // brand#diner → cap
	results   map[string]Results // campaign → counts

	claims int
	// settleErr fails the next SettleSend calls without writing (the answer
	// of the write was lost, or the sender died first).
	settleErr int
}

var _ SendStore = (*fakeSendStore)(nil)

func sendKey(in Intent) string {
	return fmt.Sprintf("%s#%s#%s#%d", in.BrandID, in.DinerKey, in.Occasion, in.Year)
}
func capKey(in Intent) string { return in.BrandID + "#" + in.DinerKey }

func (f *fakeSendStore) Campaign(_ context.Context, id string) (Campaign, error) {
	c, ok := f.campaigns[id]
	if !ok {
		return Campaign{}, fault.New(fault.NotFound, "There is no such campaign.")
	}
	return c, nil
}

func (f *fakeSendStore) Brand(_ context.Context, id string) (brand.Brand, error) {
	return f.brands[id], nil
}

func (f *fakeSendStore) Store(_ context.Context, id string) (brand.Store, error) {
	st, ok := f.stores[id]
	if !ok {
		return brand.Store{}, fault.New(fault.NotFound, "There is no such store.")
	}
	return st, nil
}

func (f *fakeSendStore) ClaimSend(_ context.Context, in Intent) (Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.claims++
	if _, ok := f.sends[sendKey(in)]; ok {
		return AlreadySent, nil
	}
	if f.suppress[in.Email] {
		return Suppressed, nil
	}
	if o, ok := f.refused[in.DinerKey]; ok {
		return o, nil
	}
	c := f.caps[capKey(in)]
	if !c.lastAt.IsZero() && !c.lastAt.Before(in.CapSince) {
		return FrequencyCap, nil
	}
	f.sends[sendKey(in)] = sendRec{attempt: in.Attempt, status: "sending", campaign: in.CampaignID}
	f.caps[capKey(in)] = capRec{lastAt: in.At, prevAt: c.lastAt, holder: in.Attempt}
	return Claimed, nil
}

func (f *fakeSendStore) SettleSend(_ context.Context, in Intent, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.settleErr > 0 {
		f.settleErr--
		return &fault.Error{Code: fault.Unavailable, Message: "fake: settle greeting: answer lost"}
	}
	rec, ok := f.sends[sendKey(in)]
	if !ok || rec.attempt != in.Attempt || rec.status != "sending" {
		return nil
	}
	rec.status = "sent"
	f.sends[sendKey(in)] = rec
	f.count(in.CampaignID, func(r *Results) { r.Sent++ })
	return nil
}

func (f *fakeSendStore) ReleaseSend(_ context.Context, in Intent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if rec, ok := f.sends[sendKey(in)]; ok && rec.attempt == in.Attempt {
		delete(f.sends, sendKey(in))
	}
	if c := f.caps[capKey(in)]; c.holder == in.Attempt {
		f.caps[capKey(in)] = capRec{lastAt: c.prevAt}
	}
	return nil
}

func (f *fakeSendStore) FailSend(_ context.Context, in Intent, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec, ok := f.sends[sendKey(in)]
	if !ok || rec.attempt != in.Attempt {
		return nil
	}
	rec.status = "failed"
	f.sends[sendKey(in)] = rec
	f.count(in.CampaignID, func(r *Results) { r.Failed++ })
	return nil
}

func (f *fakeSendStore) CountSkipped(_ context.Context, campaignID string, n int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count(campaignID, func(r *Results) { r.Skipped += n })
	return nil
}

func (f *fakeSendStore) count(campaignID string, add func(*Results)) {
	r := f.results[campaignID]
	add(&r)
	f.results[campaignID] = r
}

func (f *fakeSendStore) result(campaignID string) Results {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.results[campaignID]
}

// fakeMailer counts the messages it sends, per address. Before each send it
// may fail: the next fail sends with fault.Unavailable (throttled), the next
// reject with fault.Invalid (refused for good); lose sends the next lose
// messages but answers fault.Unavailable (SES took it, the answer was lost).
type fakeMailer struct {
	mu                 sync.Mutex
	sent               map[string]int
	texts              []string // the text of every message sent, in order
	tries              int
	fail, reject, lose int
}

var _ Mailer = (*fakeMailer)(nil)

func (m *fakeMailer) Send(_ context.Context, msg mail.Message) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tries++
	switch {
	case m.fail > 0:
		m.fail--
		return "", &fault.Error{Code: fault.Unavailable, Message: "E-mail is briefly unavailable.", Err: errors.New("Throttling: Maximum sending rate exceeded")}
	case m.reject > 0:
		m.reject--
		return "", &fault.Error{Code: fault.Invalid, Message: "SES refused the message.", Err: errors.New("MessageRejected")}
	}
	for _, to := range msg.To {
		m.sent[to]++
	}
	m.texts = append(m.texts, msg.Text)
	if m.lose > 0 {
		m.lose--
		return "", &fault.Error{Code: fault.Unavailable, Message: "E-mail is briefly unavailable.", Err: errors.New("read: connection reset by peer")}
	}
	return fmt.Sprintf("ses-%d", m.tries), nil
}

func (m *fakeMailer) count(to string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sent[to]
}

func (m *fakeMailer) total() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, v := range m.sent {
		n += v
	}
	return n
}

// fakeLimiter never waits, unless err is set.
type fakeLimiter struct{ err error }

var _ Limiter = fakeLimiter{}

func (l fakeLimiter) Wait(context.Context) error { return l.err }

// fakeConsentStore holds diner profiles with the adapter's rules
// (greetstore): a card re-stamps the consent and updatedAt; the opt-in
// claim holds only while the profile's updatedAt and last confirmation
// e-mail are the ones read and no lease runs.
type fakeConsentStore struct {
	mu     sync.Mutex
	diners map[string]diner.Profile // by key (one brand)
	lease  map[string]time.Time
	claims int
}

var _ ConsentStore = (*fakeConsentStore)(nil)

func (f *fakeConsentStore) Brand(_ context.Context, id string) (brand.Brand, error) {
	return brand.Brand{ID: id}, nil
}

func (f *fakeConsentStore) Store(context.Context, string) (brand.Store, error) {
	return brand.Store{}, fault.New(fault.NotFound, "no store")
}

func (f *fakeConsentStore) Diner(_ context.Context, _, key string) (diner.Profile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.diners[key]
	if !ok {
		return diner.Profile{}, fault.New(fault.NotFound, "no diner")
	}
	return p, nil
}

// tick is a card with the box ticked at at: it returns the stream image.
func (f *fakeConsentStore) tick(key string, at time.Time) diner.Profile {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.diners[key]
	p.BrandID, p.Key, p.Email = "wang", key, key+"@example.net"
	p.MarketingConsent = &diner.Consent{At: at, Source: "qr"}
	p.UpdatedAt = at
	f.diners[key] = p
	return p
}

func (f *fakeConsentStore) SyncMarketing(_ context.Context, p diner.Profile, state diner.MarketingState) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, ok := f.diners[p.Key]
	if !ok || !cur.UpdatedAt.Equal(p.UpdatedAt) || cur.MarketingStatus == state {
		return false, nil
	}
	cur.MarketingStatus = state
	f.diners[p.Key] = cur
	return true, nil
}

func sameTime(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}

func (f *fakeConsentStore) ClaimOptInMail(_ context.Context, p diner.Profile, now time.Time, lease time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, ok := f.diners[p.Key]
	if !ok || !cur.UpdatedAt.Equal(p.UpdatedAt) || !sameTime(cur.OptInMailFor, p.OptInMailFor) || !sameTime(cur.OptInMailAt, p.OptInMailAt) {
		return fault.New(fault.Conflict, "changed")
	}
	if until, ok := f.lease[p.Key]; ok && !until.Before(now) {
		return fault.New(fault.Conflict, "being sent")
	}
	f.lease[p.Key] = now.Add(lease)
	f.claims++
	return nil
}

func (f *fakeConsentStore) OptInMailSent(_ context.Context, p diner.Profile, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur := f.diners[p.Key]
	given := p.MarketingConsent.At
	cur.OptInMailFor, cur.OptInMailAt = &given, &at
	f.diners[p.Key] = cur
	delete(f.lease, p.Key)
	return nil
}

func (f *fakeConsentStore) ReleaseOptInMail(_ context.Context, p diner.Profile) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.lease, p.Key)
	return nil
}

func (f *fakeConsentStore) SetMarketing(_ context.Context, p diner.Profile, which string, c diner.Consent, state diner.MarketingState, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, ok := f.diners[p.Key]
	if !ok || !cur.UpdatedAt.Equal(p.UpdatedAt) {
		return fault.New(fault.Conflict, "changed")
	}
	switch which {
	case "marketingConsentConfirmed":
		cur.MarketingConfirmed = &c
	case "marketingConsentWithdrawn":
		cur.MarketingWithdrawn = &c
	default:
		return fmt.Errorf("unknown consent event %q", which)
	}
	cur.MarketingStatus, cur.UpdatedAt = state, c.At
	f.diners[p.Key] = cur
	return nil
}

// SameAddress: the fake's diners each have their own address.
func (f *fakeConsentStore) SameAddress(context.Context, diner.Profile) ([]diner.Profile, error) {
	return nil, nil
}
