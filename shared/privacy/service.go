package privacy

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/scan"
)

// Requests keeps requests and the audit log (privacystore).
type Requests interface {
	// CreateRequest stores a new request; a request with its id already
	// stored is returned as stored (created false), so a retried create is
	// a resume.
	CreateRequest(ctx context.Context, r Request) (stored Request, created bool, err error)
	// Request returns a request, or a fault.NotFound error.
	Request(ctx context.Context, id string) (Request, error)
	// SaveProgress writes the request's step, cards, cases, counts and
	// status; a done request loses its Subject and leaves the open list.
	SaveProgress(ctx context.Context, r Request) error
	// OpenRequests returns a brand's open requests, soonest due first.
	OpenRequests(ctx context.Context, brandID string) ([]Request, error)
	// Audit appends an entry to the brand's audit log.
	Audit(ctx context.Context, e AuditEntry) error
}

// Diners finds diners and reads and corrects their profiles.
type Diners interface {
	// Diner returns a diner's profile, or a fault.NotFound error.
	Diner(ctx context.Context, brandID, dinerKey string) (diner.Profile, error)
	// DinerByEmail returns the profile holding an address, or fault.NotFound.
	DinerByEmail(ctx context.Context, brandID, email string) (diner.Profile, error)
	// CorrectDiner applies a checked correction to a profile, if it is
	// unchanged since read (else fault.Conflict).
	CorrectDiner(ctx context.Context, p diner.Profile, c Correction, at time.Time) error
}

// Cards reads and scrubs a diner's cards (cardstore).
type Cards interface {
	// DinerCards returns the cards that name a diner, oldest first.
	DinerCards(ctx context.Context, brandID, dinerKey string) ([]card.Card, error)
	// EraseCard removes a card's personal fields; a missing card is no error.
	EraseCard(ctx context.Context, id string) error
	// EraseDiner deletes every item of the diner's partition.
	EraseDiner(ctx context.Context, brandID, dinerKey string) (int, error)
}

// Cases reads and scrubs a diner's cases (casestore).
type Cases interface {
	// DinerCases returns a diner's case ids, newest first.
	DinerCases(ctx context.Context, brandID, dinerKey string) ([]string, error)
	// CaseRecord returns a case with its audit trail and notices.
	CaseRecord(ctx context.Context, id string) (casework.Record, error)
	// EraseCase removes a case's contact details and free text, keeping its
	// timings and outcome; a missing case is no error.
	EraseCase(ctx context.Context, id string) error
}

// Greetings reads and re-keys what greetings keep of a diner (greetstore).
type Greetings interface {
	// DinerGreetings returns a diner's consent log and send records.
	DinerGreetings(ctx context.Context, brandID, dinerKey string) ([]ConsentEvent, []SendRecord, error)
	// EraseGreetings moves the diner's send records under subjectHash and,
	// when optOut or the address is suppressed, keeps the suppression as
	// emailHash only. It returns how many records it moved.
	EraseGreetings(ctx context.Context, brandID, dinerKey, subjectHash, email, emailHash string, optOut bool) (int, error)
}

// Scans scrubs what the review queue keeps of a paper card (scanstore).
type Scans interface {
	// EraseReview removes the diner's answers from a card's review and
	// returns the scan file it came from ("" when there is no review).
	EraseReview(ctx context.Context, storeID, serial string) (object string, err error)
}

// Files deletes objects of the scan bucket, every version (s3bucket).
type Files interface {
	// DeletePrefix deletes every version of every object under prefix.
	DeletePrefix(ctx context.Context, prefix string) (int, error)
}

// Stores reads brands and stores (brandstore).
type Stores interface {
	Brand(ctx context.Context, id string) (brand.Brand, error)
	Store(ctx context.Context, id string) (brand.Store, error)
}

// Hasher hashes a value under a secret key (link.Signer.Keyed), so what is
// kept after an erasure cannot be read back, only matched.
type Hasher interface {
	Keyed(purpose, value string) string
}

// Who names a diner as staff find them: a phone number (national numbers
// read in Region) or an e-mail address.
type Who struct {
	Phone  string `json:"phone,omitempty"`
	Email  string `json:"email,omitempty"`
	Region string `json:"region,omitempty"`
}

// Service answers requests.
type Service struct {
	requests  Requests
	diners    Diners
	cards     Cards
	cases     Cases
	greetings Greetings
	scans     Scans
	files     Files
	stores    Stores
	hash      Hasher
	phone     PhoneNormalizer
	now       func() time.Time
	newID     func() string
	log       *slog.Logger
}

