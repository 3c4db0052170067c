// Package mydata is a diner's own side of their data-protection rights
// (PRODUCT.md 4.5, docs/privacy.md "A diner's own requests"): they ask for
// a link by e-mail address or phone number, open the one-time link e-mailed
// to the profile's address, and then see, download, correct, withdraw
// consent or erase — through the same privacy.Service staff use, recorded
// as requests "by" the diner themselves.
//
// Two tokens carry the diner, both sealed by link.Signer (the diner key is
// encrypted, never in the URL):
//
//   - the e-mailed link (action "mydata", LinkTTL): single use. Opening it
//     (GET) only checks it; the page's button (POST) records its use with a
//     conditional write, so a second use, a forwarded copy, or a mail
//     scanner's fetch followed by the diner's click cannot both start a
//     session, and a GET never changes anything;
//   - the session (action "mydata-session", SessionTTL) the button starts:
//     carried in the page's forms (never a URL, never a cookie), it
//     authorises the page's POSTs until it expires or the diner is erased.
package mydata

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/mail"
	"github.com/cardloop/cardloop/shared/privacy"
)

// Token actions and lifetimes.
const (
	LinkAction    = "mydata"
	SessionAction = "mydata-session"
	// LinkTTL is how long an e-mailed link works (once).
	LinkTTL = 30 * time.Minute
	// SessionTTL is how long a page, once opened, works.
	SessionTTL = 30 * time.Minute
	// By is what requests and the audit log record as the requester.
	By = "diner self-service"
)

// ErrUsed is a link opened a second time, wrapped in fault.Forbidden.
var ErrUsed = errors.New("link already used")

// ErrGone is a session whose diner no longer exists (erased), wrapped in
// fault.Forbidden.
var ErrGone = errors.New("no data held any more")

// privacyDesk is privacy.Service: every error is a fault error (Invalid
// field by field, NotFound, Conflict, Unavailable) or internal.
type privacyDesk interface {
	Export(ctx context.Context, brandID, by, reason string, who privacy.Who) (privacy.Request, privacy.Data, error)
	Correct(ctx context.Context, brandID, by, reason string, who privacy.Who, ch privacy.Changes) (privacy.Request, error)
	Erase(ctx context.Context, brandID, by, reason string, who privacy.Who) (privacy.Request, error)
	DinerData(ctx context.Context, p diner.Profile) (privacy.Data, error)
}

// diners finds profiles (cardstore, greetstore).
type diners interface {
	// Diner returns a profile, or fault.NotFound.
	Diner(ctx context.Context, brandID, dinerKey string) (diner.Profile, error)
	// DinerByEmail returns the profile holding an address, or fault.NotFound.
	DinerByEmail(ctx context.Context, brandID, email string) (diner.Profile, error)
}

// brands reads brands and stores (brandstore).
type brands interface {
	// Brand returns a brand, or fault.NotFound.
	Brand(ctx context.Context, id string) (brand.Brand, error)
	// Store returns a store, or fault.NotFound.
	Store(ctx context.Context, id string) (brand.Store, error)
}

// withdrawer withdraws marketing consent (greeting.Consent).
type withdrawer interface {
	Withdraw(ctx context.Context, brandID, dinerKey, source, campaignID string) (greeting.Answer, error)
}

// linkUses records single-use links (privacystore).
type linkUses interface {
	// UseLink records the link's one use; a second is fault.Conflict.
	UseLink(ctx context.Context, id string, expires, now time.Time) error
	// LinkUsed reports whether the link has been used.
	LinkUsed(ctx context.Context, id string) (bool, error)
}

// mailer sends an e-mail (sesmail).
type mailer interface {
	Send(ctx context.Context, msg mail.Message) (string, error)
}

// allower counts one mail to an address against its limit
// (limit.Limiter): false when the address had its mail this window.
type allower interface {
	Allow(ctx context.Context, key string) (bool, time.Duration)
}

// Deps are a Desk's collaborators.
type Deps struct {
	Privacy privacyDesk
	Diners  diners
	Brands  brands
	Consent withdrawer
	Uses    linkUses
	Mailer  mailer
	// PerAddress limits the links mailed to one diner (one per window).
	PerAddress allower
	Signer     *link.Signer
	Phone      privacy.PhoneNormalizer
	BaseURL    string
	Now        func() time.Time
	Log        *slog.Logger
}

// Desk serves a diner's own requests.
type Desk struct{ d Deps }

// NewDesk returns the desk over d.
func NewDesk(d Deps) *Desk { return &Desk{d: d} }

// Link is what an opened link or session names.
type Link struct {
	Brand brand.Brand
	Lang  i18n.Lang // the diner's language, "" when unknown
}

// Session is an open page: the diner and the token that carries them.
type Session struct {
	Link
	Token   string
	Profile diner.Profile
}

