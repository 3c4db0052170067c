package greeting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/link"
)

// ConsentStore keeps diners' marketing consent and what follows from it.
type ConsentStore interface {
	Brand(ctx context.Context, id string) (brand.Brand, error)
	Store(ctx context.Context, id string) (brand.Store, error)
	Diner(ctx context.Context, brandID, dinerKey string) (diner.Profile, error)
	// SyncMarketing writes state, and the greeting index keys that follow
	// from it, when they differ from what the profile holds — only if the
	// profile is still the one read (its updatedAt); a newer version will
	// be synced from its own stream record.
	SyncMarketing(ctx context.Context, p diner.Profile, state diner.MarketingState) (bool, error)
	// ClaimOptInMail claims the confirmation e-mail of the profile's
	// current consent for lease, if the stored profile is still the one
	// read (its updatedAt and its last confirmation e-mail), no claim runs,
	// and no other profile with the same address has a confirmation e-mail
	// awaiting an answer or being sent; else it fails with fault.Conflict.
	ClaimOptInMail(ctx context.Context, p diner.Profile, now time.Time, lease time.Duration) error
	// SameAddress returns the brand's other profiles with p's e-mail
	// address (a diner known under two keys).
	SameAddress(ctx context.Context, p diner.Profile) ([]diner.Profile, error)
	// OptInMailSent records the claimed e-mail sent at at, for the
	// profile's consent, and ends the claim.
	OptInMailSent(ctx context.Context, p diner.Profile, at time.Time) error
	// ReleaseOptInMail ends a claim whose e-mail was not sent.
	ReleaseOptInMail(ctx context.Context, p diner.Profile) error
	// SetMarketing records a confirmation or a withdrawal (which) with the
	// state it leads to, if the profile is still the one read; it counts an
	// unsubscribe on campaignID when one is named.
	SetMarketing(ctx context.Context, p diner.Profile, which string, c diner.Consent, state diner.MarketingState, campaignID string) error
}

// Consent runs double opt-in and withdrawal.
type Consent struct {
	store   ConsentStore
	mailer  Mailer
	signer  *link.Signer
	baseURL string
	now     func() time.Time
	log     *slog.Logger
}

// NewConsent returns the consent service. mailer may be nil where no
// confirmation e-mail is sent (the greeting pages, SES feedback): Sync then
// fails for a diner awaiting one.
func NewConsent(store ConsentStore, mailer Mailer, signer *link.Signer, baseURL string, now func() time.Time, log *slog.Logger) *Consent {
	return &Consent{store: store, mailer: mailer, signer: signer, baseURL: baseURL, now: now, log: log}
}

// ConfirmTTL is how long a confirmation link works.
const ConfirmTTL = 30 * 24 * time.Hour

// Sync brings a changed profile's greeting state and indexes up to date and
// sends the confirmation e-mail its consent calls for: one per diner at a
// time, until it is answered (confirmed, withdrawn) or its link expires
// (diner.Profile.NeedsOptInMail with ConfirmTTL).
//
// Idempotent: the state and keys are a function of the profile, written
// only when they differ. Whether an e-mail is due is decided on the
// record's profile, and the e-mail is claimed by a write conditioned on the
// stored profile still being that one — same updatedAt (no card,
// confirmation or withdrawal since) and same last e-mail (optInMailFor,
// optInMailAt) — with no claim running, and recorded after sending. So a
// record made stale by a later write (a second card, the e-mail recorded)
// fails the claim and sends nothing, replayed or not; the current one sends
// at most once, and records after it see that e-mail awaiting an answer.
// The claim also fails while another profile with the same address (the
// same diner known under another key) has a confirmation e-mail awaiting
// an answer or being sent: one pending confirmation per address, and that
// e-mail's link confirms both (Confirm).
// An SES failure releases the claim and returns the error, so the stream
// retries it.
func (s *Consent) Sync(ctx context.Context, p diner.Profile) error {
	b, err := s.store.Brand(ctx, p.BrandID)
	if err != nil {
		return fmt.Errorf("sync consent of a diner: %w", err)
	}
	state := p.Marketing(b.DoubleOptIn())
	if _, err := s.store.SyncMarketing(ctx, p, state); err != nil {
		return err
	}
	now := s.now()
	if !p.NeedsOptInMail(b.DoubleOptIn(), now, ConfirmTTL) {
		return nil
	}
	err = s.store.ClaimOptInMail(ctx, p, now, time.Minute)
	if fault.CodeOf(err) == fault.Conflict {
		return nil // being sent, or the record is stale: a newer record decides
	}
	if err != nil {
		return err
	}
	if err := s.sendOptIn(ctx, b, p); err != nil {
		return errors.Join(err, s.store.ReleaseOptInMail(context.WithoutCancel(ctx), p))
	}
	return s.store.OptInMailSent(ctx, p, now)
}