// Deps are a Service's collaborators.
type Deps struct {
	Requests  Requests
	Diners    Diners
	Cards     Cards
	Cases     Cases
	Greetings Greetings
	Scans     Scans
	Files     Files
	Stores    Stores
	Hash      Hasher
	// Phone normalises phone numbers (diner/phone.Normalize); nil refuses
	// lookups by phone (the retention job needs none).
	Phone PhoneNormalizer
	Now   func() time.Time
	NewID func() string
	Log   *slog.Logger
}

// NewService returns the service over d.
func NewService(d Deps) *Service {
	return &Service{requests: d.Requests, diners: d.Diners, cards: d.Cards, cases: d.Cases, greetings: d.Greetings,
		scans: d.Scans, files: d.Files, stores: d.Stores, hash: d.Hash, phone: d.Phone, now: d.Now, newID: d.NewID, log: d.Log}
}

// resolve finds the diner who names: the profile (found false when unknown)
// and the diner key the request is about.
func (s *Service) resolve(ctx context.Context, brandID string, who Who) (diner.Profile, string, bool, error) {
	var errs []fault.FieldError
	switch {
	case who.Phone != "" && who.Email != "":
		errs = append(errs, fault.FieldError{Field: "email", Rule: "one_of", Params: map[string]string{"allowed": "phone or email"}})
	case who.Phone == "" && who.Email == "":
		errs = append(errs, fault.FieldError{Field: "phone", Rule: "required"})
	}
	var key, email string
	if len(errs) == 0 && who.Phone != "" {
		n, err := s.normalizePhone(who.Phone, who.Region)
		if err != nil {
			errs = append(errs, fault.FieldError{Field: "phone", Rule: "phone"})
		}
		key = diner.KeyFor(n, "")
	}
	if len(errs) == 0 && who.Email != "" {
		n, err := diner.NormalizeEmail(strings.TrimSpace(who.Email))
		if err != nil {
			errs = append(errs, fault.FieldError{Field: "email", Rule: "email"})
		}
		email, key = n, diner.KeyFor("", n)
	}
	if len(errs) > 0 {
		return diner.Profile{}, "", false, &fault.Error{Code: fault.Invalid, Message: "Name the diner by a valid phone number or e-mail address.", Fields: errs}
	}
	var p diner.Profile
	var err error
	if email != "" {
		p, err = s.diners.DinerByEmail(ctx, brandID, email)
	} else {
		p, err = s.diners.Diner(ctx, brandID, key)
	}
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return diner.Profile{}, key, false, nil
	case err != nil:
		return diner.Profile{}, "", false, fmt.Errorf("find diner: %w", err)
	}
	return p, p.Key, true, nil
}

func (s *Service) normalizePhone(raw, region string) (string, error) {
	if s.phone == nil {
		return "", fmt.Errorf("no phone normaliser")
	}
	if region == "" {
		region = "TW"
	}
	return s.phone(raw, region)
}

// Lookup is what a search by phone or e-mail shows staff.
type Lookup struct {
	Found   bool          `json:"found"`
	Profile diner.Profile `json:"profile,omitzero"`
	Cards   int           `json:"cards"`
	Cases   int           `json:"cases"`
}

// Find looks a diner up for a staff member (by), recording the lookup in
// the audit log.
func (s *Service) Find(ctx context.Context, brandID, by string, who Who) (Lookup, error) {
	p, key, found, err := s.resolve(ctx, brandID, who)
	if err != nil {
		return Lookup{}, err
	}
	out := Lookup{Found: found}
	if found {
		cards, err := s.cards.DinerCards(ctx, brandID, key)
		if err != nil {
			return Lookup{}, err
		}
		cases, err := s.cases.DinerCases(ctx, brandID, key)
		if err != nil {
			return Lookup{}, err
		}
		out.Profile, out.Cards, out.Cases = p, len(cards), len(cases)
	}
	if err := s.requests.Audit(ctx, AuditEntry{BrandID: brandID, At: s.now(), By: by, Action: "lookup", SubjectHash: s.subjectHash(brandID, key),
		Detail: map[string]string{"found": fmt.Sprint(found)}}); err != nil {
		return Lookup{}, err
	}
	return out, nil
}

func (s *Service) subjectHash(brandID, key string) string {
	return SubjectHash(s.hash, brandID, key)
}

