// Package mydata serves a diner's "My data" pages (shared/mydata,
// docs/privacy.md "A diner's own requests") on CaseFunction, without
// sign-in:
//
//	GET  /d               the request form (?b=<brand>&lang=)
//	POST /d               mail a one-time link; the same answer whether the address is known or not
//	GET  /d/{token}       the e-mailed link: a page with one button; uses nothing
//	POST /d/{token}       uses the link (once) and shows everything held
//	POST /d/s/view        the page again (its language switch), by the session
//	POST /d/s/export      download: format=json or csv, as an attachment
//	POST /d/s/correct     correct name, birthday, language, e-mail (form, or JSON: problem+json)
//	POST /d/s/withdraw    withdraw consent to greetings
//	POST /d/s/erase       ask to confirm; with confirm=yes, erase everything
//
// A GET never changes anything: mail scanners that fetch every link of an
// e-mail neither use the link nor act. The session the button starts is
// carried in the page's forms (a hidden field), never in a URL.
package mydata

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/page"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/mydata"
	"github.com/cardloop/cardloop/shared/privacy"
)

// desk is mydata.Desk. Errors are fault errors: Invalid (field by field),
// Forbidden wrapping link.ErrInvalid, link.ErrExpired, mydata.ErrUsed or
// mydata.ErrGone, NotFound, Unavailable; anything else is internal.
type desk interface {
	Brand(ctx context.Context, id string) (brand.Brand, error)
	StoreName(ctx context.Context, id string, lang i18n.Lang) string
	Ask(ctx context.Context, brandID string, lang i18n.Lang, address, region string) error
	Peek(ctx context.Context, token string) (mydata.Link, error)
	Start(ctx context.Context, token string) (mydata.Session, error)
	Session(ctx context.Context, token string) (mydata.Session, error)
	View(ctx context.Context, s mydata.Session) (privacy.Data, error)
	Export(ctx context.Context, s mydata.Session) (privacy.Request, privacy.Data, error)
	Correct(ctx context.Context, s mydata.Session, ch privacy.Changes) (privacy.Request, error)
	Withdraw(ctx context.Context, s mydata.Session) error
	Erase(ctx context.Context, token string) (privacy.Receipt, mydata.Link, error)
}

// wrapper puts a handler behind the per-client limit (limit.Limiter).
type wrapper interface {
	Wrap(next http.Handler) http.Handler
}

// Handler serves the pages.
type Handler struct {
	desk         desk
	defaultBrand string
	log          *slog.Logger
	mux          *http.ServeMux
}

