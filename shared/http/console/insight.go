package console

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/chart"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/insight"
	"github.com/cardloop/cardloop/shared/staff"
)

// reportReader builds a store's dashboard from its stored counters
// (insight.Reports).
type reportReader interface {
	// Report returns the store's figures over rg and the range before it;
	// it fails only when the counters cannot be read.
	Report(ctx context.Context, st brand.Store, rg insight.Range, f insight.Filter, t insight.Targets) (insight.Report, error)
}

// WithInsight gives the dashboard its reports. Without it the dashboard's
// API answers 503.
func (h *Handler) WithInsight(r reportReader) *Handler {
	h.insight = r
	return h
}

// routeInsight adds the dashboard's API.
func (h *Handler) routeInsight() {
	h.mux.HandleFunc("GET /api/v1/stores/{storeId}/insight", h.signedIn(h.storeInsight))
}

// dashboardDays is the default range: the last 30 days, today included.
const dashboardDays = 30

// insightAnswer is the dashboard of one store: the report's figures (at the
// top level), what the script needs to name them, and the charts drawn in
// the reader's language.
type insightAnswer struct {
	insight.Report
	StoreName string            `json:"storeName"`
	Meal      string            `json:"meal,omitempty"`
	Source    string            `json:"source,omitempty"`
	Targets   insight.Targets   `json:"targets"`
	ItemNames map[string]string `json:"itemNames"`
	// Empty says the range holds no card and no case: the dashboard shows
	// an empty state, not zeros.
	Empty      bool                   `json:"empty"`
	Charts     map[string]chart.Drawn `json:"charts"`
	ChartOrder []string               `json:"chartOrder"`
	Lang       i18n.Lang              `json:"lang"`
}

// storeInsight is GET /api/v1/stores/{storeId}/insight?from=&to=&meal=&source=&lang=.
// It reads aggregates only (no card) and changes nothing.
func (h *Handler) storeInsight(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	id := r.PathValue("storeId")
	if !p.CanSeeStore(id) {
		respond.WriteProblem(w, fault.New(fault.Forbidden, "You may not see store %s.", id), lang, h.log)
		return
	}
	if h.insight == nil {
		respond.WriteProblem(w, fault.New(fault.Unavailable, "The dashboard is not available."), lang, h.log)
		return
	}
	st, err := h.data.Store(r.Context(), id)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	q, err := insightQuery(st, r, time.Now())
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	rep, err := h.insight.Report(r.Context(), st, q.rg, q.filter, insight.DefaultTargets)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	names := map[string]string{}
	for _, it := range rep.Figures.Items {
		names[it.Item] = chart.Item(lang, it.Item)
	}
	respond.JSON(w, http.StatusOK, insightAnswer{
		Report: rep, StoreName: st.DisplayName(lang), Meal: q.meal, Source: q.source,
		Targets: insight.DefaultTargets, ItemNames: names, Empty: rep.Empty(),
		Charts: chart.Dashboard(rep, lang), ChartOrder: chart.Order, Lang: lang,
	})
}

type insightParams struct {
	rg           insight.Range
	filter       insight.Filter
	meal, source string
}

// insightQuery reads ?from=&to=&meal=&source=. A date left out defaults to
// the last dashboardDays days ending today in the store's time zone; meal
// is lunch or dinner and source qr, scan or import (both optional). Every
// bad parameter is named in one fault.Malformed (400).
func insightQuery(st brand.Store, r *http.Request, now time.Time) (insightParams, error) {
	today, err := st.Today(now)
	if err != nil {
		return insightParams{}, err
	}
	qs := r.URL.Query()
	var errs []fault.FieldError
	from, to := qs.Get("from"), qs.Get("to")
	for _, f := range []struct{ name, v string }{{"from", from}, {"to", to}} {
		if f.v == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, f.v); err != nil {
			errs = append(errs, fault.FieldError{Field: f.name, Rule: "date"})
		}
	}
	if to == "" {
		to = today.Format(time.DateOnly)
	}
	if from == "" {
		if d, err := time.Parse(time.DateOnly, to); err == nil {
			from = d.AddDate(0, 0, 1-dashboardDays).Format(time.DateOnly)
		}
	}
	p := insightParams{meal: qs.Get("meal"), source: qs.Get("source")}
	if len(errs) == 0 {
		p.rg, err = insight.ParseRange(from, to)
		if err != nil {
			f, _ := time.Parse(time.DateOnly, from)
			t, _ := time.Parse(time.DateOnly, to)
			if t.Before(f) {
				errs = append(errs, fault.FieldError{Field: "to", Rule: "date_order"})
			} else {
				errs = append(errs, fault.FieldError{Field: "from", Rule: "range_days", Params: map[string]string{"max": strconv.Itoa(insight.MaxRangeDays)}})
			}
		}
	}
	oneOf := func(field, v string, allowed []string, dst *[]string) {
		switch {
		case v == "":
		case slices.Contains(allowed, v):
			*dst = []string{v}
		default:
			errs = append(errs, fault.FieldError{Field: field, Rule: "one_of", Params: map[string]string{"allowed": strings.Join(allowed, ", ")}})
		}
	}
	oneOf("meal", p.meal, card.Meals, &p.filter.Meals)
	oneOf("source", p.source, []string{card.SourceQR, card.SourceScan, card.SourceImport}, &p.filter.Sources)
	if len(errs) > 0 {
		return insightParams{}, &fault.Error{Code: fault.Malformed, Message: "The query has invalid parameters.", Fields: errs}
	}
	return p, nil
}
