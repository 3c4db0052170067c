package console

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casemail"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/privacy"
	"github.com/cardloop/cardloop/shared/staff"
)

// caseDesk reads and works cases and sends what they owe
// (casework.Service with its e-mail, WithSearch).
type caseDesk interface {
	// Record returns a case with its audit trail, or fault.NotFound.
	Record(ctx context.Context, id string) (casework.Record, error)
	// Act applies an action (assign included): fault.Conflict when the case
	// moved on, fault.Invalid with fields when the action is incomplete.
	Act(ctx context.Context, id string, a casework.Action) (casework.Case, error)
	// Search finds a store's cases through the search index.
	Search(ctx context.Context, storeID string, q casework.Query, limit int) ([]casework.Case, error)
}

// inboxReader reads a store's inbox and which cards have cases (casestore).
type inboxReader interface {
	// Inbox returns a page of a view (open, overdue, resolved) and the
	// next page's cursor.
	Inbox(ctx context.Context, storeID, view string, now time.Time, limit int, cursor string) ([]casework.Case, string, error)
	// InboxCounts counts the open and the overdue cases.
	InboxCounts(ctx context.Context, storeID string, now time.Time) (open, overdue int, err error)
	// ExistingCases returns which ids are cases, with their status.
	ExistingCases(ctx context.Context, ids []string) (map[string]casework.Status, error)
}

// phoneNormalizer reads a number as typed in a store's region, in E.164
// (diner/phone.Normalize).
type phoneNormalizer func(raw, region string) (string, error)

// WithCases adds the Cases inbox (issue 13): a store's open, overdue and
// resolved cases, search, a case's record in words, and working it —
// acknowledge, record a call, resolve, reopen, assign — in the signed-in
// person's name:
//
//	GET  /api/v1/stores/{storeId}/inbox?view=open|overdue|resolved&cursor=
//	GET  /api/v1/stores/{storeId}/cases/search?q=
//	GET  /api/v1/cases/{caseId}
//	POST /api/v1/cases/{caseId}/actions      {"action": "contact", "version": 3, …}
//	POST /api/v1/cases/{caseId}/assignment   {"assignee": "…"}
//
// It also links cards to their cases: the card lists and a card carry
// caseId and caseStatus.
func (h *Handler) WithCases(desk caseDesk, inbox inboxReader, phone phoneNormalizer) *Handler {
	h.caseDesk, h.inbox, h.phone = desk, inbox, phone
	h.mux.HandleFunc("GET /api/v1/stores/{storeId}/inbox", h.signedIn(h.storeInbox))
	h.mux.HandleFunc("GET /api/v1/stores/{storeId}/cases/search", h.signedIn(h.searchCases))
	h.mux.HandleFunc("GET /api/v1/cases/{caseId}", h.signedIn(h.caseRecord))
	h.mux.HandleFunc("POST /api/v1/cases/{caseId}/actions", h.signedIn(h.caseAction))
	h.mux.HandleFunc("POST /api/v1/cases/{caseId}/assignment", h.signedIn(h.caseAssign))
	return h
}

// caseSummary is a case as the inbox lists it: no calls, no diner key, the
// phone masked or hidden (contactsFor).
type caseSummary struct {
	ID           string          `json:"id"`
	StoreID      string          `json:"storeId"`
	Severity     string          `json:"severity"`
	Status       casework.Status `json:"status"`
	NoContact    bool            `json:"noContact"`
	DinerName    string          `json:"dinerName,omitempty"`
	DinerPhone   string          `json:"dinerPhone,omitempty"`
	VisitDate    string          `json:"visitDate"`
	OpenedAt     time.Time       `json:"openedAt"`
	DueAt        time.Time       `json:"dueAt"`
	FirstContact *time.Time      `json:"firstContactAt,omitempty"`
	ResolvedAt   *time.Time      `json:"resolvedAt,omitempty"`
	Level        int             `json:"escalationLevel"`
	AssignedTo   string          `json:"assignedTo,omitempty"`
	Overdue      bool            `json:"overdue"`
	Cards        int             `json:"cards"`
	Reasons      []string        `json:"reasons"`
}