// NewHandler returns the handler; perClient limits the request form's
// posts by client; defaultBrand is the brand of a form without one.
func NewHandler(d desk, perClient wrapper, defaultBrand string, log *slog.Logger) *Handler {
	h := &Handler{desk: d, defaultBrand: defaultBrand, log: log, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /d", h.askForm)
	h.mux.Handle("POST /d", perClient.Wrap(http.HandlerFunc(h.ask)))
	h.mux.HandleFunc("GET /d/{token}", h.open)
	h.mux.HandleFunc("POST /d/{token}", h.start)
	h.mux.HandleFunc("POST /d/s/view", h.session(h.view))
	h.mux.HandleFunc("POST /d/s/export", h.session(h.export))
	h.mux.HandleFunc("POST /d/s/correct", h.correct)
	h.mux.HandleFunc("POST /d/s/withdraw", h.session(h.withdraw))
	h.mux.HandleFunc("POST /d/s/erase", h.erase)
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer") // the URL carries the token
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Cache-Control", "no-store")
	h.mux.ServeHTTP(w, r)
}

// maxForm bounds a form's body.
const maxForm = 16 << 10

func (h *Handler) lang(r *http.Request, fallback i18n.Lang) i18n.Lang {
	if l, ok := i18n.Parse(r.PostFormValue("lang")); ok && r.Method == http.MethodPost {
		return l
	}
	if fallback != "" && r.URL.Query().Get("lang") == "" {
		return fallback
	}
	return i18n.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"), i18n.ZhTW)
}

// askPage is the request form.
type askPage struct {
	page.Page
	Action  string
	BrandID string
	Address string
	Error   string
}

func (h *Handler) brandOf(ctx context.Context, id string) (brand.Brand, error) {
	if id == "" {
		id = h.defaultBrand
	}
	return h.desk.Brand(ctx, id)
}

func (h *Handler) askForm(w http.ResponseWriter, r *http.Request) {
	lang := h.lang(r, "")
	b, err := h.brandOf(r.Context(), r.URL.Query().Get("b"))
	if err != nil {
		h.problem(w, r, lang, err)
		return
	}
	h.renderAsk(w, r, http.StatusOK, lang, b, "", "")
}

func (h *Handler) renderAsk(w http.ResponseWriter, r *http.Request, status int, lang i18n.Lang, b brand.Brand, address, errMsg string) {
	name := b.DisplayName(lang)
	p := page.Plain(r, lang, i18n.T(lang, "mydata.title", nil)+" · "+name, name)
	for i := range p.Langs {
		p.Langs[i].URL = "/d?" + url.Values{"b": {b.ID}, "lang": {p.Langs[i].Code}}.Encode()
	}
	page.Render(w, h.log, status, askView(askPage{Page: p, Action: "/d", BrandID: b.ID, Address: address, Error: errMsg}))
}

// regionOf is the country a national phone number is read in, by the
// page's language.
func regionOf(lang i18n.Lang) string {
	if lang == i18n.ZhCN {
		return "CN"
	}
	return "TW"
}

func (h *Handler) ask(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	_ = r.ParseForm()
	lang := h.lang(r, "")
	b, err := h.brandOf(r.Context(), r.PostForm.Get("b"))
	if err != nil {
		h.problem(w, r, lang, err)
		return
	}
	address := r.PostForm.Get("address")
	err = h.desk.Ask(r.Context(), b.ID, lang, address, regionOf(lang))
	if fe, ok := fault.As(err); ok && fe.Code == fault.Invalid && len(fe.Fields) > 0 {
		f := fe.Fields[0]
		h.renderAsk(w, r, http.StatusUnprocessableEntity, lang, b, address, i18n.T(lang, "rule."+f.Rule, f.Params))
		return
	}
	if err != nil {
		h.problem(w, r, lang, err)
		return
	}
	name := b.DisplayName(lang)
	page.Render(w, h.log, http.StatusOK, page.MessagePage(page.Message{
		Page:     page.Plain(r, lang, i18n.T(lang, "mydata.title", nil)+" · "+name, name),
		Subtitle: i18n.T(lang, "mydata.subtitle", nil), Heading: i18n.T(lang, "mydata.title", nil),
		Paragraphs: []string{i18n.T(lang, "mydata.ask.sent", nil)},
	}))
}

// open is GET /d/{token}: checks the link, changes nothing.
func (h *Handler) open(w http.ResponseWriter, r *http.Request) {
	l, err := h.desk.Peek(r.Context(), r.PathValue("token"))
	if err != nil {
		h.problem(w, r, h.lang(r, ""), err)
		return
	}
	lang := h.lang(r, l.Lang)
	name := l.Brand.DisplayName(lang)
	page.Render(w, h.log, http.StatusOK, page.MessagePage(page.Message{
		Page:     page.Plain(r, lang, i18n.T(lang, "mydata.title", nil)+" · "+name, name),
		Subtitle: i18n.T(lang, "mydata.subtitle", nil), Heading: i18n.T(lang, "mydata.title", nil),
		Paragraphs: []string{i18n.T(lang, "mydata.open.intro", nil)},
		FormAction: r.URL.Path + "?lang=" + string(lang), FormButton: i18n.T(lang, "mydata.open.button", nil),
	}))
}

// start is POST /d/{token}: uses the link and shows the data.
func (h *Handler) start(w http.ResponseWriter, r *http.Request) {
	s, err := h.desk.Start(r.Context(), r.PathValue("token"))
	if err != nil {
		h.problem(w, r, h.lang(r, ""), err)
		return
	}
	h.show(w, r, http.StatusOK, s, h.lang(r, s.Lang), "", nil, nil)
}

type sessionHandler func(w http.ResponseWriter, r *http.Request, s mydata.Session, lang i18n.Lang)

// session opens the form's session for next; a bad, expired or ended
// session is a friendly page.
func (h *Handler) session(next sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		_ = r.ParseForm()
		s, err := h.desk.Session(r.Context(), r.PostForm.Get("session"))
		if err != nil {
			h.problem(w, r, h.lang(r, ""), err)
			return
		}
		next(w, r, s, h.lang(r, s.Lang))
	}
}

func (h *Handler) view(w http.ResponseWriter, r *http.Request, s mydata.Session, lang i18n.Lang) {
	h.show(w, r, http.StatusOK, s, lang, "", nil, nil)
}

