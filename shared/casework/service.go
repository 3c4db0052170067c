package casework

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/triage"
)

// Record is a case with its audit trail and the notices it owes.
type Record struct {
	Case    Case
	Events  []Event
	Notices []Notice
}

// caseStore keeps cases and their notices.
type caseStore interface {
	// CaseRecord returns a case with its events and notices, or fault.NotFound.
	CaseRecord(ctx context.Context, id string) (Record, error)
	// SaveCase writes a change atomically; fault.Conflict if the case moved on.
	SaveCase(ctx context.Context, ch Change) (Case, error)
	// ClaimNotice leases a pending notice; fault.Conflict if sent or leased.
	ClaimNotice(ctx context.Context, n Notice, now time.Time, lease time.Duration) error
	// NoticeSent marks a claimed notice sent.
	NoticeSent(ctx context.Context, n Notice, messageID string, at time.Time) error
	// NoticeFailed releases a claimed notice after a failed send.
	NoticeFailed(ctx context.Context, n Notice) error
	// DueCases returns open cases whose next check is due at now.
	DueCases(ctx context.Context, now time.Time, limit int) ([]Case, error)
	returnStore // recovery.go
}

// directory finds who is told about a store's cases.
type directory interface {
	Store(ctx context.Context, id string) (brand.Store, error)
	Brand(ctx context.Context, id string) (brand.Brand, error)
	// Rules returns the triage rules in force at a store.
	Rules(ctx context.Context, brandID, storeID string) (triage.Rules, error)
}

// noticeSender renders and sends one notice about a case.
type noticeSender interface {
	// SendNotice returns the message id; a fault.Unavailable error may be retried.
	SendNotice(ctx context.Context, n Notice, k Case) (string, error)
}

// Service runs cases: triage opens them, staff work them, escalation chases
// them, and every notice they owe is sent once.
type Service struct {
	cases  caseStore
	dir    directory
	sender noticeSender
	now    func() time.Time
	lease  time.Duration

	mu       sync.Mutex
	rules    map[string]cachedRules
	rulesTTL time.Duration

	// Set by WithSearch.
	hash  Hasher
	index searchIndex
}

// searchIndex keeps the cases' search terms (casestore).
type searchIndex interface {
	// IndexCase writes a case's search keys (idempotent: a key written
	// again is the same item).
	IndexCase(ctx context.Context, k Case, keys []SearchKey) error
	// FindCases returns the cases holding a key, newest first, at most
	// limit.
	FindCases(ctx context.Context, hash string, limit int) ([]SearchHit, error)
	// CasesByID reads cases by id; missing ones are absent.
	CasesByID(ctx context.Context, ids []string) ([]Case, error)
}

// WithSearch makes the service index every case it triages (CardTerms,
// hashed with h) and lets it Search. Without it, cases are not indexed:
// every service that triages cards must have it (casewire).
func (s *Service) WithSearch(h Hasher, idx searchIndex) *Service {
	s.hash, s.index = h, idx
	return s
}

type cachedRules struct {
	rules triage.Rules
	until time.Time
}

// NewService returns a case Service. sender may be nil for a service that
// only shows and acts on cases (the case page), which never sends a notice;
// Triage and Escalate then fail instead of sending.
func NewService(cases caseStore, dir directory, sender noticeSender, now func() time.Time) *Service {
	return &Service{cases: cases, dir: dir, sender: sender, now: now, lease: 2 * time.Minute,
		rules: map[string]cachedRules{}, rulesTTL: 5 * time.Minute}
}

// rulesFor returns a store's rules, kept in memory for a few minutes so that
// triaging a card that needs no case costs no AWS call.
func (s *Service) rulesFor(ctx context.Context, brandID, storeID string) (triage.Rules, error) {
	now := s.now()
	s.mu.Lock()
	c, ok := s.rules[storeID]
	s.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.rules, nil
	}
	r, err := s.dir.Rules(ctx, brandID, storeID)
	if err != nil {
		return triage.Rules{}, fmt.Errorf("rules of store %s: %w", storeID, err)
	}
	s.mu.Lock()
	s.rules[storeID] = cachedRules{rules: r, until: now.Add(s.rulesTTL)}
	s.mu.Unlock()
	return r, nil
}

