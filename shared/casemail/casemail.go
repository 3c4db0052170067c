// Package casemail writes and sends the e-mails a case owes (casework
// notices): the store manager's alert, the area manager's alert, escalations
// and reminders — in the store's language, as HTML and plain text, with a
// tap-to-call link and signed one-click links.
//
// It also holds the few facts of a case put into words (reasons, ratings,
// local times, the phone link) that the case page shows too, so the e-mail
// and the page say the same thing.
package casemail

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/mail"
	"github.com/cardloop/cardloop/shared/triage"
)

// mailer sends one message.
type mailer interface {
	// Send returns SES's message id; errors are fault.Unavailable (retry)
	// or fault.Invalid (do not).
	Send(ctx context.Context, m mail.Message) (string, error)
}

// directory finds stores and brands.
type directory interface {
	// Store returns a store or a fault.NotFound error.
	Store(ctx context.Context, id string) (brand.Store, error)
	// Brand returns a brand or a fault.NotFound error.
	Brand(ctx context.Context, id string) (brand.Brand, error)
	// Rules returns the store's triage rules, which say which ratings are
	// low; fault.Unavailable may be retried.
	Rules(ctx context.Context, brandID, storeID string) (triage.Rules, error)
}

// cardReader reads the cards of a case.
type cardReader interface {
	// Card returns a card or a fault.NotFound error.
	Card(ctx context.Context, id string) (card.Card, error)
}

// history reads what is known of a diner.
type history interface {
	// Diner returns a diner's profile or a fault.NotFound error.
	Diner(ctx context.Context, brandID, key string) (diner.Profile, error)
	// DinerCases returns the ids of a diner's cases, newest first.
	DinerCases(ctx context.Context, brandID, key string) ([]string, error)
}

// Sender renders and sends case notices.
type Sender struct {
	mail    mailer
	dir     directory
	cards   cardReader
	history history
	signer  *link.Signer
	baseURL string
	ttl     time.Duration
}

// New returns a Sender. baseURL is the public URL the links point at; ttl is
// how long they work.
func New(m mailer, dir directory, cards cardReader, h history, signer *link.Signer, baseURL string, ttl time.Duration) *Sender {
	return &Sender{mail: m, dir: dir, cards: cards, history: h, signer: signer, baseURL: baseURL, ttl: ttl}
}

// view is what the e-mail shows: the HTML part (email.templ) and the text
// part (text.go).
type view struct {
	Lang       i18n.Lang
	Kind       string
	Subject    string
	Intro      string
	Severity   string
	NoContact  bool
	DinerName  string
	Phone      string
	TelURL     string
	Cards      []cardView
	Reasons    []string
	Visits     string
	PriorCases string
	Due        string
	Level      int
	LevelText  string
	AckURL     string
	OpenURL    string
	BrandName  string
	StoreName  string
	LinksWork  string
	t          func(string) string
}

type cardView struct {
	VisitDate, Meal, Table, Server, Comment, NPS string
	Ratings                                      []Rating
}

// T translates a key in the notice's language.
func (v view) T(key string) string { return v.t(key) }

// SendNotice renders notice n of case k and sends it. It returns SES's
// message id; SES's errors keep their fault code (Unavailable may be
// retried).
func (s *Sender) SendNotice(ctx context.Context, n casework.Notice, k casework.Case) (string, error) {
	msg, err := s.Render(ctx, n, k)
	if err != nil {
		return "", err
	}
	id, err := s.mail.Send(ctx, msg)
	if err != nil {
		return "", fmt.Errorf("send %s notice of case %s: %w", n.Kind, k.ID, err)
	}
	return id, nil
}

