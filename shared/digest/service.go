package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/insight"
)

// Settings are a store's digest settings.
type Settings struct {
	// ClosingTime is "HH:MM" in store time; "" is DefaultClosing.
	ClosingTime string `json:"closingTime,omitempty" dynamodbav:"closingTime,omitempty"`
}

// Prefs are what a staff member chose to receive; the zero value receives
// everything.
type Prefs struct {
	DigestsOff bool `json:"digestsOff" dynamodbav:"digestsOff"`
	NightlyOff bool `json:"nightlyOff" dynamodbav:"nightlyOff"`
	WeeklyOff  bool `json:"weeklyOff" dynamodbav:"weeklyOff"`
}

// Wants reports whether the prefs let a digest of kind through.
func (p Prefs) Wants(kind string) bool {
	switch {
	case p.DigestsOff:
		return false
	case kind == Nightly:
		return !p.NightlyOff
	}
	return !p.WeeklyOff
}

// Claim names one e-mail: a kind of digest, of a store (or, for Area, of an
// area manager's stores), for a period, to a recipient. Each is sent once.
type Claim struct {
	Kind   string
	Scope  string // the store id; "area" for an area manager's digest
	Period string // Period.Key
	To     string // the recipient's address, lower case
}

// AreaScope is the Scope of an area manager's digest.
const AreaScope = "area"

// directory lists a brand's stores (brandstore).
type directory interface {
	// Stores returns every store of a brand, ordered by id.
	Stores(ctx context.Context, brandID string) ([]brand.Store, error)
}

// ledger keeps the digests' settings, the staff's preferences and the
// claims that make each e-mail go out once (digeststore).
type ledger interface {
	// Settings returns the stores' digest settings; a store without any is
	// absent.
	Settings(ctx context.Context, storeIDs []string) (map[string]Settings, error)
	// Prefs returns the staff's preferences; one who never chose is absent.
	Prefs(ctx context.Context, emails []string) (map[string]Prefs, error)
	// Sent returns the claims among cs that were sent.
	Sent(ctx context.Context, cs []Claim) (map[Claim]bool, error)
	// Claim takes a claim for sending until now+lease; fault.Conflict when
	// it is sent, or taken by another run whose lease has not run out.
	Claim(ctx context.Context, c Claim, now time.Time, lease time.Duration) error
	// MarkSent records that a claimed e-mail went out.
	MarkSent(ctx context.Context, c Claim, messageID string, at time.Time) error
	// Release gives a claim back after a failed send.
	Release(ctx context.Context, c Claim) error
}

// cardLister reads a store's cards by visit date (cardstore).
type cardLister interface {
	CardsByStore(ctx context.Context, q card.StoreQuery) (card.Page, error)
}

// caseLister reads a store's cases by the UTC date they were opened
// (casestore), newest first, up to limit.
type caseLister interface {
	CasesByStore(ctx context.Context, storeID, from, to string, limit int) ([]casework.Case, error)
}

// mailer renders and sends the digests (digestmail). Each returns SES's
// message id; errors keep their fault code (Unavailable may be retried).
type mailer interface {
	SendNight(ctx context.Context, to string, n Night) (string, error)
	SendWeek(ctx context.Context, to string, w Week) (string, error)
	SendRanked(ctx context.Context, r Ranked) (string, error)
}

// Limits of what one digest reads: the cards of a day or a week (a list,
// not a figure: figures come from the insight counters), and the store's
// cases of the last CaseDays days (open cases older than that are the
// escalation's business by then).
const (
	maxCards  = 2000
	caseDays  = 30
	caseLimit = 200
)

// Lease is how long a claim is held while its e-mail is composed and sent;
// longer than the function's timeout, so a claim is never taken over while
// its run may still be sending.
const Lease = 10 * time.Minute

// Service sends the digests that are due.
type Service struct {
	brands  []string
	dir     directory
	ledger  ledger
	insight insight.Reader
	cards   cardLister
	cases   caseLister
	mail    mailer
	now     func() time.Time
	log     *slog.Logger
	targets insight.Targets
}

// NewService returns the digest service of brands.
func NewService(brands []string, dir directory, l ledger, r insight.Reader, cards cardLister, cases caseLister, m mailer, now func() time.Time, log *slog.Logger) *Service {
	return &Service{brands: brands, dir: dir, ledger: l, insight: r, cards: cards, cases: cases, mail: m, now: now, log: log, targets: insight.DefaultTargets}
}

// Report says what a run did.
type Report struct {
	Due     int `json:"due"`     // e-mails due now (latest periods)
	Sent    int `json:"sent"`    // sent by this run
	Already int `json:"already"` // sent before, or being sent by another run
	Off     int `json:"off"`     // recipients who turned the kind off
	Failed  int `json:"failed"`  // failed; released for the next run
}

// job is one e-mail due: its claim and what it covers.
type job struct {
	claim  Claim
	period Period
	stores []brand.Store // one store, or an area's stores by id
}