func summaryOf(k casework.Case, how privacy.Contacts, now time.Time, lang i18n.Lang) caseSummary {
	m := privacy.MaskCase(k, how)
	return caseSummary{
		ID: k.ID, StoreID: k.StoreID, Severity: string(k.Severity), Status: k.Status, NoContact: k.NoContact,
		DinerName: m.DinerName, DinerPhone: m.DinerPhone, VisitDate: k.VisitDate, OpenedAt: k.OpenedAt, DueAt: k.DueAt,
		FirstContact: k.FirstContact, ResolvedAt: k.ResolvedAt, Level: k.Level, AssignedTo: k.AssignedTo,
		Overdue: k.Overdue(now), Cards: len(k.UniqueCardIDs()), Reasons: casemail.Reasons(k, lang),
	}
}

// storeInbox is GET /api/v1/stores/{storeId}/inbox.
func (h *Handler) storeInbox(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	st, ok := h.visibleStore(w, r, p, lang, r.PathValue("storeId"))
	if !ok {
		return
	}
	qs := r.URL.Query()
	view := qs.Get("view")
	if view == "" {
		view = "open"
	}
	limit := 50
	var bad []fault.FieldError
	if view != "open" && view != "overdue" && view != "resolved" {
		bad = append(bad, fault.FieldError{Field: "view", Rule: "one_of", Params: map[string]string{"allowed": "open, overdue, resolved"}})
	}
	if v := qs.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			bad = append(bad, fault.FieldError{Field: "limit", Rule: "one_of", Params: map[string]string{"allowed": "1-200"}})
		}
		limit = n
	}
	if len(bad) > 0 {
		respond.WriteProblem(w, &fault.Error{Code: fault.Invalid, Message: "The query has invalid parameters.", Fields: bad}, lang, h.log)
		return
	}
	now := time.Now()
	cases, next, err := h.inbox.Inbox(r.Context(), st.ID, view, now, limit, qs.Get("cursor"))
	var open, overdue int
	if err == nil {
		open, overdue, err = h.inbox.InboxCounts(r.Context(), st.ID, now)
	}
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	how := contactsFor(p, st.ID)
	out := make([]caseSummary, 0, len(cases))
	for _, k := range cases {
		out = append(out, summaryOf(k, how, now, lang))
	}
	respond.JSON(w, http.StatusOK, map[string]any{
		"storeId": st.ID, "view": view, "timeZone": st.TimeZone, "now": now.UTC(),
		"counts": map[string]int{"open": open, "overdue": overdue}, "cases": out, "nextCursor": next,
	})
}

// searchLimit is how many cases a search answers, newest first.
const searchLimit = 50

// searchCases is GET /api/v1/stores/{storeId}/cases/search?q=: the store's
// cases by a phone number (read in the store's region), a name, a card id
// or serial, or words of a comment, through the search index. Readers who
// may not see diners' contacts (contactsFor) search by card and comment
// only.
func (h *Handler) searchCases(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	st, ok := h.visibleStore(w, r, p, lang, r.PathValue("storeId"))
	if !ok {
		return
	}
	text := r.URL.Query().Get("q")
	q, ok := casework.ParseQuery(text, func(raw string) (string, bool) {
		if h.phone == nil {
			return "", false
		}
		e164, err := h.phone(raw, st.Country)
		return e164, err == nil
	})
	how := contactsFor(p, st.ID)
	if how == privacy.Hidden {
		q = q.Without(casework.FieldPhone, casework.FieldTail, casework.FieldName)
	}
	if !ok {
		respond.WriteProblem(w, &fault.Error{Code: fault.Invalid, Message: "Type a phone number, a name, a card id or words to search for.",
			Fields: []fault.FieldError{{Field: "q", Rule: "required"}}}, lang, h.log)
		return
	}
	cases := []casework.Case{}
	if len(q.Alternatives) > 0 {
		var err error
		if cases, err = h.caseDesk.Search(r.Context(), st.ID, q, searchLimit); err != nil {
			respond.WriteProblem(w, err, lang, h.log)
			return
		}
	}
	now := time.Now()
	out := make([]caseSummary, 0, len(cases))
	for _, k := range cases {
		out = append(out, summaryOf(k, how, now, lang))
	}
	// What was typed is not echoed: it may be a diner's number.
	respond.JSON(w, http.StatusOK, map[string]any{"storeId": st.ID, "timeZone": st.TimeZone, "now": now.UTC(), "cases": out})
}

