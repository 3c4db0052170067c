package diners

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/triage"
)

// cardSubmitter accepts a card (card.Service).
type cardSubmitter interface {
	// Submit stores a card; see card.Service.Submit for its errors.
	Submit(ctx context.Context, sub card.Submission, m card.Meta) (card.Result, error)
}

// storeFinder looks up a store to draw its card, and its triage rules to
// tell a diner whether to expect a call.
type storeFinder interface {
	// Store returns the store, or a fault.NotFound error.
	Store(ctx context.Context, id string) (brand.Store, error)
	// Rules returns the store's triage rules (the defaults where it sets
	// none).
	Rules(ctx context.Context, brandID, storeID string) (triage.Rules, error)
	// Brand returns the store's brand (whether it asks diners to confirm
	// greetings), or a fault.NotFound error.
	Brand(ctx context.Context, id string) (brand.Brand, error)
}

// CardHandler serves the diner's card: the online form at /c/{storeId} and
// the JSON API at /api/v1/cards.
type CardHandler struct {
	cards   cardSubmitter
	stores  storeFinder
	serials serialChecker
	log     *slog.Logger
	mux     *http.ServeMux
}

// serialChecker verifies a printed card's signed serial (link.Signer).
type serialChecker interface {
	CheckSerial(store, serial string, version int, sig string) error
}

// WithSerials lets the form take a printed card's QR code (?s=serial&v=&k=
// signed): the online answer is then stored under the card's serial, the
// same card the paper would have made. Without it those parameters are
// ignored.
func (h *CardHandler) WithSerials(c serialChecker) *CardHandler {
	h.serials = c
	return h
}

// NewCardHandler returns the card's HTTP handler.
func NewCardHandler(cards cardSubmitter, stores storeFinder, log *slog.Logger) *CardHandler {
	h := &CardHandler{cards: cards, stores: stores, log: log, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /c/{storeId}", h.form)
	h.mux.HandleFunc("POST /c/{storeId}", h.formPost)
	h.mux.HandleFunc("GET /c/{storeId}/thanks", h.thanks)
	h.mux.HandleFunc("POST /api/v1/cards", h.postCard)
	h.mux.HandleFunc("GET /static/card-retry.js", serveScript(retryScript))
	h.mux.HandleFunc("GET /static/card-form.js", serveScript(formScript))
	return h
}

func (h *CardHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	h.mux.ServeHTTP(w, r)
}

// The pages' scripts: the retry page's and the card form's (files, as the
// pages' policy runs no inline script).
var (
	//go:embed static/card-retry.js
	retryScript []byte
	//go:embed static/card-form.js
	formScript []byte
)

// serveScript answers GET /static/…js with script.
func serveScript(script []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(script)
	}
}

// postCard is POST /api/v1/cards: the card as JSON (docs/api.md).
func (h *CardHandler) postCard(w http.ResponseWriter, r *http.Request) {
	lang := i18n.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"), i18n.En)
	body, err := respond.ReadJSON(w, r, card.MaxRequestBody)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	sub, err := card.Decode(body)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	res, err := h.cards.Submit(r.Context(), sub, card.Meta{
		Source:         card.SourceQR,
		IdempotencyKey: r.Header.Get("Idempotency-Key"),
		Language:       langOf(sub.Diner.Language, lang),
		Now:            time.Now(),
	})
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	w.Header().Set("Location", "/api/v1/cards/"+res.Card.ID)
	status := http.StatusCreated
	if !res.Created {
		status = http.StatusOK
		w.Header().Set("Idempotent-Replayed", "true")
	}
	respond.JSON(w, status, map[string]string{"id": res.Card.ID})
}

// langOf is the diner's stated language if they gave one, else the
// negotiated one.
func langOf(stated string, negotiated i18n.Lang) i18n.Lang {
	if l, ok := i18n.Parse(stated); ok {
		return l
	}
	return negotiated
}