func (h *Handler) export(w http.ResponseWriter, r *http.Request, s mydata.Session, lang i18n.Lang) {
	format := r.PostForm.Get("format")
	if format != "csv" {
		format = "json"
	}
	req, d, err := h.desk.Export(r.Context(), s)
	var body []byte
	if err == nil {
		if format == "csv" {
			body, err = d.CSV()
		} else {
			body, err = d.JSON()
		}
	}
	if err != nil {
		h.problem(w, r, lang, err)
		return
	}
	h.log.Info("my data downloaded", "request", req.ID, "format", format)
	ctype := "application/json; charset=utf-8"
	if format == "csv" {
		ctype = "text/csv; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="my-data-`+req.ID+`.`+format+`"`)
	_, _ = w.Write(body)
}

// correctBody is POST /d/s/correct as JSON.
type correctBody struct {
	Session string          `json:"session"`
	Lang    string          `json:"lang,omitempty"`
	Changes privacy.Changes `json:"changes"`
}

// correct is POST /d/s/correct: a form from the page (answered with the
// page, errors field by field) or JSON (answered with problem+json).
func (h *Handler) correct(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		h.correctJSON(w, r)
		return
	}
	h.session(h.correctForm)(w, r)
}

func (h *Handler) correctJSON(w http.ResponseWriter, r *http.Request) {
	lang := i18n.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"), i18n.ZhTW)
	raw, err := respond.ReadJSON(w, r, maxForm)
	var b correctBody
	if err == nil {
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if dec.Decode(&b) != nil {
			err = &fault.Error{Code: fault.Invalid, Message: "The body is not a correction.", Fields: []fault.FieldError{{Field: "body", Rule: "malformed"}}}
		}
	}
	if l, ok := i18n.Parse(b.Lang); ok {
		lang = l
	}
	var s mydata.Session
	if err == nil {
		s, err = h.desk.Session(r.Context(), b.Session)
	}
	var req privacy.Request
	if err == nil {
		req, err = h.desk.Correct(r.Context(), s, b.Changes)
	}
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	h.log.Info("my data corrected", "request", req.ID)
	respond.JSON(w, http.StatusOK, map[string]any{"request": req.Receipt()})
}

// changesOf is what the form changes: each field that differs from the
// profile ("" removes it).
func changesOf(f url.Values, p diner.Profile) privacy.Changes {
	var ch privacy.Changes
	set := func(dst **string, name, now string) {
		v := strings.TrimSpace(f.Get(name))
		if _, ok := f[name]; ok && v != now {
			*dst = &v
		}
	}
	set(&ch.Name, "name", p.Name)
	set(&ch.Birthday, "birthday", p.Birthday)
	set(&ch.Email, "email", p.Email)
	set(&ch.Language, "language", p.Language)
	return ch
}

func (h *Handler) correctForm(w http.ResponseWriter, r *http.Request, s mydata.Session, lang i18n.Lang) {
	req, err := h.desk.Correct(r.Context(), s, changesOf(r.PostForm, s.Profile))
	if fe, ok := fault.As(err); ok && fe.Code == fault.Invalid {
		errs := map[string]string{}
		for _, f := range fe.Fields {
			errs[f.Field] = i18n.T(lang, "rule."+f.Rule, f.Params)
		}
		h.show(w, r, http.StatusUnprocessableEntity, s, lang, "", errs, r.PostForm)
		return
	}
	if err != nil {
		h.problem(w, r, lang, err)
		return
	}
	h.log.Info("my data corrected", "request", req.ID)
	if s, err = h.desk.Session(r.Context(), s.Token); err != nil {
		h.problem(w, r, lang, err)
		return
	}
	if l, ok := i18n.Parse(s.Profile.Language); ok && r.PostForm.Get("language") != "" {
		lang = l // the diner chose a language: the page answers in it
	}
	h.show(w, r, http.StatusOK, s, lang, i18n.T(lang, "mydata.correct.done", nil), nil, nil)
}

func (h *Handler) withdraw(w http.ResponseWriter, r *http.Request, s mydata.Session, lang i18n.Lang) {
	if err := h.desk.Withdraw(r.Context(), s); err != nil {
		h.problem(w, r, lang, err)
		return
	}
	s, err := h.desk.Session(r.Context(), s.Token)
	if err != nil {
		h.problem(w, r, lang, err)
		return
	}
	h.show(w, r, http.StatusOK, s, lang, i18n.T(lang, "mydata.withdraw.done", nil), nil, nil)
}

