package cases

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casemail"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/page"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/privacy"
	"github.com/cardloop/cardloop/shared/triage"
)

// caseWorker reads and works cases (casework.Service).
type caseWorker interface {
	// Record returns a case and its audit trail, or fault.NotFound.
	Record(ctx context.Context, id string) (casework.Record, error)
	// Act applies an action; fault.Conflict when the case moved on,
	// fault.Invalid with fields when the action is incomplete.
	Act(ctx context.Context, id string, a casework.Action) (casework.Case, error)
	// Rules returns the store's triage rules, which say which ratings are
	// low; errors are the directory's (fault.Unavailable may be retried).
	Rules(ctx context.Context, brandID, storeID string) (triage.Rules, error)
}

// caseData reads what the case page shows besides the case.
type caseData interface {
	Store(ctx context.Context, id string) (brand.Store, error)
	Card(ctx context.Context, id string) (card.Card, error)
}

// CaseHandler serves the case page at /k/{caseId}, reached from the signed
// links of case e-mails. The link is the authority: it names the case and is
// signed and dated, so the page needs no sign-in; every action is done in the
// name of the store manager the link was sent to.
type CaseHandler struct {
	cases  caseWorker
	data   caseData
	signer *link.Signer
	audit  revealAudit // WithReveal
	log    *slog.Logger
	mux    *http.ServeMux
}

// revealAudit writes the privacy audit log (privacystore).
type revealAudit interface {
	// Audit appends an entry; errors are fault.Unavailable.
	Audit(ctx context.Context, e privacy.AuditEntry) error
}

// WithReveal lets the link holder show the diner's full number, each time
// written to the audit log; without it the number stays masked.
func (h *CaseHandler) WithReveal(a revealAudit) *CaseHandler {
	h.audit = a
	return h
}