// newRequest makes a request about key, due by the law of the diner's last
// store (the strictest when the diner is unknown).
func (s *Service) newRequest(ctx context.Context, id, brandID string, kind Kind, p diner.Profile, key, by, reason string) (Request, error) {
	b, err := s.stores.Brand(ctx, brandID)
	if err != nil {
		return Request{}, fmt.Errorf("read brand %s: %w", brandID, err)
	}
	law := OtherLaw
	if p.LastStoreID != "" {
		st, err := s.stores.Store(ctx, p.LastStoreID)
		if err != nil {
			return Request{}, fmt.Errorf("read store %s: %w", p.LastStoreID, err)
		}
		law = LawOf(st.Country)
	}
	now := s.now().UTC()
	r := Request{
		ID: id, BrandID: brandID, Kind: kind, StoreID: p.LastStoreID, Law: law, Reason: reason, By: by,
		CreatedAt: now, DueAt: law.DueAt(kind, now, settings(b)), Status: Open,
		SubjectHash: s.subjectHash(brandID, key), Subject: &Subject{DinerKey: key, Email: p.Email}, Found: p.Key != "",
	}
	if kind == Erase || kind == Retention {
		r.Step = StepCollect
	}
	return r, nil
}

func settings(b brand.Brand) Settings {
	return Settings{ChinaDays: b.PrivacyChinaDays, RetentionMonths: b.RetentionMonths}.WithDefaults()
}

func checkReason(reason string) error {
	if n := len([]rune(strings.TrimSpace(reason))); n == 0 || n > 500 {
		return &fault.Error{Code: fault.Invalid, Message: "Give the reason for the request.", Fields: []fault.FieldError{{Field: "reason", Rule: "required"}}}
	}
	return nil
}

// Export answers an access or copy request: the diner's whole data, and
// the request, recorded done (an unknown diner's export is empty).
func (s *Service) Export(ctx context.Context, brandID, by, reason string, who Who) (Request, Data, error) {
	if err := checkReason(reason); err != nil {
		return Request{}, Data{}, err
	}
	p, key, found, err := s.resolve(ctx, brandID, who)
	if err != nil {
		return Request{}, Data{}, err
	}
	r, err := s.newRequest(ctx, s.newID(), brandID, Export, p, key, by, reason)
	if err != nil {
		return Request{}, Data{}, err
	}
	var d Data
	if found {
		if d, err = s.DinerData(ctx, p); err != nil {
			return Request{}, Data{}, err
		}
	}
	if _, _, err := s.requests.CreateRequest(ctx, r); err != nil {
		return Request{}, Data{}, err
	}
	r.Counts = map[string]int{"cards": len(d.Cards), "cases": len(d.Cases)}
	if err := s.finish(ctx, &r, "export"); err != nil {
		return Request{}, Data{}, err
	}
	return r, d, nil
}

// DinerData gathers everything kept about the diner of profile p.
func (s *Service) DinerData(ctx context.Context, p diner.Profile) (Data, error) {
	d := Data{Profile: p, Cards: []card.Card{}, Cases: []casework.Record{}}
	var err error
	if d.Cards, err = s.cards.DinerCards(ctx, p.BrandID, p.Key); err != nil {
		return Data{}, err
	}
	ids, err := s.cases.DinerCases(ctx, p.BrandID, p.Key)
	if err != nil {
		return Data{}, err
	}
	for _, id := range ids {
		rec, err := s.cases.CaseRecord(ctx, id)
		if fault.CodeOf(err) == fault.NotFound {
			continue
		}
		if err != nil {
			return Data{}, err
		}
		rec.Notices = nil // staff recipients, not the diner's data
		d.Cases = append(d.Cases, rec)
	}
	if d.Consents, d.Greetings, err = s.greetings.DinerGreetings(ctx, p.BrandID, p.Key); err != nil {
		return Data{}, err
	}
	return d, nil
}