// caseView is a case's record as the console shows it.
type caseView struct {
	Case      casework.Case      `json:"case"`
	Store     storeRef           `json:"store"`
	Overdue   bool               `json:"overdue"`
	Reasons   []string           `json:"reasons"`
	Cards     []cardView         `json:"cards"`
	Trail     []casemail.Entry   `json:"trail"`
	Assignees []brand.Assignee   `json:"assignees"`
	CanWork   bool               `json:"canWork"`
	Outcomes  []casework.Outcome `json:"outcomes"`
	Remedies  []string           `json:"remedies"`
}

// cardView is a card with the time it was written in the store's time.
type cardView struct {
	card.Card
	When string `json:"when"`
}

// storeRef names a store for a reader.
type storeRef struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	TimeZone string `json:"timeZone,omitempty"`
}

// caseRecord is GET /api/v1/cases/{caseId}.
func (h *Handler) caseRecord(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	rec, st, ok := h.visibleCase(w, r, p, lang)
	if !ok {
		return
	}
	h.writeCase(w, r, p, lang, rec, st)
}

func (h *Handler) writeCase(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang, rec casework.Record, st brand.Store) {
	k := rec.Case
	how := contactsFor(p, st.ID)
	loc, err := st.Location()
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	v := caseView{Case: privacy.MaskCase(k, how), Store: storeRef{ID: st.ID, Name: st.DisplayName(lang), TimeZone: st.TimeZone},
		Overdue: k.Overdue(time.Now()), Reasons: casemail.Reasons(k, lang), Cards: []cardView{}, Assignees: st.Assignees(),
		CanWork: p.WorksCasesOf(st.ID), Outcomes: casework.Outcomes, Remedies: casework.RemedyCategories}
	cards := map[string]card.Card{}
	for _, id := range k.UniqueCardIDs() {
		c, err := h.data.Card(r.Context(), id)
		if fault.CodeOf(err) == fault.NotFound {
			continue // a card the case names but the table lost: the record still reads
		}
		if err != nil {
			respond.WriteProblem(w, err, lang, h.log)
			return
		}
		cards[id] = c
		v.Cards = append(v.Cards, cardView{Card: privacy.MaskCard(c, how), When: c.SubmittedAt.In(loc).Format("2006-01-02 15:04")})
	}
	if v.Trail, err = casemail.Trail(rec, st, lang, cards); err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	if how == privacy.Hidden && !v.CanWork {
		withholdFreeText(&v)
	}
	if v.Case.Contacts == nil {
		v.Case.Contacts = []casework.Contact{}
	}
	respond.JSON(w, http.StatusOK, v)
}

// freeText are the trail's fields that hold what staff typed (which may
// name or quote the diner).
var freeText = map[string]bool{"listened": true, "remedy": true, "notes": true, "note": true, "reason": true}

