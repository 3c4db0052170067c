package console

import (
	"context"
	"net/http"

	"github.com/cardloop/cardloop/shared/digest"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/staff"
)

// digestPrefs keeps staff members' choice of summary e-mails
// (digeststore).
type digestPrefs interface {
	// PrefsOf returns a staff member's choice (the zero value, everything
	// on, when they never chose); fault.Unavailable may be retried.
	PrefsOf(ctx context.Context, email string) (digest.Prefs, error)
	// PutPrefs replaces it; fault.Unavailable may be retried.
	PutPrefs(ctx context.Context, email string, p digest.Prefs) error
}

// WithDigestPrefs lets signed-in staff turn their nightly summary and
// weekly digest e-mails off and on (GET/PUT /api/v1/me/digests).
func (h *Handler) WithDigestPrefs(p digestPrefs) *Handler {
	h.digests = p
	return h
}

// routeDigests adds the summary e-mail settings of the signed-in staff
// member; without WithDigestPrefs they answer 503.
func (h *Handler) routeDigests() {
	h.mux.HandleFunc("GET /api/v1/me/digests", h.signedIn(h.digestsGet))
	h.mux.HandleFunc("PUT /api/v1/me/digests", h.signedIn(h.digestsPut))
}

// digestChoice is the API's shape of digest.Prefs; a PUT must give all
// three.
type digestChoice struct {
	DigestsOff *bool `json:"digestsOff"`
	NightlyOff *bool `json:"nightlyOff"`
	WeeklyOff  *bool `json:"weeklyOff"`
}

func (h *Handler) digestStore(p staff.Principal) (digestPrefs, error) {
	switch {
	case h.digests == nil:
		return nil, fault.New(fault.Unavailable, "Summary e-mail settings are not available here.")
	case p.Email == "":
		return nil, fault.New(fault.Forbidden, "Your sign-in has no e-mail address to send summaries to.")
	}
	return h.digests, nil
}

func (h *Handler) digestsGet(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	store, err := h.digestStore(p)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	prefs, err := store.PrefsOf(r.Context(), p.Email)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	respond.JSON(w, http.StatusOK, prefs)
}

func (h *Handler) digestsPut(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	store, err := h.digestStore(p)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	var c digestChoice
	if err := decodeStrict(w, r, &c); err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	var missing []fault.FieldError
	for _, f := range []struct {
		name string
		v    *bool
	}{{"digestsOff", c.DigestsOff}, {"nightlyOff", c.NightlyOff}, {"weeklyOff", c.WeeklyOff}} {
		if f.v == nil {
			missing = append(missing, fault.FieldError{Field: f.name, Rule: "required"})
		}
	}
	if len(missing) > 0 {
		respond.WriteProblem(w, &fault.Error{Code: fault.Invalid, Message: "Say which summary e-mails you want.", Fields: missing}, lang, h.log)
		return
	}
	prefs := digest.Prefs{DigestsOff: *c.DigestsOff, NightlyOff: *c.NightlyOff, WeeklyOff: *c.WeeklyOff}
	if err := store.PutPrefs(r.Context(), p.Email, prefs); err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	respond.JSON(w, http.StatusOK, prefs)
}
