package console

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/privacy"
	"github.com/cardloop/cardloop/shared/staff"
)

//go:embed static
var consoleFiles embed.FS

// consoleReader reads what the console shows.
type consoleReader interface {
	// Store returns a store, or a fault.NotFound error.
	Store(ctx context.Context, id string) (brand.Store, error)
	// Stores returns every store of a brand, ordered by id.
	Stores(ctx context.Context, brandID string) ([]brand.Store, error)
	// CardsByStore returns a store's cards visited between from and to
	// (inclusive, YYYY-MM-DD), newest first, a page at a time.
	CardsByStore(ctx context.Context, q card.StoreQuery) (card.Page, error)
	// Card returns a card, or a fault.NotFound error.
	Card(ctx context.Context, id string) (card.Card, error)
}

// Handler serves the staff console: its static pages under /console/
// (which hold no data) and the signed-in API under /api/v1 that they call.
type Handler struct {
	data      consoleReader
	cases     caseReader
	desk      campaignDesk
	reviews   reviewDesk
	crops     cropReader
	paper     paperDesk
	digests   digestPrefs // WithDigestPrefs
	insight   reportReader
	signinURL string
	brandID   string
	log       *slog.Logger
	mux       *http.ServeMux

	// Set by WithExports and WithComments.
	exports     exporter
	transcriber transcriber
	// Set by WithBrandInsight.
	brandInsight brandReporter
	// Set by WithPrivacy.
	privacy privacyDesk
	// Set by WithNeedToKnow.
	audit auditLog
	hash  privacy.Hasher
	// Set by WithCases.
	caseDesk caseDesk
	inbox    inboxReader
	phone    phoneNormalizer
}

// NewHandler returns the console's HTTP handler. signinURL is where a
// signed-out browser is sent (Cognito's hosted sign-in, or the local one);
// defaultBrand is the brand of staff whose token names none. reviews is the
// review queue of scanned cards, crops the bucket holding their images.
func NewHandler(data consoleReader, cases caseReader, desk campaignDesk, reviews reviewDesk, crops cropReader, signinURL, defaultBrand string, log *slog.Logger) *Handler {
	h := &Handler{data: data, cases: cases, desk: desk, reviews: reviews, crops: crops, signinURL: signinURL, brandID: defaultBrand, log: log, mux: http.NewServeMux()}
	static, _ := fs.Sub(consoleFiles, "static") // "static" is embedded above, so Sub cannot fail
	files := http.StripPrefix("/console/", http.FileServerFS(static))
	h.mux.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusFound)
	})
	h.mux.HandleFunc("GET /console/config.json", h.config)
	h.mux.HandleFunc("GET /console/messages.json", h.messages)
	h.mux.Handle("GET /console/", files)
	h.mux.HandleFunc("GET /api/v1/me", h.signedIn(h.me))
	h.mux.HandleFunc("GET /api/v1/stores", h.signedIn(h.storeList))
	h.mux.HandleFunc("GET /api/v1/stores/{storeId}/cards", h.signedIn(h.storeCards))
	h.mux.HandleFunc("GET /api/v1/cards/{cardId}", h.signedIn(h.card))
	h.mux.HandleFunc("GET /api/v1/stores/{storeId}/cases", h.signedIn(h.storeCases))
	h.mux.HandleFunc("GET /api/v1/stores/{storeId}/case-stats", h.signedIn(h.storeCaseStats))
	h.routeCampaigns()
	h.routeReviews()
	h.routeDigests()
	h.routeInsight()
	h.routeBrandInsight()
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("X-Frame-Options", "DENY")
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) config(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	respond.JSON(w, http.StatusOK, map[string]string{"signinUrl": h.signinURL})
}

