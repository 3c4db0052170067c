package console

import (
	"context"
	"net/http"
	"slices"

	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/privacy"
	"github.com/cardloop/cardloop/shared/staff"
)

// privacyDesk answers data-protection requests (privacy.Service). Every
// method's errors are fault errors: Invalid (field by field), NotFound,
// Conflict, Unavailable (retry).
type privacyDesk interface {
	Find(ctx context.Context, brandID, by string, who privacy.Who) (privacy.Lookup, error)
	Export(ctx context.Context, brandID, by, reason string, who privacy.Who) (privacy.Request, privacy.Data, error)
	Correct(ctx context.Context, brandID, by, reason string, who privacy.Who, ch privacy.Changes) (privacy.Request, error)
	Erase(ctx context.Context, brandID, by, reason string, who privacy.Who) (privacy.Request, error)
	Request(ctx context.Context, brandID, id string) (privacy.Request, error)
	Resume(ctx context.Context, brandID, id string) (privacy.Request, error)
	OpenRequests(ctx context.Context, brandID string) ([]privacy.Request, error)
}

// WithPrivacy adds the staff API of data-protection requests, for
// operations and admin only (docs/privacy.md, docs/api.md):
//
//	POST /api/v1/privacy/lookup               find a diner by phone or e-mail (audited)
//	POST /api/v1/privacy/requests             export, correct or erase, with a reason
//	GET  /api/v1/privacy/requests             the open requests, soonest due first
//	GET  /api/v1/privacy/requests/{id}        one request
//	POST /api/v1/privacy/requests/{id}/resume finish an erasure that stopped
//
// A lookup is a POST because it is recorded in the audit log; the GETs
// change nothing.
func (h *Handler) WithPrivacy(d privacyDesk) *Handler {
	h.privacy = d
	h.mux.HandleFunc("POST /api/v1/privacy/lookup", h.signedIn(h.privacyStaff(h.privacyLookup)))
	h.mux.HandleFunc("POST /api/v1/privacy/requests", h.signedIn(h.privacyStaff(h.privacyRequest)))
	h.mux.HandleFunc("GET /api/v1/privacy/requests", h.signedIn(h.privacyStaff(h.privacyOpen)))
	h.mux.HandleFunc("GET /api/v1/privacy/requests/{id}", h.signedIn(h.privacyStaff(h.privacyGet)))
	h.mux.HandleFunc("POST /api/v1/privacy/requests/{id}/resume", h.signedIn(h.privacyStaff(h.privacyResume)))
	return h
}

func (h *Handler) privacyStaff(next staffHandler) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
		if !p.HandlesPrivacy() {
			respond.WriteProblem(w, fault.New(fault.Forbidden, "Only operations and admin staff answer data requests."), lang, h.log)
			return
		}
		next(w, r, p, lang)
	}
}

func (h *Handler) privacyLookup(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	var whom privacy.Who
	if err := decodeStrict(w, r, &whom); err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	found, err := h.privacy.Find(r.Context(), p.Brand, who(p), whom)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	respond.JSON(w, http.StatusOK, found)
}

// privacyRequestBody is POST /api/v1/privacy/requests.
type privacyRequestBody struct {
	Kind    privacy.Kind    `json:"kind"`
	Phone   string          `json:"phone,omitempty"`
	Email   string          `json:"email,omitempty"`
	Region  string          `json:"region,omitempty"`
	Reason  string          `json:"reason"`
	Format  string          `json:"format,omitempty"` // export: json (default) or csv
	Changes privacy.Changes `json:"changes,omitzero"`
}

func (h *Handler) privacyRequest(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	var b privacyRequestBody
	err := decodeStrict(w, r, &b)
	if err == nil && !slices.Contains(privacy.Kinds, b.Kind) {
		err = &fault.Error{Code: fault.Invalid, Message: "Ask for kind export, correct or erase.", Fields: []fault.FieldError{{Field: "kind", Rule: "one_of", Params: map[string]string{"allowed": "export, correct, erase"}}}}
	}
	if err == nil && b.Format != "" && b.Format != "json" && b.Format != "csv" {
		err = &fault.Error{Code: fault.Invalid, Message: "Ask for format json or csv.", Fields: []fault.FieldError{{Field: "format", Rule: "one_of", Params: map[string]string{"allowed": "json, csv"}}}}
	}
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	ctx, whom, by := r.Context(), privacy.Who{Phone: b.Phone, Email: b.Email, Region: b.Region}, who(p)
	switch b.Kind {
	case privacy.Export:
		req, data, err := h.privacy.Export(ctx, p.Brand, by, b.Reason, whom)
		if err != nil {
			respond.WriteProblem(w, err, lang, h.log)
			return
		}
		h.log.Info("privacy export", "request", req.ID, "by", by)
		if b.Format == "csv" {
			body, err := data.CSV()
			if err != nil {
				respond.WriteProblem(w, err, lang, h.log)
				return
			}
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="diner-`+req.ID+`.csv"`)
			w.Header().Set("X-Request-Id", req.ID)
			_, _ = w.Write(body)
			return
		}
		respond.JSON(w, http.StatusOK, map[string]any{"request": req, "data": data})
	case privacy.Correct:
		req, err := h.privacy.Correct(ctx, p.Brand, by, b.Reason, whom, b.Changes)
		h.answerRequest(w, req, err, lang)
	case privacy.Erase:
		// A receipt: the same answer whether the diner was known or not.
		req, err := h.privacy.Erase(ctx, p.Brand, by, b.Reason, whom)
		if err != nil {
			respond.WriteProblem(w, err, lang, h.log)
			return
		}
		h.log.Info("privacy request", "request", req.ID, "kind", req.Kind, "status", req.Status)
		respond.JSON(w, http.StatusOK, map[string]any{"request": req.Receipt()})
	}
}

func (h *Handler) answerRequest(w http.ResponseWriter, req privacy.Request, err error, lang i18n.Lang) {
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	h.log.Info("privacy request", "request", req.ID, "kind", req.Kind, "status", req.Status)
	respond.JSON(w, http.StatusOK, map[string]any{"request": req})
}

func (h *Handler) privacyOpen(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	open, err := h.privacy.OpenRequests(r.Context(), p.Brand)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	if open == nil {
		open = []privacy.Request{}
	}
	respond.JSON(w, http.StatusOK, map[string]any{"requests": open})
}

func (h *Handler) privacyGet(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	req, err := h.privacy.Request(r.Context(), p.Brand, r.PathValue("id"))
	h.answerRequest(w, req, err, lang)
}

func (h *Handler) privacyResume(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	req, err := h.privacy.Resume(r.Context(), p.Brand, r.PathValue("id"))
	h.answerRequest(w, req, err, lang)
}
