package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/comments"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/staff"
)

// transcriber types in handwritten comments (comments.Service).
type transcriber interface {
	// Transcribe adds the typed comment to a card the caller may see and
	// has triage judge it: fault.Invalid for a bad comment, fault.Conflict
	// when the card has its comment already or is no paper card.
	Transcribe(ctx context.Context, c card.Card, text, by string) (comments.Transcribed, error)
}

// WithComments adds the Comments view's API: a store's comments, the
// image of a paper card's handwritten comment, and its transcription.
func (h *Handler) WithComments(t transcriber) *Handler {
	h.transcriber = t
	h.mux.HandleFunc("GET /api/v1/stores/{storeId}/comments", h.signedIn(h.ofStore(h.storeComments)))
	h.mux.HandleFunc("GET /api/v1/cards/{cardId}/crops/comment", h.signedIn(h.commentCrop))
	h.mux.HandleFunc("POST /api/v1/cards/{cardId}/transcription", h.signedIn(h.transcribe))
	return h
}

// Comments view limits: a page shows about 50 comments, and one request
// reads at most 10 pages of 200 cards (a quiet filter over a busy range
// answers with a cursor to go on from, not a timeout).
const (
	commentPage     = 50
	commentReadPage = 200
	commentMaxReads = 10
)

// commentView is one card as the Comments view shows it: what was said and
// how it was scored, no diner details.
type commentView struct {
	CardID        string         `json:"cardId"`
	VisitDate     string         `json:"visitDate"`
	SubmittedAt   time.Time      `json:"submittedAt"`
	Meal          string         `json:"meal,omitempty"`
	Source        string         `json:"source"`
	Table         string         `json:"table,omitempty"`
	Ratings       map[string]int `json:"ratings"`
	NPS           *int           `json:"nps,omitempty"`
	Comment       string         `json:"comment,omitempty"`
	Handwritten   bool           `json:"handwritten"`    // a paper card whose comment waits to be typed in
	Crop          string         `json:"crop,omitempty"` // the API path of its comment's image
	TranscribedBy string         `json:"transcribedBy,omitempty"`
	TranscribedAt *time.Time     `json:"transcribedAt,omitempty"`
	caseLink                     // the card's case, when it has one
}

func viewOf(c card.Card) commentView {
	v := commentView{
		CardID: c.ID, VisitDate: c.VisitDate, SubmittedAt: c.SubmittedAt, Meal: c.Meal, Source: c.Source, Table: c.Table,
		Ratings: c.Ratings, NPS: c.NPS, Comment: c.Comment, Handwritten: comments.Handwritten(c),
		TranscribedBy: c.TranscribedBy, TranscribedAt: c.TranscribedAt,
	}
	if _, ok := commentCropKey(c); ok {
		v.Crop = "/api/v1/cards/" + url.PathEscape(c.ID) + "/crops/comment"
	}
	return v
}

// commentCropKey is where the scan of a paper card's comment box is kept,
// for a scanned card whose serial is its id's.
func commentCropKey(c card.Card) (string, bool) {
	if c.Source != card.SourceScan || c.Serial == "" || card.PrintedID(c.StoreID, c.Serial) != c.ID {
		return "", false
	}
	return scan.CropPrefix(c.StoreID, c.Serial) + "comment.png", true
}

// storeComments is GET /api/v1/stores/{storeId}/comments?from=&to=&score=&q=&meal=&source=&cursor=:
// the store's comments by visit date, newest first, with the paper cards
// whose comment waits to be typed in.
func (h *Handler) storeComments(w http.ResponseWriter, r *http.Request, _ staff.Principal, lang i18n.Lang) {
	st, err := h.data.Store(r.Context(), r.PathValue("storeId"))
	var from, to string
	if err == nil {
		from, to, err = dateRange(st, r)
	}
	qs := r.URL.Query()
	var f comments.Filter
	if err == nil {
		f, err = comments.ParseFilter(qs.Get("score"), qs.Get("q"), qs.Get("meal"), qs.Get("source"))
	}
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	out := []commentView{}
	var kept []card.Card
	q := card.StoreQuery{StoreID: st.ID, From: from, To: to, Limit: commentReadPage, Cursor: qs.Get("cursor")}
	next := ""
	for range commentMaxReads {
		page, err := h.data.CardsByStore(r.Context(), q)
		if err != nil {
			respond.WriteProblem(w, err, lang, h.log)
			return
		}
		for _, c := range page.Cards {
			if f.Keeps(c) {
				out = append(out, viewOf(c))
				kept = append(kept, c)
			}
		}
		next = page.Next
		if next == "" || len(out) >= commentPage {
			break
		}
		q.Cursor = next
	}
	links, err := h.caseLinks(r.Context(), kept)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	for i := range out {
		out[i].caseLink = links[out[i].CardID]
	}
	respond.JSON(w, http.StatusOK, map[string]any{"storeId": st.ID, "from": from, "to": to, "comments": out, "nextCursor": next})
}

// visibleCard reads a card the caller may see; one of a store they cannot
// see is not found, so its existence is not disclosed.
func (h *Handler) visibleCard(r *http.Request, p staff.Principal) (card.Card, error) {
	id := r.PathValue("cardId")
	c, err := h.data.Card(r.Context(), id)
	if err == nil && !p.CanSeeStore(c.StoreID) {
		err = fault.New(fault.NotFound, "There is no card %s.", id)
	}
	return c, err
}

// commentCrop is GET /api/v1/cards/{cardId}/crops/comment: the PNG of a
// paper card's comment box as scanned.
func (h *Handler) commentCrop(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	c, err := h.visibleCard(r, p)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	key, ok := commentCropKey(c)
	if !ok {
		respond.WriteProblem(w, fault.New(fault.NotFound, "Card %s has no scanned comment.", c.ID), lang, h.log)
		return
	}
	img, err := h.crops.Get(r.Context(), key, maxCrop)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Header().Set("Content-Length", strconv.Itoa(len(img)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(img)
}
