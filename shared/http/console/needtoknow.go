package console

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/privacy"
	"github.com/cardloop/cardloop/shared/staff"
)

// auditLog writes and reads the privacy audit log (privacystore).
type auditLog interface {
	// Audit appends an entry; errors are fault.Unavailable.
	Audit(ctx context.Context, e privacy.AuditEntry) error
	// AuditLog returns a brand's entries of one month ("2006-01"), oldest
	// first; errors are fault.Unavailable.
	AuditLog(ctx context.Context, brandID, month string) ([]privacy.AuditEntry, error)
}

// contactsFor is how p sees the diners' phones and e-mails of a store in
// lists: masked for the staff who look after the store, not at all for
// anyone else.
func contactsFor(p staff.Principal, storeID string) privacy.Contacts {
	if p.SeesContactsOf(storeID) {
		return privacy.Masked
	}
	return privacy.Hidden
}

// WithNeedToKnow adds the need-to-know routes (docs/privacy.md "Who sees
// what"); audit is the privacy audit log, hash names diners in it:
//
//	POST /api/v1/cards/{cardId}/reveal  a card's full phone or e-mail, audited
//	GET  /api/v1/privacy/audit?month=   the audit log of a month (admin)
//
// and makes every CSV export that holds the diners' contacts write an
// audit entry too. A reveal is a POST because it writes the audit entry.
func (h *Handler) WithNeedToKnow(audit auditLog, hash privacy.Hasher) *Handler {
	h.audit, h.hash = audit, hash
	h.mux.HandleFunc("POST /api/v1/cards/{cardId}/reveal", h.signedIn(h.revealCard))
	h.mux.HandleFunc("GET /api/v1/privacy/audit", h.signedIn(h.auditMonth))
	return h
}

// revealBody is POST /api/v1/cards/{cardId}/reveal.
type revealBody struct {
	Field  string `json:"field"`  // phone or email
	Reason string `json:"reason"` // one of privacy.RevealReasons
}

func (h *Handler) revealCard(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	var b revealBody
	err := decodeStrict(w, r, &b)
	if err == nil {
		err = checkReveal(b)
	}
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	c, err := h.data.Card(r.Context(), r.PathValue("cardId"))
	if err == nil && !p.SeesContactsOf(c.StoreID) {
		err = fault.New(fault.Forbidden, "Only the store's managers, operations and admin may see a diner's contact details.")
	}
	value := c.Diner.Phone
	if b.Field == "email" {
		value = c.Diner.Email
	}
	if err == nil && value == "" {
		err = fault.New(fault.NotFound, "The diner left no %s on this card.", b.Field)
	}
	if err == nil {
		err = h.audit.Audit(r.Context(), privacy.RevealEntry(h.hash, c.BrandID, c.Diner.Key, who(p), b.Field, c.StoreID, "", c.ID, b.Reason, time.Now()))
	}
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	h.log.Info("contact revealed", "card", c.ID, "field", b.Field, "by", who(p))
	respond.JSON(w, http.StatusOK, map[string]string{"cardId": c.ID, "field": b.Field, b.Field: value})
}

func checkReveal(b revealBody) error {
	var errs []fault.FieldError
	if b.Field != "phone" && b.Field != "email" {
		errs = append(errs, fault.FieldError{Field: "field", Rule: "one_of", Params: map[string]string{"allowed": "phone, email"}})
	}
	if !slices.Contains(privacy.RevealReasons, b.Reason) {
		errs = append(errs, fault.FieldError{Field: "reason", Rule: "one_of", Params: map[string]string{"allowed": strings.Join(privacy.RevealReasons, ", ")}})
	}
	if len(errs) > 0 {
		return &fault.Error{Code: fault.Invalid, Message: "Say which field to show and why.", Fields: errs}
	}
	return nil
}

var monthPattern = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// auditMonth is GET /api/v1/privacy/audit?month=YYYY-MM (default: this
// month, UTC, as the log is partitioned), for admins.
func (h *Handler) auditMonth(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	if !p.ReadsAuditLog() {
		respond.WriteProblem(w, fault.New(fault.Forbidden, "Only admins read the privacy audit log."), lang, h.log)
		return
	}
	month := r.URL.Query().Get("month")
	if month == "" {
		month = time.Now().UTC().Format("2006-01")
	}
	if !monthPattern.MatchString(month) {
		respond.WriteProblem(w, &fault.Error{Code: fault.Malformed, Message: "Ask for month=YYYY-MM.",
			Fields: []fault.FieldError{{Field: "month", Rule: "month"}}}, lang, h.log)
		return
	}
	entries, err := h.audit.AuditLog(r.Context(), p.Brand, month)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	if entries == nil {
		entries = []privacy.AuditEntry{}
	}
	slices.Reverse(entries) // newest first
	respond.JSON(w, http.StatusOK, map[string]any{"month": month, "entries": entries})
}

// auditExport records a CSV export that holds the diners' contacts.
func (h *Handler) auditExport(ctx context.Context, p staff.Principal, storeID, kind, exportID string, rows int) error {
	if h.audit == nil {
		return nil
	}
	return h.audit.Audit(ctx, privacy.AuditEntry{BrandID: p.Brand, At: time.Now(), By: who(p), Action: privacy.ActionCSVExport,
		Detail: map[string]string{"store": storeID, "kind": kind, "export": exportID, "rows": strconv.Itoa(rows)}})
}