// Brand returns a brand for the request form; fault.NotFound when unknown.
func (s *Desk) Brand(ctx context.Context, id string) (brand.Brand, error) {
	return s.d.Brands.Brand(ctx, id)
}

// StoreName is a store's name in lang ("" when it cannot be read).
func (s *Desk) StoreName(ctx context.Context, id string, lang i18n.Lang) string {
	st, err := s.d.Brands.Store(ctx, id)
	if err != nil {
		return ""
	}
	return st.DisplayName(lang)
}

// Ask mails a one-time link to the diner named by address (an e-mail
// address, or a phone number read in region) when the brand holds a
// profile for it with an address to send to, and the address has had no
// link this window. The answer is the same whether or not a link was sent:
// only a malformed address (fault.Invalid, field "address") or an unknown
// brand (fault.NotFound) is an error, and those say nothing of diners.
func (s *Desk) Ask(ctx context.Context, brandID string, lang i18n.Lang, address, region string) error {
	address = strings.TrimSpace(address)
	b, err := s.d.Brands.Brand(ctx, brandID)
	if err != nil {
		return err
	}
	var p diner.Profile
	if strings.Contains(address, "@") {
		email, err := diner.NormalizeEmail(address)
		if err != nil {
			return badAddress("email")
		}
		p, err = s.d.Diners.DinerByEmail(ctx, brandID, email)
		if err != nil && fault.CodeOf(err) != fault.NotFound {
			return fmt.Errorf("find diner by e-mail: %w", err)
		}
	} else {
		if address == "" {
			return badAddress("required")
		}
		n, err := s.d.Phone(address, region)
		if err != nil {
			return badAddress("phone")
		}
		p, err = s.d.Diners.Diner(ctx, brandID, diner.KeyFor(n, ""))
		if err != nil && fault.CodeOf(err) != fault.NotFound {
			return fmt.Errorf("find diner by phone: %w", err)
		}
	}
	if p.Key == "" || p.Email == "" {
		s.d.Log.Info("my data link not sent", "reason", "no profile with an address")
		return nil
	}
	if ok, _ := s.d.PerAddress.Allow(ctx, "mydata\x00"+brandID+"\x00"+p.Key); !ok {
		s.d.Log.Info("my data link not sent", "reason", "address limit")
		return nil
	}
	token, err := s.d.Signer.Seal(link.Token{Action: LinkAction, Brand: brandID, Subject: p.Key, Ref: rand.Text()}, LinkTTL)
	if err != nil {
		return err
	}
	if l, ok := i18n.Parse(p.Language); ok {
		lang = l
	}
	msg := LinkMessage(p.Email, p.Name, lang, b.DisplayName(lang), s.d.BaseURL+"/d/"+token+"?lang="+string(lang))
	if _, err := s.d.Mailer.Send(ctx, msg); err != nil {
		// The same answer still: an error here would tell that the
		// address is known. The diner asks again.
		s.d.Log.Error("my data link not sent", "err", err)
		return nil
	}
	s.d.Log.Info("my data link sent", "brand", brandID)
	return nil
}

func badAddress(rule string) error {
	return &fault.Error{Code: fault.Invalid, Message: "Give your e-mail address or mobile number.", Fields: []fault.FieldError{{Field: "address", Rule: rule}}}
}

// Peek checks an e-mailed link without using it: a link that is tampered
// with, expired or used is a fault.Forbidden error wrapping
// link.ErrInvalid, link.ErrExpired or ErrUsed.
func (s *Desk) Peek(ctx context.Context, token string) (Link, error) {
	t, err := s.d.Signer.Open(token, LinkAction)
	if err != nil {
		return Link{}, err
	}
	used, err := s.d.Uses.LinkUsed(ctx, t.Ref)
	if err != nil {
		return Link{}, err
	}
	if used {
		return Link{}, errUsed()
	}
	return s.link(ctx, t)
}

func errUsed() error {
	return &fault.Error{Code: fault.Forbidden, Message: "This link has been used.", Err: ErrUsed}
}

func (s *Desk) link(ctx context.Context, t link.Token) (Link, error) {
	b, err := s.d.Brands.Brand(ctx, t.Brand)
	if err != nil {
		return Link{}, fmt.Errorf("read brand of a link: %w", err)
	}
	return Link{Brand: b}, nil
}

// Start uses an e-mailed link, once, and opens the diner's session. Errors
// as Peek's; a link used meanwhile is ErrUsed.
func (s *Desk) Start(ctx context.Context, token string) (Session, error) {
	t, err := s.d.Signer.Open(token, LinkAction)
	if err != nil {
		return Session{}, err
	}
	err = s.d.Uses.UseLink(ctx, t.Ref, time.Unix(t.Expires, 0), s.d.Now())
	if fault.CodeOf(err) == fault.Conflict {
		return Session{}, errUsed()
	}
	if err != nil {
		return Session{}, err
	}
	session, err := s.d.Signer.Seal(link.Token{Action: SessionAction, Brand: t.Brand, Subject: t.Subject, Ref: t.Ref}, SessionTTL)
	if err != nil {
		return Session{}, err
	}
	return s.Session(ctx, session)
}