// withholdFreeText keeps what staff typed about the diner from a reader
// who neither sees diners' contacts nor works the store's cases
// (marketing): the outcome of each call, the apology and whether the guest
// was satisfied stay.
func withholdFreeText(v *caseView) {
	for i := range v.Case.Contacts {
		c := &v.Case.Contacts[i]
		c.Listened, c.Remedy, c.Notes = "", "", ""
	}
	for i := range v.Trail {
		kept := v.Trail[i].Fields[:0]
		for _, f := range v.Trail[i].Fields {
			if !freeText[f.Key] {
				kept = append(kept, f)
			}
		}
		v.Trail[i].Fields = kept
	}
}

// caseActionBody is POST /api/v1/cases/{caseId}/actions.
type caseActionBody struct {
	Action         string `json:"action"` // acknowledge, contact, resolve, reopen
	Version        int    `json:"version"`
	Outcome        string `json:"outcome,omitempty"`
	Listened       string `json:"listened,omitempty"`
	ApologyGiven   bool   `json:"apologyGiven,omitempty"`
	RemedyCategory string `json:"remedyCategory,omitempty"`
	Remedy         string `json:"remedy,omitempty"`
	Satisfied      string `json:"satisfied,omitempty"`
	Notes          string `json:"notes,omitempty"`
	Note           string `json:"note,omitempty"` // resolve, reopen
}

// caseAction is POST /api/v1/cases/{caseId}/actions: acknowledge, record a
// call, resolve or reopen, in the signed-in person's name, on the version
// of the case they saw (409 when it moved on). It answers the case's
// record as GET does.
func (h *Handler) caseAction(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	var b caseActionBody
	if err := decodeStrict(w, r, &b); err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	if b.Action != "acknowledge" && b.Action != "contact" && b.Action != "resolve" && b.Action != "reopen" {
		respond.WriteProblem(w, &fault.Error{Code: fault.Invalid, Message: "Say which action to take.",
			Fields: []fault.FieldError{{Field: "action", Rule: "one_of", Params: map[string]string{"allowed": "acknowledge, contact, resolve, reopen"}}}}, lang, h.log)
		return
	}
	h.act(w, r, p, lang, casework.Action{Kind: b.Action, By: who(p), Version: b.Version, Note: b.Note, Contact: casework.Contact{
		Outcome: casework.Outcome(b.Outcome), Listened: b.Listened, ApologyGiven: b.ApologyGiven, RemedyCategory: b.RemedyCategory,
		Remedy: b.Remedy, Satisfied: b.Satisfied, Notes: b.Notes,
	}})
}

// caseAssign is POST /api/v1/cases/{caseId}/assignment {"assignee": "…"}:
// gives the case to one of its store's staff (brand.Store.Assignees), who
// is e-mailed once per assignment; the same request again changes nothing
// and sends nothing. Who assigned it, when, is in the record.
func (h *Handler) caseAssign(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	var b struct {
		Assignee string `json:"assignee"`
	}
	if err := decodeStrict(w, r, &b); err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	h.act(w, r, p, lang, casework.Action{Kind: "assign", By: who(p), Assignee: b.Assignee})
}

func (h *Handler) act(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang, a casework.Action) {
	rec, st, ok := h.visibleCase(w, r, p, lang)
	if !ok {
		return
	}
	if !p.WorksCasesOf(st.ID) {
		respond.WriteProblem(w, fault.New(fault.Forbidden, "Only the store's managers, operations and admins work its cases."), lang, h.log)
		return
	}
	if _, err := h.caseDesk.Act(r.Context(), rec.Case.ID, a); err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	if rec, err := h.caseDesk.Record(r.Context(), rec.Case.ID); err == nil {
		h.writeCase(w, r, p, lang, rec, st)
	} else {
		respond.WriteProblem(w, err, lang, h.log)
	}
}