// Rules returns the triage rules in force at a store (kept in memory for a
// few minutes), for pages that show a case by them. Errors are the
// directory's (fault.Unavailable may be retried).
func (s *Service) Rules(ctx context.Context, brandID, storeID string) (triage.Rules, error) {
	return s.rulesFor(ctx, brandID, storeID)
}

// Triage judges a stored card and opens or extends its case, then sends the
// notices owed. It is idempotent: the case id is derived from the diner,
// store and day, a card already in its case is not added again (only
// reasons the case lacks are, when the card changed since: a handwritten
// comment typed in), notices are written once with the change that causes
// them and claimed before sending. So a replayed or retried card yields one
// case and one e-mail per notice. First, a card of a diner with a recent
// case counts that case as recovered, once (noteReturn).
func (s *Service) Triage(ctx context.Context, c card.Card) (triage.Decision, error) {
	if err := s.noteReturn(ctx, c); err != nil {
		return triage.Decision{}, err
	}
	rules, err := s.rulesFor(ctx, c.BrandID, c.StoreID)
	if err != nil {
		return triage.Decision{}, err
	}
	d := rules.Judge(c)
	if d.Severity == triage.None {
		return d, nil
	}
	id := ID(c.StoreID, c.Diner.Key, c.ID, c.VisitDate)
	for attempt := 0; ; attempt++ {
		rec, err := s.cases.CaseRecord(ctx, id)
		var k Case
		switch {
		case fault.CodeOf(err) == fault.NotFound:
			k, err = s.open(ctx, c, d)
		case err == nil:
			k, err = s.extend(ctx, rec, c, d)
		}
		if fault.CodeOf(err) == fault.Conflict && attempt < 3 {
			continue // someone else changed the case meanwhile: read it again
		}
		if k.ID != "" {
			// After the notices: a failed index write is retried with
			// the card (a replay indexes it again), the alert is not held up.
			err = errors.Join(err, s.indexCard(ctx, k, c))
		}
		return d, err
	}
}

// indexCard writes the search keys a card gives its case (CardTerms).
// Every triage of the card writes them, a replay included, so a case whose
// keys failed to be written gets them with the card's retry, and a
// comment typed in later is found by its words.
func (s *Service) indexCard(ctx context.Context, k Case, c card.Card) error {
	if s.index == nil {
		return nil
	}
	terms := CardTerms(c)
	keys := make([]SearchKey, len(terms))
	for i, t := range terms {
		keys[i] = TermKey(s.hash, k.StoreID, t)
	}
	if err := s.index.IndexCase(ctx, k, keys); err != nil {
		return fmt.Errorf("index case %s for card %s: %w", k.ID, c.ID, err)
	}
	return nil
}

// open returns the case it saved (zero when nothing was saved).
func (s *Service) open(ctx context.Context, c card.Card, d triage.Decision) (Case, error) {
	k, ev, tally := New(c, d)
	notices, err := s.openingNotices(ctx, k)
	if err != nil {
		return Case{}, err
	}
	saved, err := s.cases.SaveCase(ctx, Change{Case: k, Created: true, Events: []Event{ev}, Tally: tally, Notices: notices})
	if err != nil {
		return Case{}, fmt.Errorf("open case %s for card %s: %w", k.ID, c.ID, err)
	}
	return saved, s.flush(ctx, saved, notices)
}