// Session opens a session token: its diner's profile, or a
// fault.Forbidden error wrapping link.ErrInvalid, link.ErrExpired or, for a
// diner erased meanwhile, ErrGone.
func (s *Desk) Session(ctx context.Context, token string) (Session, error) {
	t, err := s.d.Signer.Open(token, SessionAction)
	if err != nil {
		return Session{}, err
	}
	l, err := s.link(ctx, t)
	if err != nil {
		return Session{}, err
	}
	p, err := s.d.Diners.Diner(ctx, t.Brand, t.Subject)
	if fault.CodeOf(err) == fault.NotFound {
		return Session{}, &fault.Error{Code: fault.Forbidden, Message: "No data is held any more.", Err: ErrGone}
	}
	if err != nil {
		return Session{}, fmt.Errorf("read the diner of a session: %w", err)
	}
	if lang, ok := i18n.Parse(p.Language); ok {
		l.Lang = lang
	}
	return Session{Link: l, Token: token, Profile: p}, nil
}

// who names the session's diner to privacy.Service by their key.
func (s Session) who() privacy.Who {
	if n, ok := strings.CutPrefix(s.Profile.Key, "tel:"); ok {
		return privacy.Who{Phone: n}
	}
	return privacy.Who{Email: strings.TrimPrefix(s.Profile.Key, "email:")}
}

// View is everything held about the session's diner, as the page shows it.
func (s *Desk) View(ctx context.Context, ss Session) (privacy.Data, error) {
	d, err := s.d.Privacy.DinerData(ctx, ss.Profile)
	if err != nil {
		return privacy.Data{}, fmt.Errorf("gather a diner's data: %w", err)
	}
	return ForDiner(d), nil
}

// Export records an access request answered at once and returns the data
// to download.
func (s *Desk) Export(ctx context.Context, ss Session) (privacy.Request, privacy.Data, error) {
	r, d, err := s.d.Privacy.Export(ctx, ss.Brand.ID, By, "download asked by the diner", ss.who())
	if err != nil {
		return privacy.Request{}, privacy.Data{}, err
	}
	return r, ForDiner(d), nil
}

// Correct corrects the diner's profile: every field checked first
// (fault.Invalid naming each bad one), nothing written when one is bad.
func (s *Desk) Correct(ctx context.Context, ss Session, ch privacy.Changes) (privacy.Request, error) {
	return s.d.Privacy.Correct(ctx, ss.Brand.ID, By, "correction by the diner", ss.who(), ch)
}

// Withdraw withdraws the diner's consent to greetings (as an unsubscribe).
func (s *Desk) Withdraw(ctx context.Context, ss Session) error {
	_, err := s.d.Consent.Withdraw(ctx, ss.Brand.ID, ss.Profile.Key, "my-data", "")
	return err
}

// Erase erases the diner of the session token — the same erasure as
// staff's, recorded as the diner's own request. A session whose diner is
// already gone is answered the same (privacy.Service.Erase of an unknown
// diner is a request done), so the answer never tells.
func (s *Desk) Erase(ctx context.Context, token string) (privacy.Receipt, Link, error) {
	t, err := s.d.Signer.Open(token, SessionAction)
	if err != nil {
		return privacy.Receipt{}, Link{}, err
	}
	l, err := s.link(ctx, t)
	if err != nil {
		return privacy.Receipt{}, Link{}, err
	}
	who := Session{Profile: diner.Profile{Key: t.Subject}}.who()
	r, err := s.d.Privacy.Erase(ctx, t.Brand, By, "erasure asked by the diner", who)
	if err != nil {
		return privacy.Receipt{}, Link{}, err
	}
	s.d.Log.Info("my data erased", "request", r.ID, "status", r.Status)
	return r.Receipt(), l, nil
}

// ForDiner is d as the diner sees it: their cases without the staff's side
// (who called, their notes, the case's audit trail, notices).
func ForDiner(d privacy.Data) privacy.Data {
	cases := make([]casework.Record, 0, len(d.Cases))
	for _, rec := range d.Cases {
		rec.Events, rec.Notices = nil, nil
		contacts := append(rec.Case.Contacts[:0:0], rec.Case.Contacts...)
		for i := range contacts {
			contacts[i].Notes, contacts[i].By = "", ""
		}
		rec.Case.Contacts = contacts
		cases = append(cases, rec)
	}
	d.Cases = cases
	return d
}