// visibleCase reads the path's case and its store for p: a case that does
// not exist, or of a store that is not p's, is answered here (noSuch,
// notYours).
func (h *Handler) visibleCase(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) (casework.Record, brand.Store, bool) {
	id := r.PathValue("caseId")
	rec, err := h.caseDesk.Record(r.Context(), id)
	if fault.CodeOf(err) == fault.NotFound {
		h.noSuch(w, r, p, lang, "case", id)
		return rec, brand.Store{}, false
	}
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return rec, brand.Store{}, false
	}
	if !p.CanSeeStore(rec.Case.StoreID) {
		h.notYours(w, r, p, lang, "case", id)
		return rec, brand.Store{}, false
	}
	st, err := h.data.Store(r.Context(), rec.Case.StoreID)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return rec, st, false
	}
	return rec, st, true
}

// visibleStore reads a store p may see: one that is not theirs, or does
// not exist, is answered here.
func (h *Handler) visibleStore(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang, id string) (brand.Store, bool) {
	if !p.CanSeeStore(id) {
		h.notYours(w, r, p, lang, "store", id)
		return brand.Store{}, false
	}
	st, err := h.data.Store(r.Context(), id)
	if fault.CodeOf(err) == fault.NotFound {
		h.noSuch(w, r, p, lang, "store", id)
		return st, false
	}
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return st, false
	}
	return st, true
}

// storeProblem is a problem document that also offers the reader's own
// stores (RFC 9457 lets a problem type add members): what the console
// shows instead of a bare "Not Found" (issue 13, item 3).
type storeProblem struct {
	respond.Problem
	Kind   string     `json:"kind"` // store, case or card
	ID     string     `json:"id"`
	Stores []storeRef `json:"stores"`
}

// notYours answers 403: the store, or the case or card of a store, is not
// one of p's.
func (h *Handler) notYours(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang, kind, id string) {
	h.storeProblem(w, r, p, lang, http.StatusForbidden, fault.Forbidden, "problem.not_yours", "console.notYours."+kind, kind, id)
}

// noSuch answers 404: there is no such store, case or card.
func (h *Handler) noSuch(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang, kind, id string) {
	h.storeProblem(w, r, p, lang, http.StatusNotFound, fault.NotFound, "problem.no_such", "console.missing."+kind, kind, id)
}

func (h *Handler) storeProblem(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang, status int, code fault.Code, title, detail, kind, id string) {
	out := storeProblem{Problem: respond.Problem{Type: respond.ProblemType(code), Status: status,
		Title: i18n.T(lang, title, nil), Detail: i18n.T(lang, detail, map[string]string{"id": id})}, Kind: kind, ID: id, Stores: []storeRef{}}
	if all, err := h.data.Stores(r.Context(), p.Brand); err == nil {
		for _, s := range all {
			if p.CanSeeStore(s.ID) {
				out.Stores = append(out.Stores, storeRef{ID: s.ID, Name: s.DisplayName(lang), TimeZone: s.TimeZone})
			}
		}
	} else {
		h.log.Warn("stores of a problem", "err", err) // the problem is answered without them
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Language", string(lang))
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(out)
}

// caseLinks returns the case of each card that has one, with its status,
// by card id: the case a card would be in (casework.ID, from the card's
// store, diner, id and visit day), checked in one batch read.
func (h *Handler) caseLinks(ctx context.Context, cards []card.Card) (map[string]caseLink, error) {
	out := map[string]caseLink{}
	if h.inbox == nil || len(cards) == 0 {
		return out, nil
	}
	ids := make([]string, len(cards))
	for i, c := range cards {
		ids[i] = casework.ID(c.StoreID, c.Diner.Key, c.ID, c.VisitDate)
	}
	found, err := h.inbox.ExistingCases(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i, c := range cards {
		if st, ok := found[ids[i]]; ok {
			out[c.ID] = caseLink{CaseID: ids[i], CaseStatus: string(st)}
		}
	}
	return out, nil
}

// caseLink is what a card says of its case.
type caseLink struct {
	CaseID     string `json:"caseId,omitempty"`
	CaseStatus string `json:"caseStatus,omitempty"`
}

// linkedCard is a card with its case.
type linkedCard struct {
	card.Card
	caseLink
}