// extend returns the case with the card (zero when nothing was saved).
func (s *Service) extend(ctx context.Context, rec Record, c card.Card, d triage.Decision) (Case, error) {
	k := rec.Case
	before := k.Severity
	ev, raised, changed := k.AddCard(c, d)
	if !changed {
		return rec.Case, s.flush(ctx, rec.Case, rec.Notices) // a replay: only what is still owed
	}
	var notices []Notice
	if raised && k.Severity == triage.Visit && before != triage.Visit {
		st, err := s.dir.Store(ctx, k.StoreID)
		if err != nil {
			return Case{}, fmt.Errorf("store of case %s: %w", k.ID, err)
		}
		if st.AreaManagerEmail != "" { // as in openingNotices: a store may have none
			notices = append(notices, Notice{Kind: NoticeAreaAlert, To: st.AreaManagerEmail, CreatedAt: s.now()})
		}
	}
	saved, err := s.cases.SaveCase(ctx, Change{Case: k, Events: []Event{ev}, Notices: notices})
	if err != nil {
		return Case{}, fmt.Errorf("add card %s to case %s: %w", c.ID, k.ID, err)
	}
	return saved, s.flush(ctx, saved, notices)
}

// openingNotices: the store manager always hears of a new case (a
// no-contact case too, marked "do not call"); the area manager hears at once
// of an in-person-visit case.
func (s *Service) openingNotices(ctx context.Context, k Case) ([]Notice, error) {
	st, err := s.dir.Store(ctx, k.StoreID)
	if err != nil {
		return nil, fmt.Errorf("store of case %s: %w", k.ID, err)
	}
	now := s.now()
	out := []Notice{{Kind: NoticeAlert, To: st.ManagerEmail, CreatedAt: now}}
	if k.Severity == triage.Visit && st.AreaManagerEmail != "" {
		out = append(out, Notice{Kind: NoticeAreaAlert, To: st.AreaManagerEmail, CreatedAt: now})
	}
	return out, nil
}