// Run sends every digest due now that has not been sent: for each store,
// the latest night and week whose due time has passed in its time zone;
// for each area manager, the latest week due at all of their stores.
//
// Idempotent: each e-mail is a claim (kind, store or area, period,
// recipient) taken with a condition before it is sent and marked sent
// after, so a second run, a retried one or a concurrent one finds it sent
// or leased and skips it. A failed send releases its claim for the next
// run. (An e-mail whose send succeeded but whose mark failed goes out again
// after its lease, as SES gives no idempotent send.)
func (s *Service) Run(ctx context.Context) (Report, error) {
	var rep Report
	now := s.now()
	// A store's week is composed once per run, for its manager and its
	// area manager.
	weeks := map[string]Week{}
	var errs []error
	for _, b := range s.brands {
		jobs, err := s.due(ctx, b, now)
		if err != nil {
			return rep, fmt.Errorf("digests of brand %s: %w", b, err)
		}
		if err := s.sendAll(ctx, jobs, now, weeks, &rep); err != nil {
			errs = append(errs, err)
		}
	}
	return rep, errors.Join(errs...)
}

// due lists the e-mails due now for a brand's stores.
func (s *Service) due(ctx context.Context, brandID string, now time.Time) ([]job, error) {
	stores, err := s.dir.Stores(ctx, brandID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(stores))
	for i, st := range stores {
		ids[i] = st.ID
	}
	settings, err := s.ledger.Settings(ctx, ids)
	if err != nil {
		return nil, err
	}
	var jobs []job
	areas := map[string][]brand.Store{}
	for _, st := range stores {
		loc, err := st.Location()
		if err != nil {
			s.log.Error("digest: store skipped", "store", st.ID, "err", err)
			continue
		}
		closing, err := ParseClock(settings[st.ID].ClosingTime)
		if err != nil {
			s.log.Error("digest: closing time ignored", "store", st.ID, "err", err)
			closing = DefaultClosing
		}
		if to := address(st.ManagerEmail); to != "" {
			night, week := LatestNight(now, loc, closing), LatestWeek(now, loc)
			jobs = append(jobs,
				job{Claim{Nightly, st.ID, night.Key(), to}, night, []brand.Store{st}},
				job{Claim{Weekly, st.ID, week.Key(), to}, week, []brand.Store{st}})
		}
		if to := address(st.AreaManagerEmail); to != "" {
			areas[to] = append(areas[to], st)
		}
	}
	emails := slices.Sorted(func(yield func(string) bool) {
		for e := range areas {
			if !yield(e) {
				return
			}
		}
	})
	for _, to := range emails {
		if p, ok := AreaWeek(areas[to], now); ok {
			jobs = append(jobs, job{Claim{Area, AreaScope, p.Key(), to}, p, areas[to]})
		}
	}
	return jobs, nil
}

// AreaWeek is the latest week due at every one of an area's stores: the
// earliest of their latest weeks, so no store's week is told before it is
// over and its Monday 09:00 has come.
func AreaWeek(stores []brand.Store, now time.Time) (Period, bool) {
	var out Period
	found := false
	for _, st := range stores {
		loc, err := st.Location()
		if err != nil {
			continue
		}
		w := LatestWeek(now, loc)
		if !found || w.From.Before(out.From) || (w.From.Equal(out.From) && w.DueAt.After(out.DueAt)) {
			out, found = w, true
		}
	}
	return out, found
}

// AreaLang is the language of an area manager's digest: the language most
// of their stores speak, the first store's on a tie (a staff member's own
// language is not recorded yet, so the stores' stands in for it).
func AreaLang(stores []brand.Store) i18n.Lang {
	count := map[i18n.Lang]int{}
	best := i18n.Lang("")
	for _, st := range stores {
		count[st.Language]++
		if best == "" || count[st.Language] > count[best] {
			best = st.Language
		}
	}
	if best == "" {
		return i18n.En
	}
	return best
}