// Correct applies a correction to a diner's profile: every field checked
// first, nothing written when one is refused. Correcting an unknown diner
// is a fault.NotFound error.
func (s *Service) Correct(ctx context.Context, brandID, by, reason string, who Who, ch Changes) (Request, error) {
	if err := checkReason(reason); err != nil {
		return Request{}, err
	}
	p, key, found, err := s.resolve(ctx, brandID, who)
	if err != nil {
		return Request{}, err
	}
	if !found {
		return Request{}, fault.New(fault.NotFound, "There is no diner with that phone number or address.")
	}
	region := who.Region
	if p.LastStoreID != "" {
		if st, err := s.stores.Store(ctx, p.LastStoreID); err == nil {
			region = st.Country
		}
	}
	c, err := ch.Check(p, region, s.now(), s.normalizePhone)
	if err != nil {
		return Request{}, err
	}
	r, err := s.newRequest(ctx, s.newID(), brandID, Correct, p, key, by, reason)
	if err != nil {
		return Request{}, err
	}
	if _, _, err := s.requests.CreateRequest(ctx, r); err != nil {
		return Request{}, err
	}
	if err := s.diners.CorrectDiner(ctx, p, c, s.now()); err != nil {
		return Request{}, err
	}
	fields := make([]string, 0, len(c.Set)+len(c.Remove))
	for k := range c.Set {
		fields = append(fields, k)
	}
	fields = append(fields, c.Remove...)
	r.Counts = map[string]int{"fields": len(fields)}
	if err := s.finish(ctx, &r, "correct"); err != nil {
		return Request{}, err
	}
	return r, nil
}

// Erase records an erasure request and runs it to the end. An unknown
// diner gets the same answer as a known one (the request, done).
func (s *Service) Erase(ctx context.Context, brandID, by, reason string, who Who) (Request, error) {
	if err := checkReason(reason); err != nil {
		return Request{}, err
	}
	p, key, _, err := s.resolve(ctx, brandID, who)
	if err != nil {
		return Request{}, err
	}
	r, err := s.newRequest(ctx, s.newID(), brandID, Erase, p, key, by, reason)
	if err != nil {
		return Request{}, err
	}
	if r.Subject.Email == "" && strings.HasPrefix(key, "email:") {
		// No profile, but the address may still be suppressed: it too is
		// kept only as its hash.
		r.Subject.Email = strings.TrimPrefix(key, "email:")
	}
	return s.start(ctx, r)
}

// EraseIdle erases a diner whose last visit is past the brand's retention:
// a request of kind Retention whose id follows from the diner and that
// visit, so a second run resumes the first.
func (s *Service) EraseIdle(ctx context.Context, p diner.Profile) (Request, error) {
	id := "rt_" + s.hash.Keyed("retention", p.BrandID+"\x00"+p.Key+"\x00"+p.LastVisitDate)[:26]
	r, err := s.newRequest(ctx, id, p.BrandID, Retention, p, p.Key, "retention", "no visit within the retention period")
	if err != nil {
		return Request{}, err
	}
	return s.start(ctx, r)
}

func (s *Service) start(ctx context.Context, r Request) (Request, error) {
	stored, created, err := s.requests.CreateRequest(ctx, r)
	if err != nil {
		return Request{}, err
	}
	if created {
		if err := s.requests.Audit(ctx, AuditEntry{BrandID: r.BrandID, At: s.now(), By: r.By, Action: "erase-started", RequestID: r.ID, SubjectHash: r.SubjectHash,
			Detail: map[string]string{"kind": string(r.Kind)}}); err != nil {
			return Request{}, err
		}
	}
	return s.run(ctx, stored)
}

// Request returns one of a brand's requests; another brand's is
// fault.NotFound.
func (s *Service) Request(ctx context.Context, brandID, id string) (Request, error) {
	r, err := s.requests.Request(ctx, id)
	if err == nil && r.BrandID != brandID {
		err = fault.New(fault.NotFound, "There is no privacy request %s.", id)
	}
	return r, err
}

// Resume continues an erasure of brandID's that stopped (a crash, a
// timeout): it reruns the step it stopped in and every step after. A
// finished request is returned as it is.
func (s *Service) Resume(ctx context.Context, brandID, id string) (Request, error) {
	r, err := s.Request(ctx, brandID, id)
	if err != nil {
		return Request{}, err
	}
	return s.run(ctx, r)
}

// OpenRequests lists a brand's unanswered requests, soonest due first.
func (s *Service) OpenRequests(ctx context.Context, brandID string) ([]Request, error) {
	return s.requests.OpenRequests(ctx, brandID)
}