// erase is POST /d/s/erase: without confirm=yes it asks; with it, it
// erases. A session whose diner is already gone is answered as a done
// erasure, the same as any.
func (h *Handler) erase(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	_ = r.ParseForm()
	token := r.PostForm.Get("session")
	if r.PostForm.Get("confirm") != "yes" {
		h.session(func(w http.ResponseWriter, r *http.Request, s mydata.Session, lang i18n.Lang) {
			h.render(w, r, http.StatusOK, s, lang, func(p dataPage) templ.Component { return confirmView(p) })
		})(w, r)
		return
	}
	receipt, l, err := h.desk.Erase(r.Context(), token)
	lang := h.lang(r, "")
	if err != nil {
		h.problem(w, r, lang, err)
		return
	}
	name := l.Brand.DisplayName(lang)
	page.Render(w, h.log, http.StatusOK, page.MessagePage(page.Message{
		Page:     page.Plain(r, lang, i18n.T(lang, "mydata.erase.title", nil)+" · "+name, name),
		Subtitle: i18n.T(lang, "mydata.subtitle", nil), Heading: i18n.T(lang, "mydata.erase.title", nil),
		Paragraphs: []string{i18n.T(lang, "mydata.erase.done", map[string]string{"id": receipt.ID})},
	}))
}

// problem answers a failure with a friendly page in the diner's language.
func (h *Handler) problem(w http.ResponseWriter, r *http.Request, lang i18n.Lang, err error) {
	key, status := "link.page.unavailable", http.StatusServiceUnavailable
	var again bool
	switch {
	case errors.Is(err, mydata.ErrUsed):
		key, status, again = "mydata.link.used", http.StatusGone, true
	case errors.Is(err, mydata.ErrGone):
		key, status = "mydata.gone", http.StatusGone
	case errors.Is(err, link.ErrExpired):
		key, status, again = "link.page.expired", http.StatusGone, true
	case errors.Is(err, link.ErrInvalid):
		key, status = "link.page.invalid", http.StatusForbidden
	case fault.CodeOf(err) == fault.NotFound:
		key, status = "link.page.invalid", http.StatusNotFound
	default:
		h.log.Error("my data request failed", "err", err)
	}
	m := page.Message{
		Page:     page.Plain(r, lang, i18n.T(lang, key, nil), "cardloop"),
		Subtitle: i18n.T(lang, "mydata.subtitle", nil), Heading: i18n.T(lang, key, nil),
	}
	if again {
		m.LinkURL, m.LinkText = "/d?lang="+string(lang), i18n.T(lang, "mydata.link.again", nil)
	}
	if r.Method == http.MethodPost {
		m.Langs = nil // the switch would GET a POST-only address
	}
	page.Render(w, h.log, status, page.MessagePage(m))
}

// row is one line of the profile.
type row struct{ ID, Label, Value string }

// cardRow is one card as the page lists it.
type cardRow struct{ Date, Store, Scores, Comment string }

// formValues are the correction form's fields.
type formValues struct{ Name, Birthday, Email, Language string }

// dataPage is the page of everything held.
type dataPage struct {
	page.Page
	Session     string
	Switch      []page.LangLink
	Profile     []row
	Consents    []string
	Cards       []cardRow
	Cases       []string
	Greetings   []string
	Form        formValues
	Errors      map[string]string
	Notice      string
	CanWithdraw bool
}

// ErrorFields are the fields with errors, in the form's order.
func (p dataPage) ErrorFields() []string {
	var out []string
	for _, f := range []string{"name", "birthday", "email", "language"} {
		if p.Errors[f] != "" {
			out = append(out, f)
		}
	}
	for f := range p.Errors { // a field the form does not show (identity…)
		if !strings.Contains("name birthday email language", f) {
			out = append(out, f)
		}
	}
	return out
}

var langNames = map[string]string{string(i18n.ZhTW): "繁體中文", string(i18n.ZhCN): "简体中文", string(i18n.En): "English"}

// zone is the brand's stores' time (Taiwan, China and Singapore are all
// UTC+8), for the dates the page shows.
func zone(i18n.Lang) *time.Location { return utc8 }

var utc8 = time.FixedZone("UTC+8", 8*3600)