// NewCaseHandler returns the case page's HTTP handler.
func NewCaseHandler(cases caseWorker, data caseData, signer *link.Signer, log *slog.Logger) *CaseHandler {
	h := &CaseHandler{cases: cases, data: data, signer: signer, log: log, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /k/{caseId}", h.get)
	h.mux.HandleFunc("POST /k/{caseId}", h.post)
	return h
}

func (h *CaseHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer") // the URL carries the link's token
	w.Header().Set("X-Frame-Options", "DENY")
	h.mux.ServeHTTP(w, r)
}

type caseToken struct{ A, E, S string }

func (t caseToken) query() url.Values { return url.Values{"a": {t.A}, "e": {t.E}, "s": {t.S}} }

// check verifies the link's token for the case; ack and open links both
// open the page (an ack link only puts the acknowledge button first).
func (h *CaseHandler) check(id string, q url.Values) (caseToken, error) {
	a := q.Get("a")
	if a != "ack" && a != "open" {
		return caseToken{}, &fault.Error{Code: fault.Forbidden, Message: "This link is not valid.", Err: link.ErrInvalid}
	}
	if _, err := h.signer.Check(id, a, q); err != nil {
		return caseToken{}, err
	}
	return caseToken{A: a, E: q.Get("e"), S: q.Get("s")}, nil
}

func (h *CaseHandler) get(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("caseId")
	tok, err := h.check(id, r.URL.Query())
	if err != nil {
		h.linkProblem(w, r, err)
		return
	}
	rec, st, ok := h.load(w, r, id)
	if !ok {
		return
	}
	lang := i18n.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"), st.Language)
	notice := ""
	if r.URL.Query().Get("done") == "1" {
		notice = i18n.T(lang, "case.page.saved", nil)
	}
	// A GET changes nothing, whatever the link: mail scanners fetch links
	// before the manager reads the e-mail. The acknowledge link shows the page
	// with its Acknowledge button first; the button's POST acknowledges.
	if tok.A == "ack" && notice == "" && rec.Case.Acknowledged != nil {
		notice = i18n.T(lang, "case.page.acknowledged", nil)
	}
	h.show(w, r, http.StatusOK, rec, st, lang, tok, notice, nil)
}

func (h *CaseHandler) post(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("caseId")
	r.Body = http.MaxBytesReader(w, r.Body, card.MaxRequestBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The form could not be read.", http.StatusBadRequest)
		return
	}
	tok, err := h.check(id, r.PostForm)
	if err != nil {
		h.linkProblem(w, r, err)
		return
	}
	rec, st, ok := h.load(w, r, id)
	if !ok {
		return
	}
	lang := i18n.Negotiate(r.PostForm.Get("lang"), r.Header.Get("Accept-Language"), st.Language)
	if r.PostForm.Get("action") == "reveal" {
		h.reveal(w, r, rec, st, lang, tok)
		return
	}
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	a := casework.Action{Kind: r.PostForm.Get("action"), By: st.ManagerEmail, Version: version, Note: r.PostForm.Get("note"),
		Contact: casework.Contact{
			Outcome: casework.Outcome(r.PostForm.Get("outcome")), Listened: r.PostForm.Get("listened"),
			ApologyGiven: r.PostForm.Get("apologyGiven") != "", RemedyCategory: r.PostForm.Get("remedyCategory"),
			Remedy: r.PostForm.Get("remedy"), Satisfied: r.PostForm.Get("satisfied"), Notes: r.PostForm.Get("notes"),
		}}
	_, err = h.cases.Act(r.Context(), id, a)
	switch fault.CodeOf(err) {
	case "":
		q := tok.query()
		q.Set("done", "1")
		q.Set("lang", string(lang))
		http.Redirect(w, r, "/k/"+url.PathEscape(id)+"?"+q.Encode(), http.StatusSeeOther)
	case fault.Conflict:
		if rec, st, ok = h.load(w, r, id); ok {
			h.show(w, r, http.StatusConflict, rec, st, lang, tok, i18n.T(lang, "case.page.stale", nil), nil)
		}
	case fault.Invalid:
		fe, _ := fault.As(err)
		errs := map[string]string{}
		for _, f := range fe.Fields {
			errs[f.Field] = i18n.T(lang, "rule."+f.Rule, f.Params)
		}
		h.show(w, r, http.StatusUnprocessableEntity, rec, st, lang, tok, "", errs)
	default:
		h.failure(w, lang, err)
	}
}

// reveal shows the diner's full number to the link holder, once the reveal
// is in the audit log (who: the manager the link was mailed to; what: the
// phone of the case's diner; why: the reason chosen). The answer is the
// page itself, never a redirect, so the number is in no URL or history.
func (h *CaseHandler) reveal(w http.ResponseWriter, r *http.Request, rec casework.Record, st brand.Store, lang i18n.Lang, tok caseToken) {
	k := rec.Case
	reason := r.PostForm.Get("reason")
	switch {
	case !slices.Contains(privacy.RevealReasons, reason):
		h.show(w, r, http.StatusUnprocessableEntity, rec, st, lang, tok, "", map[string]string{"reveal-reason": i18n.T(lang, "rule.one_of", nil)})
		return
	case k.NoContact || k.DinerPhone == "":
		h.failure(w, lang, fault.New(fault.NotFound, "The case has no number to show."))
		return
	case h.audit == nil:
		h.failure(w, lang, fault.New(fault.Unavailable, "Showing numbers is not set up."))
		return
	}
	e := privacy.RevealEntry(h.signer, k.BrandID, k.DinerKey, "case link: "+st.ManagerEmail, "phone", k.StoreID, k.ID, "", reason, time.Now())
	if err := h.audit.Audit(r.Context(), e); err != nil {
		h.failure(w, lang, err)
		return
	}
	h.log.Info("contact revealed", "case", k.ID, "field", "phone")
	h.showPage(w, r, http.StatusOK, rec, st, lang, tok, i18n.T(lang, "case.reveal.done", nil), nil, true)
}

func (h *CaseHandler) load(w http.ResponseWriter, r *http.Request, id string) (casework.Record, brand.Store, bool) {
	lang := i18n.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"), i18n.En)
	rec, err := h.cases.Record(r.Context(), id)
	if err != nil {
		h.failure(w, lang, err)
		return rec, brand.Store{}, false
	}
	st, err := h.data.Store(r.Context(), rec.Case.StoreID)
	if err != nil {
		h.failure(w, lang, err)
		return rec, st, false
	}
	return rec, st, true
}

// casePage is what the case page (case.templ) shows.
type casePage struct {
	page.Page
	Action, Severity, DinerName, Phone, Due, Status, StatusKey, Notice string
	// AckFirst puts the Acknowledge button first and focused: the manager
	// followed the e-mail's acknowledge link to an open case.
	AckFirst             bool
	TelURL               string
	RevealReasons        []string // empty: the number cannot be revealed here
	NoContact, Escalated bool
	Level, Version       int
	Reasons              []string
	Cards                []caseCard
	// Trail is the record in sentences, with what was typed
	// (casemail.Trail); AssignedTo the staff member working the case.
	Trail               []casemail.Entry
	AssignedTo          string
	Outcomes            []casework.Outcome
	Remedies, Satisfied []string
	Token               caseToken
	Errors              map[string]string
}

type caseCard struct {
	VisitDate, Table, Server, Comment, NPS string
	Ratings                                []caseRating
}

type caseRating struct {
	Item  string
	Score int
	Low   bool
}

// Err returns the message for a field.
func (p casePage) Err(field string) string { return p.Errors[field] }

// ErrorFields are the fields in error, sorted.
func (p casePage) ErrorFields() []string { return slices.Sorted(maps.Keys(p.Errors)) }

// Summary is the card's visit line: date, table, server and NPS, as far as
// the diner gave them.
func (c caseCard) Summary(p page.Page) string {
	s := p.T("case.visit") + " " + c.VisitDate
	if c.Table != "" {
		s += " · " + p.T("case.table") + " " + c.Table
	}
	if c.Server != "" {
		s += " · " + p.T("case.server") + " " + c.Server
	}
	if c.NPS != "" {
		s += " · NPS " + c.NPS
	}
	return s
}

func (h *CaseHandler) show(w http.ResponseWriter, r *http.Request, status int, rec casework.Record, st brand.Store, lang i18n.Lang, tok caseToken, notice string, errs map[string]string) {
	h.showPage(w, r, status, rec, st, lang, tok, notice, errs, false)
}

// showPage renders the case page; the diner's number is masked unless
// revealed (and audited) by this very request.
func (h *CaseHandler) showPage(w http.ResponseWriter, r *http.Request, status int, rec casework.Record, st brand.Store, lang i18n.Lang, tok caseToken, notice string, errs map[string]string, revealed bool) {
	k := rec.Case
	loc, err := st.Location()
	if err != nil {
		h.failure(w, lang, err)
		return
	}
	p := casePage{
		Page:     page.New(r, st, lang, "case.page.title"),
		Action:   "/k/" + url.PathEscape(k.ID),
		Severity: i18n.T(lang, "case.severity."+string(k.Severity), nil), DinerName: k.DinerName,
		Due:    k.DueAt.In(loc).Format("2006-01-02 15:04") + " (" + st.TimeZone + ")",
		Status: i18n.T(lang, "case.status."+string(k.Status), nil), StatusKey: string(k.Status),
		NoContact: k.NoContact, Escalated: k.Escalated(), Level: k.Level, Version: k.Version, Notice: notice,
		Outcomes: casework.Outcomes, Remedies: casework.RemedyCategories,
		Satisfied: []string{casework.SatisfiedYes, casework.SatisfiedNo, casework.SatisfiedUnknown},
		Token:     tok, Errors: errs,
		AckFirst: tok.A == "ack" && k.Status == casework.Open,
	}
	// The language links keep the token, so switching language keeps the page open.
	for i := range p.Langs {
		q := tok.query()
		q.Set("lang", p.Langs[i].Code)
		p.Langs[i].URL = p.Action + "?" + q.Encode()
	}
	if p.DinerName == "" {
		p.DinerName = i18n.T(lang, "case.anonymous", nil)
	}
	switch {
	case k.NoContact || k.DinerPhone == "":
	case revealed && strings.HasPrefix(k.DinerPhone, "+"):
		p.Phone, p.TelURL = k.DinerPhone, "tel:"+k.DinerPhone // E.164 from the card's validation
	default:
		p.Phone = privacy.MaskPhone(k.DinerPhone)
	}
	if h.audit != nil {
		p.RevealReasons = privacy.RevealReasons
	}
	p.Reasons = casemail.Reasons(k, lang) // as the e-mail says them
	rules, err := h.cases.Rules(r.Context(), k.BrandID, k.StoreID)
	if err != nil {
		h.failure(w, lang, err)
		return
	}
	cards := map[string]card.Card{}
	for _, id := range k.UniqueCardIDs() { // each card once, however often it was triaged
		c, err := h.data.Card(r.Context(), id)
		if err != nil {
			h.failure(w, lang, err)
			return
		}
		cards[id] = c
		cc := caseCard{VisitDate: c.VisitDate, Table: c.Table, Server: c.Server, Comment: c.Comment}
		if c.NPS != nil {
			cc.NPS = strconv.Itoa(*c.NPS)
		}
		for _, item := range st.RatedItems() {
			if v, ok := c.Ratings[item]; ok {
				cc.Ratings = append(cc.Ratings, caseRating{Item: i18n.T(lang, "card.item."+item, nil), Score: v, Low: rules.Low(v)})
			}
		}
		p.Cards = append(p.Cards, cc)
	}
	if p.Trail, err = casemail.Trail(rec, st, lang, cards); err != nil {
		h.failure(w, lang, err)
		return
	}
	if a := k.AssignedTo; a != "" {
		p.AssignedTo = a
		if who, ok := st.Assignee(a); ok && who.Name != "" {
			p.AssignedTo = who.Name + " <" + a + ">"
		}
	}
	h.render(w, status, casePageView(p))
}

// linkProblem answers a tampered, foreign or expired link with a clear page
// and changes nothing.
func (h *CaseHandler) linkProblem(w http.ResponseWriter, r *http.Request, err error) {
	lang := i18n.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"), i18n.En)
	title, body, status := "case.page.badLink", "case.page.badLink.body", http.StatusForbidden
	if errors.Is(err, link.ErrExpired) {
		title, body, status = "case.page.expired", "case.page.expired.body", http.StatusGone
	}
	h.render(w, status, page.MessagePage(page.Message{Page: page.Page{Lang: lang, Title: i18n.T(lang, title, nil), StoreName: "cardloop"},
		Heading: i18n.T(lang, title, nil), Paragraphs: []string{i18n.T(lang, body, nil)}}))
}

func (h *CaseHandler) failure(w http.ResponseWriter, lang i18n.Lang, err error) {
	p := respond.ProblemFor(err, lang, h.log)
	m := page.Message{Page: page.Page{Lang: lang, Title: p.Title, StoreName: "cardloop"},
		Subtitle: i18n.T(lang, "case.page.title", nil), Heading: i18n.T(lang, "card.error.title", nil), Paragraphs: []string{p.Title}}
	if p.Status == http.StatusNotFound {
		// A case that does not exist: say so in the reader's language and
		// offer their cases in the console (issue 13, item 3).
		m.Heading, m.Paragraphs = i18n.T(lang, "case.page.notFound", nil), []string{i18n.T(lang, "console.missing.case", nil)}
		m.LinkURL, m.LinkText = "/console/?lang="+string(lang)+"#cases", i18n.T(lang, "case.page.toConsole", nil)
	}
	h.render(w, p.Status, page.MessagePage(m))
}

func (h *CaseHandler) render(w http.ResponseWriter, status int, c templ.Component) {
	page.Render(w, h.log, status, c)
}