// Render builds the e-mail for a notice without sending it.
func (s *Sender) Render(ctx context.Context, n casework.Notice, k casework.Case) (mail.Message, error) {
	st, err := s.dir.Store(ctx, k.StoreID)
	if err != nil {
		return mail.Message{}, fmt.Errorf("render %s notice of case %s: store: %w", n.Kind, k.ID, err)
	}
	lang := st.Language
	t := func(key string) string { return i18n.T(lang, key, nil) }
	v := view{Lang: lang, Kind: n.Kind, NoContact: k.NoContact, Level: n.Level, StoreName: st.DisplayName(lang), t: t,
		Severity: t("case.severity." + string(k.Severity)), DinerName: DinerName(k, lang)}
	if b, err := s.dir.Brand(ctx, k.BrandID); err == nil {
		v.BrandName = b.Name[lang]
	} else if fault.CodeOf(err) != fault.NotFound {
		return mail.Message{}, fmt.Errorf("render %s notice of case %s: brand: %w", n.Kind, k.ID, err)
	}
	v.Phone, v.TelURL = Tel(k)
	if v.Due, err = LocalTime(k.DueAt, st); err != nil {
		return mail.Message{}, fmt.Errorf("render %s notice of case %s: %w", n.Kind, k.ID, err)
	}
	if n.Kind == casework.NoticeEscalation || n.Kind == casework.NoticeReminder {
		v.LevelText = i18n.T(lang, "case.level."+strconv.Itoa(min(max(n.Level, 1), 2)), nil)
	}
	rules, err := s.dir.Rules(ctx, k.BrandID, k.StoreID)
	if err != nil {
		return mail.Message{}, fmt.Errorf("render %s notice of case %s: rules: %w", n.Kind, k.ID, err)
	}
	var cards []card.Card
	for _, id := range k.CardIDs {
		c, err := s.cards.Card(ctx, id)
		if err != nil {
			return mail.Message{}, fmt.Errorf("render %s notice of case %s: card %s: %w", n.Kind, k.ID, id, err)
		}
		cards = append(cards, c)
		cv := cardView{VisitDate: c.VisitDate, Table: c.Table, Server: c.Server, Comment: c.Comment, Ratings: Ratings(c, st, rules, lang)}
		if c.Meal != "" {
			cv.Meal = t("card.meal." + c.Meal)
		}
		if c.NPS != nil {
			cv.NPS = strconv.Itoa(*c.NPS)
		}
		v.Cards = append(v.Cards, cv)
	}
	v.Reasons = Reasons(k, lang)
	if k.DinerKey != "" {
		p, err := s.history.Diner(ctx, k.BrandID, k.DinerKey)
		if err != nil && fault.CodeOf(err) != fault.NotFound {
			return mail.Message{}, fmt.Errorf("render %s notice of case %s: diner: %w", n.Kind, k.ID, err)
		}
		v.Visits = Visits(p, lang)
		ids, err := s.history.DinerCases(ctx, k.BrandID, k.DinerKey)
		if err != nil {
			return mail.Message{}, fmt.Errorf("render %s notice of case %s: diner's cases: %w", n.Kind, k.ID, err)
		}
		v.PriorCases = i18n.T(lang, "case.priorCases", map[string]string{"n": strconv.Itoa(len(Earlier(ids, k.ID)))})
	}
	// Only the store manager acknowledges: the case page acts in their name,
	// and the time to acknowledge is the store's number, so an area manager
	// or operations gets the link that opens the case, not the one that
	// acknowledges it.
	if n.Kind == casework.NoticeAlert || n.Kind == casework.NoticeReminder {
		v.AckURL = s.link(k.ID, "ack")
	}
	v.OpenURL = s.link(k.ID, "open")
	v.LinksWork = i18n.T(lang, "case.linksExpire", map[string]string{"days": strconv.Itoa(max(1, int(s.ttl.Round(24*time.Hour)/(24*time.Hour))))})
	v.Subject = i18n.T(lang, "case.subject."+n.Kind, map[string]string{
		"severity": v.Severity, "store": v.StoreName, "diner": v.DinerName, "level": strconv.Itoa(n.Level), "what": what(k, cards, rules, lang),
	})
	if k.NoContact {
		v.Subject += t("case.subject.noContact")
	}
	v.Intro = t("case.intro." + n.Kind)
	if n.Kind == casework.NoticeAssigned {
		v.Intro = i18n.T(lang, "case.intro.assigned", map[string]string{"by": k.AssignedBy})
	}

	var html strings.Builder
	if err := emailHTML(v).Render(ctx, &html); err != nil {
		return mail.Message{}, fmt.Errorf("render %s notice of case %s as HTML: %w", n.Kind, k.ID, err)
	}
	return mail.Message{
		To: []string{n.To}, Subject: v.Subject, HTML: html.String(), Text: emailText(v),
		Headers: map[string]string{"X-Cardloop-Case": k.ID, "X-Cardloop-Notice": n.Kind},
		Tags:    map[string]string{"kind": "case-" + n.Kind, "store": k.StoreID},
	}, nil
}

// link is a signed one-click link to the case page.
func (s *Sender) link(caseID, action string) string {
	return s.baseURL + "/k/" + url.PathEscape(caseID) + "?" + s.signer.Query(caseID, action, s.ttl).Encode()
}