// dinerLang is the diner's language, else their store's.
func (s *Consent) dinerLang(ctx context.Context, p diner.Profile) i18n.Lang {
	if l, ok := i18n.Parse(p.Language); ok {
		return l
	}
	if st, err := s.store.Store(ctx, p.LastStoreID); err == nil {
		return st.Language
	}
	return ""
}

func (s *Consent) sendOptIn(ctx context.Context, b brand.Brand, p diner.Profile) error {
	lang, storeName := i18n.Lang(p.Language), ""
	if st, err := s.store.Store(ctx, p.LastStoreID); err == nil {
		if lang == "" {
			lang = st.Language
		}
		storeName = st.DisplayName(lang)
	}
	if _, ok := i18n.Parse(string(lang)); !ok {
		lang = i18n.En
	}
	token, err := s.signer.Seal(link.Token{Action: "confirm", Brand: p.BrandID, Subject: p.Key, At: p.MarketingConsent.At.UnixMilli()}, ConfirmTTL)
	if err != nil {
		return err
	}
	if s.mailer == nil {
		return fmt.Errorf("send confirmation e-mail: this consent service sends no e-mail")
	}
	msg := OptInMessage(p.Email, p.Name, lang, b.DisplayName(lang), storeName, s.baseURL+"/o/"+token+"?lang="+string(lang), MyDataURL(s.baseURL, p.BrandID, lang))
	if _, err := s.mailer.Send(ctx, msg); err != nil {
		return fmt.Errorf("send confirmation e-mail: %w", err)
	}
	s.log.Info("confirmation e-mail sent", "brand", p.BrandID)
	return nil
}

// Answer is what a confirm or unsubscribe link did, for its page.
type Answer struct {
	Brand  brand.Brand
	Lang   i18n.Lang // the diner's language, or their store's
	Result string    // "ask", "done", "withdrawn" (a confirm after unsubscribing)
}

// Peek checks a link token without acting on it, for the page that asks
// the diner to press the button.
func (s *Consent) Peek(ctx context.Context, token, action string) (Answer, error) {
	t, err := s.signer.Open(token, action)
	if err != nil {
		return Answer{}, err
	}
	b, err := s.store.Brand(ctx, t.Brand)
	if err != nil {
		return Answer{}, err
	}
	a := Answer{Brand: b, Result: "ask"}
	if IsTest(t) {
		return a, nil // a test send's link: no diner to read
	}
	if p, err := s.store.Diner(ctx, t.Brand, t.Subject); err == nil {
		a.Lang = s.dinerLang(ctx, p)
	}
	return a, nil
}

// Confirm confirms the consent a confirmation link names, and any newer
// tick of the box (a second card while the e-mail awaits an answer sends no
// new link). Confirming twice is fine; a link for a consent that has since
// been withdrawn confirms nothing, even after the diner ticks the box again
// (that tick gets its own e-mail). The link proves the address: the
// brand's other profiles with it (a card with a phone number, another
// without), whose own e-mail waited for this one, are confirmed too.
func (s *Consent) Confirm(ctx context.Context, token string) (Answer, error) {
	t, err := s.signer.Open(token, "confirm")
	if err != nil {
		return Answer{}, err
	}
	a, err := s.change(ctx, t, s.confirmation(t))
	if err != nil || a.Result != "done" {
		return a, err
	}
	p, err := s.store.Diner(ctx, t.Brand, t.Subject)
	if err != nil {
		return a, nil // erased meanwhile: nothing more to confirm
	}
	others, err := s.store.SameAddress(ctx, p)
	if err != nil {
		return a, err
	}
	for _, o := range others {
		if o.MarketingConsent == nil {
			continue
		}
		ot := link.Token{Brand: t.Brand, Subject: o.Key, At: o.MarketingConsent.At.UnixMilli()}
		if _, err := s.change(ctx, ot, s.confirmation(ot)); err != nil {
			return a, fmt.Errorf("confirm a profile of the same address: %w", err)
		}
	}
	return a, nil
}

