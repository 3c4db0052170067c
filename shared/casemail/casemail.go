// Package casemail writes and sends the e-mails a case owes (casework
// notices): the store manager's alert, the area manager's alert, escalations
// and reminders — in the store's language, as HTML and plain text, with a
// tap-to-call link and signed one-click links.
package casemail

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"slices"
	"sort"
	"strconv"
	texttemplate "text/template"
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
	Send(ctx context.Context, m mail.Message) (string, error)
}

// directory finds stores.
type directory interface {
	// Store returns a store or a fault.NotFound error.
	Store(ctx context.Context, id string) (brand.Store, error)
}

// cardReader reads the cards of a case.
type cardReader interface {
	Card(ctx context.Context, id string) (card.Card, error)
}

// history reads what is known of a diner.
type history interface {
	Diner(ctx context.Context, brandID, key string) (diner.Profile, error)
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

// New returns a Sender. baseURL is the public URL the links point at.
func New(m mailer, dir directory, cards cardReader, h history, signer *link.Signer, baseURL string, ttl time.Duration) *Sender {
	return &Sender{mail: m, dir: dir, cards: cards, history: h, signer: signer, baseURL: baseURL, ttl: ttl}
}

// view is what the templates show.
type view struct {
	Lang       i18n.Lang
	Kind       string
	Subject    string
	Intro      string
	Severity   string
	NoContact  bool
	DinerName  string
	Phone      string
	TelURL     htmltemplate.URL // tel: links are not in html/template's safe schemes; the number is E.164, digits only
	Cards      []cardView
	Reasons    []string
	Visits     string
	PriorCases string
	Due        string
	Level      int
	AckURL     string
	OpenURL    string
	StoreName  string
	t          func(string) string
}

type cardView struct {
	VisitDate, Meal, Table, Server, Comment, NPS string
	Ratings                                      []ratingView
}

type ratingView struct {
	Item  string
	Score int
	Low   bool
}

// T translates a key in the notice's language.
func (v view) T(key string) string { return v.t(key) }

// SendNotice renders notice n of case k and sends it. It returns SES's
// message id.
func (s *Sender) SendNotice(ctx context.Context, n casework.Notice, k casework.Case) (string, error) {
	msg, err := s.Render(ctx, n, k)
	if err != nil {
		return "", err
	}
	id, err := s.mail.Send(ctx, msg)
	if err != nil {
		return "", fmt.Errorf("send %s of case %s: %w", n.Kind, k.ID, err)
	}
	return id, nil
}

// Render builds the e-mail for a notice without sending it.
func (s *Sender) Render(ctx context.Context, n casework.Notice, k casework.Case) (mail.Message, error) {
	st, err := s.dir.Store(ctx, k.StoreID)
	if err != nil {
		return mail.Message{}, fmt.Errorf("render %s of case %s: %w", n.Kind, k.ID, err)
	}
	lang := st.Language
	t := func(key string) string { return i18n.T(lang, key, nil) }
	v := view{Lang: lang, Kind: n.Kind, NoContact: k.NoContact, Level: n.Level, StoreName: st.DisplayName(lang), t: t,
		Severity: t("case.severity." + string(k.Severity)), DinerName: k.DinerName}
	if v.DinerName == "" {
		v.DinerName = t("case.anonymous")
	}
	if !k.NoContact && isE164(k.DinerPhone) {
		v.Phone = k.DinerPhone
		v.TelURL = htmltemplate.URL("tel:" + k.DinerPhone)
	}
	loc, err := st.Location()
	if err != nil {
		return mail.Message{}, fmt.Errorf("render case %s: %w", k.ID, err)
	}
	v.Due = k.DueAt.In(loc).Format("2006-01-02 15:04") + " (" + st.TimeZone + ")"
	for _, id := range k.CardIDs {
		c, err := s.cards.Card(ctx, id)
		if err != nil {
			return mail.Message{}, fmt.Errorf("render case %s: card %s: %w", k.ID, id, err)
		}
		v.Cards = append(v.Cards, viewCard(c, st, lang))
	}
	seen := map[string]bool{}
	for _, r := range k.Reasons {
		text := i18n.T(lang, "case.reason."+r.Rule, map[string]string{"detail": reasonDetail(r, lang)})
		if !seen[text] {
			seen[text] = true
			v.Reasons = append(v.Reasons, text)
		}
	}
	if k.DinerKey != "" {
		if p, err := s.history.Diner(ctx, k.BrandID, k.DinerKey); err == nil {
			v.Visits = i18n.T(lang, "case.visits", map[string]string{"n": strconv.Itoa(p.Visits), "first": p.FirstVisitDate})
		} else if fault.CodeOf(err) != fault.NotFound {
			return mail.Message{}, fmt.Errorf("render case %s: diner: %w", k.ID, err)
		}
		ids, err := s.history.DinerCases(ctx, k.BrandID, k.DinerKey)
		if err != nil {
			return mail.Message{}, fmt.Errorf("render case %s: diner cases: %w", k.ID, err)
		}
		prior := slices.DeleteFunc(ids, func(id string) bool { return id == k.ID })
		v.PriorCases = i18n.T(lang, "case.priorCases", map[string]string{"n": strconv.Itoa(len(prior))})
	}
	v.AckURL = s.baseURL + "/k/" + url.PathEscape(k.ID) + "?" + s.signer.Query(k.ID, "ack", s.ttl).Encode()
	v.OpenURL = s.baseURL + "/k/" + url.PathEscape(k.ID) + "?" + s.signer.Query(k.ID, "open", s.ttl).Encode()
	v.Subject = i18n.T(lang, "case.subject."+n.Kind, map[string]string{
		"severity": v.Severity, "store": v.StoreName, "diner": v.DinerName, "level": strconv.Itoa(n.Level),
	})
	if k.NoContact {
		v.Subject += t("case.subject.noContact")
	}
	v.Intro = t("case.intro." + n.Kind)

	var html, text bytes.Buffer
	if err := htmlTmpl.Execute(&html, v); err != nil {
		return mail.Message{}, fmt.Errorf("render case %s html: %w", k.ID, err)
	}
	if err := textTmpl.Execute(&text, v); err != nil {
		return mail.Message{}, fmt.Errorf("render case %s text: %w", k.ID, err)
	}
	return mail.Message{
		To: []string{n.To}, Subject: v.Subject, HTML: html.String(), Text: text.String(),
		Headers: map[string]string{"X-Cardloop-Case": k.ID, "X-Cardloop-Notice": n.Kind},
		Tags:    map[string]string{"kind": "case-" + n.Kind, "store": k.StoreID},
	}, nil
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

func reasonDetail(r triage.Reason, lang i18n.Lang) string {
	if r.Rule == "low_rating" {
		return i18n.T(lang, "card.item."+r.Detail, nil)
	}
	return r.Detail
}

func viewCard(c card.Card, st brand.Store, lang i18n.Lang) cardView {
	v := cardView{VisitDate: c.VisitDate, Table: c.Table, Server: c.Server, Comment: c.Comment}
	if c.Meal != "" {
		v.Meal = i18n.T(lang, "card.meal."+c.Meal, nil)
	}
	if c.NPS != nil {
		v.NPS = strconv.Itoa(*c.NPS)
	}
	order := st.RatedItems()
	items := make([]string, 0, len(c.Ratings))
	for item := range c.Ratings {
		items = append(items, item)
	}
	sort.Slice(items, func(i, j int) bool { return slices.Index(order, items[i]) < slices.Index(order, items[j]) })
	for _, item := range items {
		score := c.Ratings[item]
		v.Ratings = append(v.Ratings, ratingView{Item: i18n.T(lang, "card.item."+item, nil), Score: score, Low: score <= 2})
	}
	return v
}

//go:embed email.html
var htmlSource string

//go:embed email.txt
var textSource string

var (
	htmlTmpl = htmltemplate.Must(htmltemplate.New("email").Parse(htmlSource))
	textTmpl = texttemplate.Must(texttemplate.New("email").Parse(textSource))
)