// run executes the erasure plan from r.Step, saving progress after each
// step, so a retry starts where the last run stopped. Every step is
// idempotent: a rerun of a step half done finishes it.
func (s *Service) run(ctx context.Context, r Request) (Request, error) {
	if r.Status == Done || (r.Kind != Erase && r.Kind != Retention) {
		return r, nil
	}
	if r.Counts == nil {
		r.Counts = map[string]int{}
	}
	for r.Step != StepDone {
		if err := s.step(ctx, &r); err != nil {
			return r, fmt.Errorf("erasure %s, step %s: %w", r.ID, r.Step, err)
		}
		r.Step = r.Step.Next()
		if r.Step == StepDone {
			break
		}
		if err := s.requests.SaveProgress(ctx, r); err != nil {
			return r, err
		}
		s.log.Info("erasure step done", "request", r.ID, "next", r.Step)
	}
	if err := s.finish(ctx, &r, "erase-done"); err != nil {
		return r, err
	}
	return r, nil
}

// finish marks r done and records it in the audit log.
func (s *Service) finish(ctx context.Context, r *Request, action string) error {
	now := s.now().UTC()
	r.Status, r.DoneAt, r.Step = Done, &now, ""
	if r.Kind == Erase || r.Kind == Retention {
		r.Step = StepDone
	}
	r.Subject, r.Cards, r.Cases = nil, nil, nil
	if err := s.requests.SaveProgress(ctx, *r); err != nil {
		return err
	}
	detail := map[string]string{"kind": string(r.Kind)}
	for k, v := range r.Counts {
		detail[k] = fmt.Sprint(v)
	}
	return s.requests.Audit(ctx, AuditEntry{BrandID: r.BrandID, At: now, By: r.By, Action: action, RequestID: r.ID, SubjectHash: r.SubjectHash, Detail: detail})
}

func (s *Service) step(ctx context.Context, r *Request) error {
	var key, email string
	if r.Subject != nil {
		key, email = r.Subject.DinerKey, r.Subject.Email
	}
	switch r.Step {
	case StepCollect:
		cards, err := s.cards.DinerCards(ctx, r.BrandID, key)
		if err != nil {
			return err
		}
		r.Cards = r.Cards[:0]
		for _, c := range cards {
			r.Cards = append(r.Cards, CardRef{ID: c.ID, StoreID: c.StoreID, Serial: c.Serial})
		}
		if r.Cases, err = s.cases.DinerCases(ctx, r.BrandID, key); err != nil {
			return err
		}
		if email == "" {
			if p, err := s.diners.Diner(ctx, r.BrandID, key); err == nil {
				email = p.Email
				r.Subject.Email = email
			}
		}
		r.Counts["cards"], r.Counts["cases"] = len(r.Cards), len(r.Cases)
	case StepFiles:
		n := 0
		for _, c := range r.Cards {
			if c.Serial == "" {
				continue
			}
			object, err := s.scans.EraseReview(ctx, c.StoreID, c.Serial)
			if err != nil {
				return err
			}
			if object != "" {
				k, err := s.files.DeletePrefix(ctx, object)
				if err != nil {
					return err
				}
				n += k
			}
			k, err := s.files.DeletePrefix(ctx, scan.CropPrefix(c.StoreID, c.Serial))
			if err != nil {
				return err
			}
			n += k
		}
		r.Counts["files"] += n
	case StepCases:
		for _, id := range r.Cases {
			if err := s.cases.EraseCase(ctx, id); err != nil {
				return err
			}
		}
	case StepCards:
		if err := eachParallel(ctx, r.Cards, 8, func(c CardRef) error { return s.cards.EraseCard(ctx, c.ID) }); err != nil {
			return err
		}
	case StepGreetings:
		optOut := false
		if p, err := s.diners.Diner(ctx, r.BrandID, key); err == nil {
			optOut = p.MarketingWithdrawn != nil
		}
		emailHash := ""
		if email != "" {
			emailHash = s.hash.Keyed("email", strings.ToLower(email))
		}
		n, err := s.greetings.EraseGreetings(ctx, r.BrandID, key, r.SubjectHash, email, emailHash, optOut)
		if err != nil {
			return err
		}
		r.Counts["greetings"] += n
	case StepProfile:
		n, err := s.cards.EraseDiner(ctx, r.BrandID, key)
		if err != nil {
			return err
		}
		r.Counts["dinerItems"] += n
	}
	return nil
}

// eachParallel runs fn on every item with at most n at a time and returns
// the first error.
func eachParallel[T any](ctx context.Context, items []T, n int, fn func(T) error) error {
	sem := make(chan struct{}, n)
	errs := make(chan error, len(items))
	for _, it := range items {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			errs <- fn(it)
		}()
	}
	for range n {
		sem <- struct{}{}
	}
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}
