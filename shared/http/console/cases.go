package console

import (
	"context"
	"net/http"

	"github.com/cardloop/cardloop/shared/aws/dynamo/casestore"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/staff"
)

// caseReader reads a store's cases and their daily numbers.
type caseReader interface {
	// CasesByStore returns cases opened between two days, newest first.
	CasesByStore(ctx context.Context, storeID, from, to string, limit int) ([]casework.Case, error)
	// CaseDays returns the store's daily case numbers.
	CaseDays(ctx context.Context, storeID, from, to string) ([]casestore.CaseDay, error)
}

// CaseStats are the callback numbers of a store over a period, derived from
// the daily tallies (no case is read).
type CaseStats struct {
	casework.Tally
	// ContactedWithinSLAShare is the share of callable cases first contacted
	// before they were due.
	ContactedWithinSLAShare float64 `json:"contactedWithinSlaShare"`
	// FirstContactResolutionShare is the share of resolved cases resolved on
	// their first successful contact.
	FirstContactResolutionShare float64 `json:"firstContactResolutionShare"`
	AvgAckMinutes               float64 `json:"avgAckMinutes"`
	AvgFirstContactMinutes      float64 `json:"avgFirstContactMinutes"`
}

// Summarise adds up daily tallies and derives the shares and averages.
func Summarise(days []casestore.CaseDay) CaseStats {
	var s CaseStats
	for _, d := range days {
		t := d.Tally
		s.OpenedApology += t.OpenedApology
		s.OpenedVisit += t.OpenedVisit
		s.NoContact += t.NoContact
		s.Acknowledged += t.Acknowledged
		s.AckSeconds += t.AckSeconds
		s.FirstContacted += t.FirstContacted
		s.FirstContactSeconds += t.FirstContactSeconds
		s.ContactedWithinSLA += t.ContactedWithinSLA
		s.Resolved += t.Resolved
		s.ResolvedFirstContact += t.ResolvedFirstContact
		s.Reopened += t.Reopened
		s.Escalated += t.Escalated
	}
	ratio := func(a, b int) float64 {
		if b <= 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	s.ContactedWithinSLAShare = ratio(s.ContactedWithinSLA, s.OpenedApology+s.OpenedVisit-s.NoContact)
	s.FirstContactResolutionShare = ratio(s.ResolvedFirstContact, s.Resolved)
	s.AvgAckMinutes = ratio(s.AckSeconds, s.Acknowledged*60)
	s.AvgFirstContactMinutes = ratio(s.FirstContactSeconds, s.FirstContacted*60)
	return s
}

// storeCases is GET /api/v1/stores/{storeId}/cases.
func (h *Handler) storeCases(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	q, ok := h.storeRange(w, r, p, lang)
	if !ok {
		return
	}
	cases, err := h.cases.CasesByStore(r.Context(), q.StoreID, q.From, q.To, q.Limit)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]any{"storeId": q.StoreID, "from": q.From, "to": q.To, "cases": cases})
}

// storeCaseStats is GET /api/v1/stores/{storeId}/case-stats.
func (h *Handler) storeCaseStats(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	q, ok := h.storeRange(w, r, p, lang)
	if !ok {
		return
	}
	days, err := h.cases.CaseDays(r.Context(), q.StoreID, q.From, q.To)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]any{"storeId": q.StoreID, "from": q.From, "to": q.To, "days": days, "total": Summarise(days)})
}

// storeRange checks the store is the principal's and reads the date range.
func (h *Handler) storeRange(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) (q storeRangeQuery, ok bool) {
	id := r.PathValue("storeId")
	if !p.CanSeeStore(id) {
		respond.WriteProblem(w, fault.New(fault.Forbidden, "You may not see store %s.", id), lang, h.log)
		return q, false
	}
	st, err := h.data.Store(r.Context(), id)
	if err == nil {
		var cq cardQuery
		cq, err = storeQuery(st, r)
		q = storeRangeQuery{StoreID: id, From: cq.From, To: cq.To, Limit: cq.Limit}
	}
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return q, false
	}
	return q, true
}

type storeRangeQuery struct {
	StoreID, From, To string
	Limit             int
}