// messages serves the console's words (i18n keys starting "console.", and
// the problem, occasion, campaign and case words it shows) in
// the reader's language, for the console's script.
func (h *Handler) messages(w http.ResponseWriter, r *http.Request) {
	lang := i18n.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"), i18n.En)
	out := map[string]string{"lang": string(lang)}
	for _, k := range i18n.Keys() {
		if strings.HasPrefix(k, "console.") || strings.HasPrefix(k, "problem.") || strings.HasPrefix(k, "occasion.") || strings.HasPrefix(k, "campaign.") ||
			strings.HasPrefix(k, "case.") {
			out[k] = i18n.T(lang, k, nil)
		}
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Content-Language", string(lang))
	respond.JSON(w, http.StatusOK, out)
}

type staffHandler func(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang)

// signedIn passes the principal whose claims the JWT authorizer put in the
// request context. The authorizer has already refused unsigned requests; a
// request without claims here means the route was deployed without it, so it
// is refused too. API Gateway's JWT authorizer also takes a bare token (and
// any case of "bearer"), so the header's scheme is checked here again with
// staff.BearerToken: the console answers exactly what the local gateway does.
func (h *Handler) signedIn(next staffHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang := i18n.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"), i18n.En)
		w.Header().Set("Cache-Control", "no-store")
		var p staff.Principal
		ok := false
		if rc, found := core.GetAPIGatewayV2ContextFromContext(r.Context()); found && rc.Authorizer != nil && rc.Authorizer.JWT != nil {
			p, ok = staff.FromClaims(rc.Authorizer.JWT.Claims)
		}
		if _, bearer := staff.BearerToken(r.Header.Get("Authorization")); !bearer {
			ok = false
		}
		if !ok {
			respond.WriteProblem(w, fault.New(fault.Unauthorized, "Sign in to use the console."), lang, h.log)
			return
		}
		if p.Brand == "" {
			p.Brand = h.brandID
		}
		next(w, r, p, lang)
	}
}

func (h *Handler) me(w http.ResponseWriter, r *http.Request, p staff.Principal, _ i18n.Lang) {
	respond.JSON(w, http.StatusOK, struct {
		staff.Principal
		AllStores bool `json:"allStores"`
	}{p, p.SeesAllStores()})
}

func (h *Handler) storeList(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	all, err := h.data.Stores(r.Context(), p.Brand)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	visible := make([]brand.Store, 0, len(all))
	for _, s := range all {
		if p.CanSeeStore(s.ID) {
			visible = append(visible, s)
		}
	}
	respond.JSON(w, http.StatusOK, map[string]any{"stores": visible})
}

func (h *Handler) storeCards(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	id := r.PathValue("storeId")
	st, ok := h.visibleStore(w, r, p, lang, id)
	if !ok {
		return
	}
	q, err := storeQuery(st, r)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	page, err := h.data.CardsByStore(r.Context(), q)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	links, err := h.caseLinks(r.Context(), page.Cards)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	how := contactsFor(p, id)
	cards := make([]linkedCard, len(page.Cards))
	for i, c := range page.Cards {
		cards[i] = linkedCard{privacy.MaskCard(c, how), links[c.ID]}
	}
	respond.JSON(w, http.StatusOK, map[string]any{
		"storeId": id, "from": q.From, "to": q.To, "cards": cards, "nextCursor": page.Next,
	})
}

// storeQuery reads ?from=&to=&limit=&cursor=; the default is the last seven
// days in the store's time zone.
type cardQuery = card.StoreQuery

func storeQuery(st brand.Store, r *http.Request) (card.StoreQuery, error) {
	today, err := st.Today(time.Now())
	if err != nil {
		return card.StoreQuery{}, err
	}
	qs := r.URL.Query()
	q := card.StoreQuery{
		StoreID: st.ID,
		From:    today.AddDate(0, 0, -6).Format(time.DateOnly),
		To:      today.Format(time.DateOnly),
		Limit:   50,
		Cursor:  qs.Get("cursor"),
	}
	var errs []fault.FieldError
	for name, dst := range map[string]*string{"from": &q.From, "to": &q.To} {
		if v := qs.Get(name); v != "" {
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				errs = append(errs, fault.FieldError{Field: name, Rule: "date"})
				continue
			}
			*dst = v
		}
	}
	if v := qs.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			errs = append(errs, fault.FieldError{Field: "limit", Rule: "one_of", Params: map[string]string{"allowed": "1-200"}})
		}
		q.Limit = n
	}
	if len(errs) > 0 {
		return q, &fault.Error{Code: fault.Invalid, Message: "The query has invalid parameters.", Fields: errs}
	}
	return q, nil
}

// card is GET /api/v1/cards/{cardId}: the card, with its case when it has
// one; a card of a store that is not the reader's, or none, is answered
// with their own stores (notYours, noSuch).
func (h *Handler) card(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	id := r.PathValue("cardId")
	c, err := h.data.Card(r.Context(), id)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		h.noSuch(w, r, p, lang, "card", id)
		return
	case err != nil:
		respond.WriteProblem(w, err, lang, h.log)
		return
	case !p.CanSeeStore(c.StoreID):
		h.notYours(w, r, p, lang, "card", id)
		return
	}
	links, err := h.caseLinks(r.Context(), []card.Card{c})
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	respond.JSON(w, http.StatusOK, linkedCard{privacy.MaskCard(c, contactsFor(p, c.StoreID)), links[c.ID]})
}
