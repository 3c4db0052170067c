package console

import (
	"context"
	"net/http"
	"strconv"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/staff"
)

// reviewDesk is the review queue of scanned cards (scan.Reviews).
type reviewDesk interface {
	// Queue returns a store's waiting reviews, least confident first.
	Queue(ctx context.Context, storeID string, limit int) ([]scan.Review, error)
	// Get returns a review, or a fault.NotFound error.
	Get(ctx context.Context, id string) (scan.Review, error)
	// Decide settles a review; fault.Conflict when it was decided or
	// changed since version, fault.Invalid naming the bad choices.
	Decide(ctx context.Context, id string, version int, choices map[string]string, by string) (scan.Review, card.Card, error)
}

// cropReader reads the images cropped from scans (s3bucket.Bucket).
type cropReader interface {
	// Get returns an object of at most max bytes, or a fault.NotFound error.
	Get(ctx context.Context, key string, max int64) ([]byte, error)
}

// Review queue limits: the page shows a day's worth of doubtful cards, and
// a crop is a small PNG of one question or box.
const (
	reviewPage = 100
	maxCrop    = 4 << 20
)

// routeReviews adds the review queue's API; staff see the reviews of the
// stores they see.
func (h *Handler) routeReviews() {
	h.mux.HandleFunc("GET /api/v1/stores/{storeId}/reviews", h.signedIn(h.reviewList))
	h.mux.HandleFunc("GET /api/v1/reviews/{id}", h.signedIn(h.reviewGet))
	h.mux.HandleFunc("GET /api/v1/reviews/{id}/crops/{name}", h.signedIn(h.reviewCrop))
	h.mux.HandleFunc("POST /api/v1/reviews/{id}/decision", h.signedIn(h.reviewDecide))
}

func (h *Handler) reviewList(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	id := r.PathValue("storeId")
	if !p.CanSeeStore(id) {
		respond.WriteProblem(w, fault.New(fault.Forbidden, "You may not see store %s.", id), lang, h.log)
		return
	}
	rs, err := h.reviews.Queue(r.Context(), id, reviewPage)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	if rs == nil {
		rs = []scan.Review{}
	}
	respond.JSON(w, http.StatusOK, map[string]any{"storeId": id, "reviews": rs})
}

// visibleReview reads a review the caller may see; one of a store they
// cannot see is not found, so its existence is not disclosed.
func (h *Handler) visibleReview(r *http.Request, p staff.Principal) (scan.Review, error) {
	id := r.PathValue("id")
	rv, err := h.reviews.Get(r.Context(), id)
	if err == nil && !p.CanSeeStore(rv.StoreID) {
		err = fault.New(fault.NotFound, "There is no review %s.", id)
	}
	return rv, err
}

func (h *Handler) reviewGet(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	rv, err := h.visibleReview(r, p)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	w.Header().Set("ETag", `"`+strconv.Itoa(rv.Version)+`"`)
	respond.JSON(w, http.StatusOK, rv)
}

// reviewCrop serves a question's crop (by field name) or a box's (by box
// name). Only keys the review holds are read, so no name reaches another
// object of the bucket.
func (h *Handler) reviewCrop(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	rv, err := h.visibleReview(r, p)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	name := r.PathValue("name")
	key := rv.Crops[name]
	for _, q := range rv.Questions {
		if q.Field == name && q.Crop != "" {
			key = q.Crop
		}
	}
	if key == "" {
		respond.WriteProblem(w, fault.New(fault.NotFound, "Review %s has no image %q.", rv.ID, name), lang, h.log)
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

// decisionInput is a reviewer's decision: the version read and a value per
// question ("" for unanswered).
type decisionInput struct {
	Version *int              `json:"version"`
	Choices map[string]string `json:"choices"`
}

func (h *Handler) reviewDecide(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	var in decisionInput
	err := decodeStrict(w, r, &in)
	if err == nil {
		var bad []fault.FieldError
		if in.Version == nil {
			bad = append(bad, fault.FieldError{Field: "version", Rule: "required"})
		}
		if in.Choices == nil {
			bad = append(bad, fault.FieldError{Field: "choices", Rule: "required"})
		}
		if len(bad) > 0 {
			err = &fault.Error{Code: fault.Invalid, Message: "Send the version you read and your choices.", Fields: bad}
		}
	}
	if err == nil {
		_, err = h.visibleReview(r, p)
	}
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	rv, c, err := h.reviews.Decide(r.Context(), r.PathValue("id"), *in.Version, in.Choices, who(p))
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	w.Header().Set("ETag", `"`+strconv.Itoa(rv.Version)+`"`)
	respond.JSON(w, http.StatusOK, map[string]any{"review": rv, "cardId": c.ID})
}