func address(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// sendAll sends the jobs not sent yet to recipients who want them.
func (s *Service) sendAll(ctx context.Context, jobs []job, now time.Time, weeks map[string]Week, rep *Report) error {
	emails := map[string]bool{}
	claims := make([]Claim, len(jobs))
	for i, j := range jobs {
		emails[j.claim.To] = true
		claims[i] = j.claim
	}
	prefs, err := s.ledger.Prefs(ctx, slices.Sorted(func(yield func(string) bool) {
		for e := range emails {
			if !yield(e) {
				return
			}
		}
	}))
	if err != nil {
		return err
	}
	sent, err := s.ledger.Sent(ctx, claims)
	if err != nil {
		return err
	}
	var errs []error
	for _, j := range jobs {
		rep.Due++
		switch {
		case sent[j.claim]:
			rep.Already++
			continue
		case !prefs[j.claim.To].Wants(j.claim.Kind):
			rep.Off++
			continue
		}
		if err := s.sendOne(ctx, j, now, weeks); err != nil {
			if fault.CodeOf(err) == fault.Conflict {
				rep.Already++
				continue
			}
			rep.Failed++
			errs = append(errs, err)
			s.log.Error("digest not sent", "kind", j.claim.Kind, "scope", j.claim.Scope, "period", j.claim.Period, "err", err)
			continue
		}
		rep.Sent++
	}
	return errors.Join(errs...)
}

// sendOne claims, composes, sends and marks one e-mail; a failure after the
// claim releases it.
func (s *Service) sendOne(ctx context.Context, j job, now time.Time, weeks map[string]Week) error {
	c := j.claim
	if err := s.ledger.Claim(ctx, c, now, Lease); err != nil {
		return err
	}
	id, err := s.compose(ctx, j, now, weeks)
	if err != nil {
		if rerr := s.ledger.Release(ctx, c); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return fmt.Errorf("%s digest %s %s: %w", c.Kind, c.Scope, c.Period, err)
	}
	if err := s.ledger.MarkSent(ctx, c, id, s.now()); err != nil {
		return fmt.Errorf("%s digest %s %s sent as %s: %w", c.Kind, c.Scope, c.Period, id, err)
	}
	return nil
}

// compose builds and sends a job's e-mail.
func (s *Service) compose(ctx context.Context, j job, now time.Time, memo map[string]Week) (string, error) {
	switch j.claim.Kind {
	case Nightly:
		n, err := s.night(ctx, j.stores[0], j.period)
		if err != nil {
			return "", err
		}
		return s.mail.SendNight(ctx, j.claim.To, n)
	case Weekly:
		w, err := s.week(ctx, j.stores[0], j.period, now, memo)
		if err != nil {
			return "", err
		}
		return s.mail.SendWeek(ctx, j.claim.To, w)
	}
	var weeks []Week
	for _, st := range j.stores {
		w, err := s.week(ctx, st, j.period, now, memo)
		if err != nil {
			return "", err
		}
		weeks = append(weeks, w)
	}
	r := ComposeRanked(j.claim.To, AreaLang(j.stores), j.period, weeks, s.targets)
	return s.mail.SendRanked(ctx, r)
}

func (s *Service) night(ctx context.Context, st brand.Store, p Period) (Night, error) {
	loc, err := st.Location()
	if err != nil {
		return Night{}, err
	}
	counters, err := s.insight.Counters(ctx, st.ID, NightPeriods(p))
	if err != nil {
		return Night{}, fmt.Errorf("read insight of %s: %w", st.ID, err)
	}
	cards, err := s.cardsOf(ctx, st.ID, p)
	if err != nil {
		return Night{}, err
	}
	cases, err := s.recentCases(ctx, st.ID, p.To)
	if err != nil {
		return Night{}, err
	}
	return ComposeNight(st, p, loc, counters, cards, cases), nil
}

func (s *Service) week(ctx context.Context, st brand.Store, p Period, now time.Time, memo map[string]Week) (Week, error) {
	key := st.ID + "|" + p.Key()
	if w, ok := memo[key]; ok {
		return w, nil
	}
	counters, err := s.insight.Counters(ctx, st.ID, WeekPeriods(p))
	if err != nil {
		return Week{}, fmt.Errorf("read insight of %s: %w", st.ID, err)
	}
	cards, err := s.cardsOf(ctx, st.ID, p)
	if err != nil {
		return Week{}, err
	}
	today := now.UTC().Truncate(24 * time.Hour)
	cases, err := s.recentCases(ctx, st.ID, today)
	if err != nil {
		return Week{}, err
	}
	w := ComposeWeek(st, p, counters, cards, cases, s.targets, now)
	memo[key] = w
	return w, nil
}

// cardsOf reads the cards visited in p, page by page, up to maxCards.
func (s *Service) cardsOf(ctx context.Context, storeID string, p Period) ([]card.Card, error) {
	q := card.StoreQuery{StoreID: storeID, From: p.From.Format(time.DateOnly), To: p.To.Format(time.DateOnly), Limit: 200}
	var out []card.Card
	for len(out) < maxCards {
		page, err := s.cards.CardsByStore(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("read cards of %s: %w", storeID, err)
		}
		out = append(out, page.Cards...)
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	return out, nil
}

// recentCases reads the cases opened in the caseDays days up to the day
// after last (cases are keyed by UTC time; a store's day may end after UTC
// midnight).
func (s *Service) recentCases(ctx context.Context, storeID string, last time.Time) ([]casework.Case, error) {
	from, to := last.AddDate(0, 0, -caseDays).Format(time.DateOnly), last.AddDate(0, 0, 1).Format(time.DateOnly)
	ks, err := s.cases.CasesByStore(ctx, storeID, from, to, caseLimit)
	if err != nil {
		return nil, fmt.Errorf("read cases of %s: %w", storeID, err)
	}
	return ks, nil
}
