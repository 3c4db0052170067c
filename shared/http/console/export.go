package console

import (
	"context"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/export"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/insight"
	"github.com/cardloop/cardloop/shared/staff"
)

// exporter makes CSV exports (export.Service).
type exporter interface {
	// Export writes and records one export; errors are the storage's and
	// the bucket's (fault.Unavailable may be retried).
	Export(ctx context.Context, req export.Request) (export.Result, error)
}

// WithExports adds GET /api/v1/stores/{storeId}/export: a store's cards or
// cases of a range as CSV, for staff who see the store.
func (h *Handler) WithExports(x exporter) *Handler {
	h.exports = x
	h.mux.HandleFunc("GET /api/v1/stores/{storeId}/export", h.signedIn(h.ofStore(h.storeExport)))
	return h
}

// storeExport is GET /api/v1/stores/{storeId}/export?kind=cards|cases&from=&to=.
// A small export is the response itself (text/csv, an attachment); a big
// one answers JSON with a link to it in the bucket, valid for 15 minutes.
// Recording the export is the only write: an audit entry, as an access
// log would be, which changes nothing the API serves.
func (h *Handler) storeExport(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	st, err := h.data.Store(r.Context(), r.PathValue("storeId"))
	var from, to string
	if err == nil {
		from, to, err = dateRange(st, r)
	}
	kind := r.URL.Query().Get("kind")
	if err == nil && !slices.Contains(export.Kinds, kind) {
		err = &fault.Error{Code: fault.Malformed, Message: "Ask for kind=cards or kind=cases.",
			Fields: []fault.FieldError{{Field: "kind", Rule: "one_of", Params: map[string]string{"allowed": strings.Join(export.Kinds, ", ")}}}}
	}
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	res, err := h.exports.Export(r.Context(), export.Request{
		StoreID: st.ID, Items: st.Items, Kind: kind, From: from, To: to, By: who(p),
		Contacts: export.SeesContacts(p, st.ID), Lang: lang,
	})
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	if res.Contacts {
		// Personal data leaves the system: audited before it is handed over.
		if err := h.auditExport(r.Context(), p, st.ID, kind, res.ID, res.Rows); err != nil {
			respond.WriteProblem(w, err, lang, h.log)
			return
		}
	}
	h.log.Info("export", "export", res.ID, "store", st.ID, "kind", kind, "from", from, "to", to, "rows", res.Rows, "bytes", res.Bytes, "delivery", res.Delivery, "contacts", res.Contacts)
	if res.Delivery == export.Linked {
		respond.JSON(w, http.StatusOK, map[string]any{
			"exportId": res.ID, "url": res.Link, "expiresAt": res.Expires, "filename": res.Filename, "rows": res.Rows, "bytes": res.Bytes,
		})
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": res.Filename}))
	w.Header().Set("Content-Length", strconv.Itoa(len(res.Body)))
	w.Header().Set("X-Export-Id", res.ID)
	w.Header().Set("X-Export-Rows", strconv.Itoa(res.Rows))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(res.Body)
}

// dateRange reads ?from=&to= (YYYY-MM-DD, inclusive): by default the last
// seven days in the store's time zone; refused when a date is malformed,
// from is after to, or the range is over insight.MaxRangeDays days.
func dateRange(st brand.Store, r *http.Request) (from, to string, err error) {
	today, err := st.Today(time.Now())
	if err != nil {
		return "", "", err
	}
	from, to = today.AddDate(0, 0, -6).Format(time.DateOnly), today.Format(time.DateOnly)
	qs := r.URL.Query()
	var bad []fault.FieldError
	for _, f := range []struct {
		name string
		dst  *string
	}{{"from", &from}, {"to", &to}} {
		if v := qs.Get(f.name); v != "" {
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				bad = append(bad, fault.FieldError{Field: f.name, Rule: "date"})
				continue
			}
			*f.dst = v
		}
	}
	if len(bad) == 0 {
		f, _ := time.Parse(time.DateOnly, from)
		t, _ := time.Parse(time.DateOnly, to)
		switch rg := (insight.Range{From: f, To: t}); {
		case t.Before(f):
			bad = append(bad, fault.FieldError{Field: "from", Rule: "date_order"})
		case rg.Len() > insight.MaxRangeDays:
			bad = append(bad, fault.FieldError{Field: "to", Rule: "range_too_long", Params: map[string]string{"max": strconv.Itoa(insight.MaxRangeDays)}})
		}
	}
	if len(bad) > 0 {
		return "", "", &fault.Error{Code: fault.Malformed, Message: "The date range is not valid.", Fields: bad}
	}
	return from, to, nil
}