// confirmation decides what confirming the consent of t does to a profile.
func (s *Consent) confirmation(t link.Token) func(diner.Profile, brand.Brand) (string, *diner.Consent, diner.MarketingState, string) {
	return func(p diner.Profile, b brand.Brand) (string, *diner.Consent, diner.MarketingState, string) {
		if p.MarketingConsent == nil || p.MarketingConsent.At.UnixMilli() < t.At ||
			p.MarketingWithdrawn != nil && p.MarketingWithdrawn.At.UnixMilli() >= t.At {
			return "withdrawn", nil, "", ""
		}
		switch p.Marketing(b.DoubleOptIn()) {
		case diner.MarketingConfirmed:
			return "done", nil, "", ""
		case diner.MarketingWithdrawn:
			return "withdrawn", nil, "", ""
		}
		c := &diner.Consent{At: s.now().UTC(), Source: "email-link"}
		next := p
		next.MarketingConfirmed = c
		return "done", c, next.Marketing(b.DoubleOptIn()), "marketingConsentConfirmed"
	}
}

// Unsubscribe withdraws the consent of the diner an unsubscribe link names,
// at once; source says how (one-click, unsubscribe-link). Unsubscribing
// twice is fine.
func (s *Consent) Unsubscribe(ctx context.Context, token, source string) (Answer, error) {
	t, err := s.signer.Open(token, "unsubscribe")
	if err != nil {
		return Answer{}, err
	}
	if IsTest(t) {
		// A test send's link (Desk.TestSend): answered as for a diner, and
		// no diner is read or changed.
		b, err := s.store.Brand(ctx, t.Brand)
		if err != nil {
			return Answer{}, err
		}
		return Answer{Brand: b, Result: "done"}, nil
	}
	return s.Withdraw(ctx, t.Brand, t.Subject, source, t.Ref)
}

// Withdraw withdraws a diner's marketing consent (unsubscribe, complaint).
func (s *Consent) Withdraw(ctx context.Context, brandID, dinerKey, source, campaignID string) (Answer, error) {
	t := link.Token{Brand: brandID, Subject: dinerKey, Ref: campaignID}
	return s.change(ctx, t, func(p diner.Profile, b brand.Brand) (string, *diner.Consent, diner.MarketingState, string) {
		if p.Marketing(b.DoubleOptIn()) == diner.MarketingWithdrawn || p.MarketingConsent == nil {
			return "done", nil, "", ""
		}
		c := &diner.Consent{At: s.now().UTC(), Source: source}
		return "done", c, diner.MarketingWithdrawn, "marketingConsentWithdrawn"
	})
}

// change reads the diner, decides, and writes the decision if the diner has
// not changed meanwhile (else it reads again).
func (s *Consent) change(ctx context.Context, t link.Token, decide func(diner.Profile, brand.Brand) (string, *diner.Consent, diner.MarketingState, string)) (Answer, error) {
	b, err := s.store.Brand(ctx, t.Brand)
	if err != nil {
		return Answer{}, err
	}
	for range 3 {
		p, err := s.store.Diner(ctx, t.Brand, t.Subject)
		if fault.CodeOf(err) == fault.NotFound {
			return Answer{Brand: b, Result: "done"}, nil // erased: nothing to send to
		}
		if err != nil {
			return Answer{}, err
		}
		result, c, state, which := decide(p, b)
		a := Answer{Brand: b, Lang: s.dinerLang(ctx, p), Result: result}
		if c == nil {
			return a, nil
		}
		ref := ""
		if which == "marketingConsentWithdrawn" {
			ref = t.Ref
		}
		err = s.store.SetMarketing(ctx, p, which, *c, state, ref)
		if fault.CodeOf(err) == fault.Conflict {
			continue
		}
		return a, err
	}
	return Answer{}, fault.New(fault.Unavailable, "The diner's record kept changing; try again.")
}