// flush sends every pending notice. A notice another delivery is sending
// (leased) is left to it; a failed send is released and reported, so the
// caller's retry sends it.
func (s *Service) flush(ctx context.Context, k Case, notices []Notice) error {
	if s.sender == nil && len(notices) > 0 {
		return fmt.Errorf("send notices of case %s: this case service sends no e-mail", k.ID)
	}
	var errs []error
	for _, n := range notices {
		if n.Status == "sent" {
			continue
		}
		n.CaseID = k.ID
		now := s.now()
		if err := s.cases.ClaimNotice(ctx, n, now, s.lease); err != nil {
			if fault.CodeOf(err) == fault.Conflict {
				continue
			}
			errs = append(errs, err)
			continue
		}
		id, err := s.sender.SendNotice(ctx, n, k)
		if err != nil {
			if rerr := s.cases.NoticeFailed(ctx, n); rerr != nil {
				errs = append(errs, rerr)
			}
			errs = append(errs, fmt.Errorf("send %s notice of case %s to %s: %w", n.Kind, k.ID, n.To, err))
			continue
		}
		if err := s.cases.NoticeSent(ctx, n, id, s.now()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Escalate looks at every case due now: an overdue case goes up one level
// (area manager, then operations one SLA period later) and the store manager
// is reminded. It is idempotent: each level is reached once, guarded by the
// case's version, and its notices are written with it. It returns how many
// cases it escalated.
func (s *Service) Escalate(ctx context.Context, limit int) (int, error) {
	now := s.now()
	due, err := s.cases.DueCases(ctx, now, limit)
	if err != nil {
		return 0, fmt.Errorf("escalate: %w", err)
	}
	n := 0
	var errs []error
	for _, k := range due {
		ok, err := s.escalate(ctx, k.ID, now)
		if err != nil && fault.CodeOf(err) != fault.Conflict {
			errs = append(errs, err)
		}
		if ok {
			n++
		}
	}
	return n, errors.Join(errs...)
}

func (s *Service) escalate(ctx context.Context, id string, now time.Time) (bool, error) {
	rec, err := s.cases.CaseRecord(ctx, id)
	if err != nil {
		return false, fmt.Errorf("escalate case %s: %w", id, err)
	}
	k := rec.Case
	rules, err := s.rulesFor(ctx, k.BrandID, k.StoreID)
	if err != nil {
		return false, err
	}
	sla := time.Duration(rules.ApologyDueHours) * time.Hour
	if k.Severity == triage.Visit {
		sla = time.Duration(rules.VisitDueHours) * time.Hour
	}
	before := k.NextCheck
	ev, tally, level, ok := k.Escalate(now, sla)
	if !ok {
		if before != nil && k.NextCheck == nil { // nothing more to chase: leave the overdue index
			_, err := s.cases.SaveCase(ctx, Change{Case: k})
			return false, err
		}
		return false, s.flush(ctx, k, rec.Notices)
	}
	st, err := s.dir.Store(ctx, k.StoreID)
	if err != nil {
		return false, fmt.Errorf("store of case %s: %w", id, err)
	}
	to := st.AreaManagerEmail
	if level >= LevelOperations {
		b, err := s.dir.Brand(ctx, k.BrandID)
		if err != nil {
			return false, fmt.Errorf("brand of case %s: %w", id, err)
		}
		to = b.OperationsEmail
	}
	notices := []Notice{
		{Kind: NoticeEscalation, To: to, Level: level, CreatedAt: now},
		{Kind: NoticeReminder, To: st.ManagerEmail, Level: level, CreatedAt: now},
	}
	saved, err := s.cases.SaveCase(ctx, Change{Case: k, Events: []Event{ev}, Tally: tally, Notices: notices})
	if err != nil {
		return false, fmt.Errorf("escalate case %s: %w", id, err)
	}
	return true, s.flush(ctx, saved, notices)
}

// Action is something a person does to a case from its page.
type Action struct {
	Kind     string  // acknowledge, contact, resolve, reopen, assign
	By       string  // who (an e-mail address)
	Version  int     // the version of the case the person saw
	Contact  Contact // for contact
	Note     string  // for resolve and reopen
	Assignee string  // for assign: the address of one of the store's staff (brand.Store.Assignees)
}

// Act applies a person's action to a case. It refuses (fault.Conflict) an
// action taken on a version of the case that is no longer current, so a
// replayed form post changes nothing; acknowledging an acknowledged case is
// a no-op whatever the version (a second press of the button, or two
// tabs), not a conflict.
func (s *Service) Act(ctx context.Context, id string, a Action) (Case, error) {
	rec, err := s.cases.CaseRecord(ctx, id)
	if err != nil {
		return Case{}, err
	}
	k := rec.Case
	if a.Kind == "acknowledge" && k.Acknowledged != nil {
		return k, nil
	}
	if a.Kind == "assign" {
		return s.assign(ctx, rec, a)
	}
	if a.Version != k.Version {
		return k, fault.New(fault.Conflict, "The case has changed since you opened it.")
	}
	now := s.now()
	var ev Event
	var tally Tally
	switch a.Kind {
	case "acknowledge":
		var ok bool
		if ev, tally, ok = k.Acknowledge(a.By, now); !ok {
			return k, nil
		}
	case "contact":
		a.Contact.At, a.Contact.By = now, a.By
		ev, tally, err = k.RecordContact(a.Contact)
	case "resolve":
		ev, tally, err = k.Resolve(a.By, a.Note, now)
	case "reopen":
		rules, rerr := s.rulesFor(ctx, k.BrandID, k.StoreID)
		if rerr != nil {
			return k, rerr
		}
		ev, tally, err = k.Reopen(a.By, a.Note, now, time.Duration(rules.ApologyDueHours)*time.Hour)
	default:
		return k, fault.Fields([]fault.FieldError{{Field: "action", Rule: "one_of"}})
	}
	if err != nil {
		return k, err
	}
	return s.cases.SaveCase(ctx, Change{Case: k, Events: []Event{ev}, Tally: tally})
}

// assign gives a case to one of its store's staff and e-mails them, once
// per assignment: the e-mail is a notice written with the assignment, so a
// repeated request (the same assignee) writes nothing and sends only what
// is still owed. Whatever version the person saw, the newest assignment
// wins, as with acknowledging: an assignment takes nothing back. A resolved
// case is not assigned (fault.Conflict): reopen it first.
func (s *Service) assign(ctx context.Context, rec Record, a Action) (Case, error) {
	k := rec.Case
	st, err := s.dir.Store(ctx, k.StoreID)
	if err != nil {
		return k, fmt.Errorf("store of case %s: %w", k.ID, err)
	}
	who, ok := st.Assignee(a.Assignee)
	if !ok {
		allowed := make([]string, 0)
		for _, x := range st.Assignees() {
			allowed = append(allowed, x.Email)
		}
		return k, &fault.Error{Code: fault.Invalid, Message: "Assign the case to one of the store's staff.",
			Fields: []fault.FieldError{{Field: "assignee", Rule: "one_of", Params: map[string]string{"allowed": strings.Join(allowed, ", ")}}}}
	}
	if k.Status == Resolved {
		return k, fault.New(fault.Conflict, "The case is resolved; reopen it to assign it.")
	}
	ev, notice, changed := k.Assign(a.By, who.Email, s.now())
	if !changed {
		return k, s.flush(ctx, k, rec.Notices) // a repeat: send only what is still owed
	}
	saved, err := s.cases.SaveCase(ctx, Change{Case: k, Events: []Event{ev}, Notices: []Notice{notice}})
	if err != nil {
		return k, err
	}
	return saved, s.flush(ctx, saved, []Notice{notice})
}

// Search finds a store's cases by a parsed query (ParseQuery) through the
// search index: one index read per distinct term at most (an alternative
// whose terms so far found nothing reads no more), then one batch read of
// the cases found, newest first, at most limit. It needs WithSearch.
func (s *Service) Search(ctx context.Context, storeID string, q Query, limit int) ([]Case, error) {
	if s.index == nil {
		return nil, fault.New(fault.Unavailable, "Case search is not set up.")
	}
	// Each alternative is read term by term, keeping the cases found by
	// every term so far: once none is left, its other terms are not read.
	found := map[Term][]SearchHit{}
	read := func(t Term) ([]SearchHit, error) {
		if hits, ok := found[t]; ok {
			return hits, nil
		}
		hits, err := s.index.FindCases(ctx, TermKey(s.hash, storeID, t).Hash, searchReadLimit)
		found[t] = hits
		return hits, err
	}
	var hits []SearchHit
	for _, alt := range q.Alternatives {
		var keep []SearchHit
		for i, t := range alt {
			got, err := read(t)
			if err != nil {
				return nil, err
			}
			if i == 0 {
				keep = got
			} else {
				keep = slices.DeleteFunc(slices.Clone(keep), func(h SearchHit) bool {
					return !slices.ContainsFunc(got, func(g SearchHit) bool { return g.CaseID == h.CaseID })
				})
			}
			if len(keep) == 0 {
				break
			}
		}
		for _, h := range keep {
			if !slices.ContainsFunc(hits, func(x SearchHit) bool { return x.CaseID == h.CaseID }) {
				hits = append(hits, h)
			}
		}
	}
	if len(hits) == 0 {
		return []Case{}, nil
	}
	slices.SortStableFunc(hits, func(a, b SearchHit) int { return b.OpenedAt.Compare(a.OpenedAt) })
	ids := make([]string, 0, min(len(hits), limit))
	for _, h := range hits[:min(len(hits), limit)] {
		ids = append(ids, h.CaseID)
	}
	cases, err := s.index.CasesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Case, 0, len(cases))
	for _, k := range cases {
		if k.StoreID == storeID { // a hash is the store's, so this holds; kept as a guard
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b Case) int { return b.OpenedAt.Compare(a.OpenedAt) })
	return out, nil
}

// SearchHit is a case found by a search key.
type SearchHit struct {
	CaseID   string
	OpenedAt time.Time
}

// searchReadLimit is how many cases one term's index read returns (the
// newest): a term as common as a single character finds the recent ones.
const searchReadLimit = 200

// Record returns a case with its audit trail.
func (s *Service) Record(ctx context.Context, id string) (Record, error) {
	return s.cases.CaseRecord(ctx, id)
}
