// Package preferences serves the pages a diner opens from a greeting's
// links: confirming greetings (double opt-in) and unsubscribing, with RFC
// 8058 one-click. The CaseFunction serves them.
package preferences

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/http/page"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/link"
)

// consenter confirms and withdraws greeting consent (greeting.Consent).
type consenter interface {
	Peek(ctx context.Context, token, action string) (greeting.Answer, error)
	Confirm(ctx context.Context, token string) (greeting.Answer, error)
	Unsubscribe(ctx context.Context, token, source string) (greeting.Answer, error)
}

// Handler serves the diner's greeting links, without sign-in:
// the sealed token in the path is the authority.
//
//	GET  /o/{token}  asks to confirm greetings (double opt-in)
//	POST /o/{token}  confirms
//	GET  /u/{token}  asks to unsubscribe
//	POST /u/{token}  unsubscribes at once: the page's button, and the
//	                 one-click POST of RFC 8058 (List-Unsubscribe=One-Click)
//
// GET never changes anything, so link scanners that fetch every URL of an
// e-mail neither confirm nor unsubscribe anyone.
type Handler struct {
	consent consenter
	log     *slog.Logger
	mux     *http.ServeMux
}

// NewHandler returns the handler.
func NewHandler(c consenter, log *slog.Logger) *Handler {
	h := &Handler{consent: c, log: log, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /o/{token}", h.ask("confirm", "optin.page.title", "optin.page.ask", "optin.button"))
	h.mux.HandleFunc("POST /o/{token}", h.confirm)
	h.mux.HandleFunc("GET /u/{token}", h.ask("unsubscribe", "unsubscribe.page.title", "unsubscribe.page.ask", "unsubscribe.page.button"))
	h.mux.HandleFunc("POST /u/{token}", h.unsubscribe)
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer") // the URL carries the token
	w.Header().Set("X-Frame-Options", "DENY")
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) lang(r *http.Request, fallback i18n.Lang) i18n.Lang {
	return i18n.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"), fallback)
}

func (h *Handler) ask(action, titleKey, askKey, buttonKey string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := h.consent.Peek(r.Context(), r.PathValue("token"), action)
		if err != nil {
			h.problem(w, r, err)
			return
		}
		lang := h.lang(r, a.Lang)
		name := a.Brand.DisplayName(lang)
		p := map[string]string{"brand": name}
		page.Render(w, h.log, http.StatusOK, page.MessagePage(page.Message{
			Page:     page.Plain(r, lang, i18n.T(lang, titleKey, nil), name),
			Subtitle: i18n.T(lang, "greeting.subtitle", nil), Heading: i18n.T(lang, titleKey, nil), Paragraphs: []string{i18n.T(lang, askKey, p)},
			FormAction: r.URL.Path + "?lang=" + string(lang), FormButton: i18n.T(lang, buttonKey, nil),
		}))
	}
}

func (h *Handler) confirm(w http.ResponseWriter, r *http.Request) {
	a, err := h.consent.Confirm(r.Context(), r.PathValue("token"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	lang := h.lang(r, a.Lang)
	key := "optin.page.done"
	if a.Result == "withdrawn" {
		key = "optin.page.withdrawn"
	}
	name := a.Brand.DisplayName(lang)
	page.Render(w, h.log, http.StatusOK, page.MessagePage(page.Message{
		Page:     page.Plain(r, lang, i18n.T(lang, "optin.page.title", nil), name),
		Subtitle: i18n.T(lang, "greeting.subtitle", nil), Heading: i18n.T(lang, "optin.page.title", nil), Paragraphs: []string{i18n.T(lang, key, map[string]string{"brand": name})},
	}))
}

func (h *Handler) unsubscribe(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	source := "unsubscribe-page"
	if r.ParseForm() == nil && strings.EqualFold(r.PostForm.Get("List-Unsubscribe"), "One-Click") {
		source = "one-click"
	}
	a, err := h.consent.Unsubscribe(r.Context(), r.PathValue("token"), source)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	lang := h.lang(r, a.Lang)
	name := a.Brand.DisplayName(lang)
	page.Render(w, h.log, http.StatusOK, page.MessagePage(page.Message{
		Page:     page.Plain(r, lang, i18n.T(lang, "unsubscribe.page.title", nil), name),
		Subtitle: i18n.T(lang, "greeting.subtitle", nil), Heading: i18n.T(lang, "unsubscribe.page.title", nil), Paragraphs: []string{i18n.T(lang, "unsubscribe.page.done", map[string]string{"brand": name})},
	}))
}

// problem answers a bad, expired or unserviceable link with a page that
// says so, in the diner's language.
func (h *Handler) problem(w http.ResponseWriter, r *http.Request, err error) {
	lang := h.lang(r, i18n.En)
	key, status := "link.page.unavailable", http.StatusServiceUnavailable
	switch {
	case errors.Is(err, link.ErrExpired):
		key, status = "link.page.expired", http.StatusGone
	case errors.Is(err, link.ErrInvalid):
		key, status = "link.page.invalid", http.StatusForbidden
	case fault.CodeOf(err) == fault.NotFound:
		key, status = "link.page.invalid", http.StatusNotFound
	default:
		h.log.Error("greeting link failed", "err", err)
	}
	page.Render(w, h.log, status, page.MessagePage(page.Message{
		Page:     page.Plain(r, lang, i18n.T(lang, key, nil), "cardloop"),
		Subtitle: i18n.T(lang, "greeting.subtitle", nil), Heading: i18n.T(lang, key, nil),
	}))
}