func (h *Handler) basePage(r *http.Request, s mydata.Session, lang i18n.Lang) dataPage {
	name := s.Brand.DisplayName(lang)
	p := dataPage{Page: page.Page{Lang: lang, Title: i18n.T(lang, "mydata.title", nil) + " · " + name, StoreName: name}, Session: s.Token}
	for _, l := range i18n.All {
		p.Switch = append(p.Switch, page.LangLink{Code: string(l), Name: langNames[string(l)]})
	}
	return p
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, s mydata.Session, lang i18n.Lang, view func(dataPage) templ.Component) {
	page.Render(w, h.log, status, view(h.basePage(r, s, lang)))
}

// show renders the data page; form, when given, keeps what the diner typed.
func (h *Handler) show(w http.ResponseWriter, r *http.Request, status int, s mydata.Session, lang i18n.Lang, notice string, errs map[string]string, form url.Values) {
	d, err := h.desk.View(r.Context(), s)
	if err != nil {
		h.problem(w, r, lang, err)
		return
	}
	p := h.basePage(r, s, lang)
	p.Notice, p.Errors = notice, errs
	pr := d.Profile
	t := func(k string) string { return i18n.T(lang, k, nil) }
	for _, f := range []row{{"name", t("mydata.field.name"), pr.Name}, {"phone", t("mydata.field.phone"), pr.Phone}, {"email", t("mydata.field.email"), pr.Email},
		{"birthday", t("mydata.field.birthday"), pr.Birthday}, {"language", t("mydata.field.language"), langNames[pr.Language]},
		{"visits", t("mydata.field.visits"), strconv.Itoa(pr.Visits)}} {
		if f.Value == "" {
			f.Value = "—"
		}
		p.Profile = append(p.Profile, f)
	}
	p.Form = formValues{Name: pr.Name, Birthday: pr.Birthday, Email: pr.Email, Language: pr.Language}
	if form != nil {
		p.Form = formValues{Name: form.Get("name"), Birthday: form.Get("birthday"), Email: form.Get("email"), Language: form.Get("language")}
	}
	day := func(c *diner.Consent) string { return c.At.In(zone(lang)).Format("2006-01-02") }
	if pr.ContactConsent != nil {
		p.Consents = append(p.Consents, day(pr.ContactConsent)+" · "+t("mydata.consent.contact"))
	}
	for _, c := range []struct {
		c   *diner.Consent
		key string
	}{{pr.MarketingConsent, "mydata.consent.given"}, {pr.MarketingConfirmed, "mydata.consent.confirmed"}, {pr.MarketingWithdrawn, "mydata.consent.withdrawn"}} {
		if c.c != nil {
			p.Consents = append(p.Consents, day(c.c)+" · "+t(c.key))
		}
	}
	for _, e := range d.Consents {
		p.Consents = append(p.Consents, e.At.In(zone(lang)).Format("2006-01-02")+" · "+e.Attribute)
	}
	p.CanWithdraw = pr.MarketingConsent != nil && pr.MarketingStatus != diner.MarketingWithdrawn
	names := map[string]string{}
	for _, c := range d.Cards {
		if _, ok := names[c.StoreID]; !ok {
			names[c.StoreID] = h.desk.StoreName(r.Context(), c.StoreID, lang)
		}
		keys := make([]string, 0, len(c.Ratings))
		for k := range c.Ratings {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var scores []string
		for _, k := range keys {
			label := k
			if i18n.Has("card.item." + k) {
				label = t("card.item." + k)
			}
			scores = append(scores, label+" "+strconv.Itoa(c.Ratings[k]))
		}
		if c.NPS != nil {
			scores = append(scores, "NPS "+strconv.Itoa(*c.NPS))
		}
		p.Cards = append(p.Cards, cardRow{Date: c.VisitDate, Store: names[c.StoreID], Scores: strings.Join(scores, " · "), Comment: c.Comment})
	}
	for _, rec := range d.Cases {
		c := rec.Case
		line := t("mydata.case.opened") + " " + c.OpenedAt.In(zone(lang)).Format("2006-01-02") + " · " + t("mydata.case.status") + " " + t("case.status."+string(c.Status))
		if n := len(c.Contacts); n > 0 {
			line += " · " + t("mydata.case.outcome") + " " + t("case.outcome."+string(c.Contacts[n-1].Outcome))
		}
		p.Cases = append(p.Cases, line)
	}
	for _, g := range d.Greetings {
		line := g.Occasion + " · " + g.Status
		if g.SentAt != "" {
			line = g.SentAt[:min(10, len(g.SentAt))] + " · " + line
		}
		p.Greetings = append(p.Greetings, line)
	}
	page.Render(w, h.log, status, dataView(p))
}
