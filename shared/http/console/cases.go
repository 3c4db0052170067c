package console

import (
	"context"
	"net/http"

	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/privacy"
	"github.com/cardloop/cardloop/shared/staff"
)

// caseReader reads a store's cases and their daily numbers.
type caseReader interface {
	// CasesByStore returns cases opened between two days, newest first.
	CasesByStore(ctx context.Context, storeID, from, to string, limit int) ([]casework.Case, error)
	// CaseDays returns the store's daily case numbers.
	CaseDays(ctx context.Context, storeID, from, to string) ([]casework.Day, error)
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
	how := contactsFor(p, q.StoreID)
	for i := range cases {
		cases[i] = privacy.MaskCase(cases[i], how)
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
	respond.JSON(w, http.StatusOK, map[string]any{"storeId": q.StoreID, "from": q.From, "to": q.To, "days": days, "total": casework.Summarise(days)})
}

// storeRange checks the store is the principal's and reads the date range.
func (h *Handler) storeRange(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) (q storeRangeQuery, ok bool) {
	id := r.PathValue("storeId")
	st, ok := h.visibleStore(w, r, p, lang, id)
	if !ok {
		return q, false
	}
	cq, err := storeQuery(st, r)
	q = storeRangeQuery{StoreID: id, From: cq.From, To: cq.To, Limit: cq.Limit}
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
