package console

import (
	"context"
	"net/http"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/insight"
	"github.com/cardloop/cardloop/shared/staff"
)

// brandReporter builds a brand's report and store ranking from its
// roll-ups (insight.Rankings).
type brandReporter interface {
	// Report returns the brand's figures over rg and the stores given
	// ranked; it fails only when the roll-ups cannot be read.
	Report(ctx context.Context, brandID string, stores []brand.Store, rg insight.Range, f insight.Filter, t insight.Targets) (insight.BrandReport, error)
}

// WithBrandInsight gives the dashboard its store ranking. Without it the
// brand insight API answers 503.
func (h *Handler) WithBrandInsight(r brandReporter) *Handler {
	h.brandInsight = r
	return h
}

// routeBrandInsight adds the brand insight API.
func (h *Handler) routeBrandInsight() {
	h.mux.HandleFunc("GET /api/v1/brands/{brandId}/insight", h.signedIn(h.brandInsightReport))
}

// Scopes of a brand report: the whole brand, or an area manager's stores.
const (
	scopeBrand = "brand"
	scopeArea  = "area"
)

// brandInsightAnswer is a brand's report (at the top level) with what the
// script needs to name its stores.
type brandInsightAnswer struct {
	insight.BrandReport
	// Scope says whose stores are ranked: "brand" (every store) or "area"
	// (the area manager's; the average is still the whole brand's).
	Scope      string            `json:"scope"`
	StoreNames map[string]string `json:"storeNames"`
	Meal       string            `json:"meal,omitempty"`
	Source     string            `json:"source,omitempty"`
	Targets    insight.Targets   `json:"targets"`
	MinMoverN  int               `json:"minMoverN"`
	Empty      bool              `json:"empty"`
	Lang       i18n.Lang         `json:"lang"`
}

// brandInsightReport is GET /api/v1/brands/{brandId}/insight?from=&to=&meal=&source=&lang=:
// the brand's figures and its stores ranked, for operations, admin and
// marketing (every store) and area managers (their stores, against the
// brand's average); a store manager, or anyone of another brand, gets 403
// (checked first, so it tells them nothing of the brand), an unknown brand
// 404. It reads the brand's roll-ups only and changes nothing.
func (h *Handler) brandInsightReport(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	id := r.PathValue("brandId")
	scope := scopeBrand
	switch {
	case id != p.Brand:
		respond.WriteProblem(w, fault.New(fault.Forbidden, "You may not see brand %s.", id), lang, h.log)
		return
	case p.SeesAllStores():
	case p.Is(staff.AreaManager):
		scope = scopeArea
	default:
		respond.WriteProblem(w, fault.New(fault.Forbidden, "The store ranking is for area managers and operations."), lang, h.log)
		return
	}
	if h.brandInsight == nil {
		respond.WriteProblem(w, fault.New(fault.Unavailable, "The store ranking is not available."), lang, h.log)
		return
	}
	all, err := h.data.Stores(r.Context(), id)
	if err == nil && len(all) == 0 {
		err = fault.New(fault.NotFound, "No brand %s.", id)
	}
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	var ranked []brand.Store
	names := map[string]string{}
	for _, st := range all {
		if p.CanSeeStore(st.ID) {
			ranked = append(ranked, st)
			names[st.ID] = st.DisplayName(lang)
		}
	}
	if len(ranked) == 0 {
		respond.WriteProblem(w, fault.New(fault.Forbidden, "You are responsible for no store of brand %s.", id), lang, h.log)
		return
	}
	// Dates left out default to the first ranked store's calendar.
	q, err := insightQuery(ranked[0], r, time.Now())
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	rep, err := h.brandInsight.Report(r.Context(), id, ranked, q.rg, q.filter, insight.DefaultTargets)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	respond.JSON(w, http.StatusOK, brandInsightAnswer{
		BrandReport: rep, Scope: scope, StoreNames: names, Meal: q.meal, Source: q.source,
		Targets: insight.DefaultTargets, MinMoverN: insight.MinMoverN, Empty: rep.Empty(), Lang: lang,
	})
}