// what says in a few words why the diner's card called for a case, for the
// subject: a poor score if there is one, else the keyword the comment used.
func what(k casework.Case, cards []card.Card, rules triage.Rules, lang i18n.Lang) string {
	for _, c := range cards {
		for _, score := range c.Ratings {
			if rules.Low(score) {
				return i18n.T(lang, "case.what.rated", nil)
			}
		}
	}
	for _, r := range k.Reasons {
		if r.Rule == "keyword" {
			return i18n.T(lang, "case.what.keyword", map[string]string{"detail": r.Detail})
		}
	}
	return i18n.T(lang, "case.what.rated", nil)
}

// DinerName is the diner's name as they gave it, or words for an anonymous
// guest.
func DinerName(k casework.Case, lang i18n.Lang) string {
	if k.DinerName != "" {
		return k.DinerName
	}
	return i18n.T(lang, "case.anonymous", nil)
}

// Tel returns the number to call and its tel: link, or nothing when the
// case is no-contact (no consent or no phone) or the number is not E.164
// ("tel:+" followed by digits only, so the link needs no escaping).
func Tel(k casework.Case) (string, string) {
	if k.NoContact || !isE164(k.DinerPhone) {
		return "", ""
	}
	return k.DinerPhone, "tel:" + k.DinerPhone
}

func isE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// LocalTime formats an instant in the store's time zone, naming the zone.
func LocalTime(at time.Time, st brand.Store) (string, error) {
	loc, err := st.Location()
	if err != nil {
		return "", err
	}
	return at.In(loc).Format("2006-01-02 15:04") + " (" + st.TimeZone + ")", nil
}

// Reasons puts why triage opened the case into words, each once: an
// overall score of 1 is both a low rating and the overall rule, said once.
func Reasons(k casework.Case, lang i18n.Lang) []string {
	var out, said []string
	for _, r := range k.Reasons {
		fact := r.Rule + ":" + r.Detail
		if r.Rule == "overall" {
			fact = "low_rating:overall"
		}
		text := i18n.T(lang, "case.reason."+r.Rule, map[string]string{"detail": reasonDetail(r, lang)})
		if !slices.Contains(out, text) && !slices.Contains(said, fact) {
			out, said = append(out, text), append(said, fact)
		}
	}
	return out
}

func reasonDetail(r triage.Reason, lang i18n.Lang) string {
	if r.Rule == "low_rating" {
		return ItemName(r.Detail, lang)
	}
	return r.Detail
}

// ItemName is a rated item's name in lang (the item's own id when the
// catalogue has no name for it).
func ItemName(item string, lang i18n.Lang) string {
	if name := i18n.T(lang, "card.item."+item, nil); name != "card.item."+item {
		return name
	}
	return item
}

// Rating is one score of a card, with its item named and low ones marked.
type Rating struct {
	Item  string
	Score int
	Low   bool // low by the store's triage rules (triage.Rules.Low)
}

// Ratings returns every rating of a card in the order the store's card asks
// them, items the store no longer rates last; the store's rules say which
// are low.
func Ratings(c card.Card, st brand.Store, rules triage.Rules, lang i18n.Lang) []Rating {
	order := st.RatedItems()
	items := make([]string, 0, len(c.Ratings))
	for item := range c.Ratings {
		items = append(items, item)
	}
	rank := func(item string) int {
		if i := slices.Index(order, item); i >= 0 {
			return i
		}
		return len(order)
	}
	sort.Slice(items, func(i, j int) bool {
		if ri, rj := rank(items[i]), rank(items[j]); ri != rj {
			return ri < rj
		}
		return items[i] < items[j]
	})
	out := make([]Rating, 0, len(items))
	for _, item := range items {
		score := c.Ratings[item]
		out = append(out, Rating{Item: ItemName(item, lang), Score: score, Low: rules.Low(score)})
	}
	return out
}

// Visits says how often the diner came and since when; a zero profile (no
// history) says nothing.
func Visits(p diner.Profile, lang i18n.Lang) string {
	switch {
	case p.Visits == 0:
		return ""
	case p.Visits == 1:
		return i18n.T(lang, "case.firstVisit", nil)
	}
	return i18n.T(lang, "case.visits", map[string]string{"n": strconv.Itoa(p.Visits), "first": p.FirstVisitDate})
}

// Earlier returns a diner's case ids other than this one.
func Earlier(ids []string, this string) []string {
	return slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == this })
}
