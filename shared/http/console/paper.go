package console

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/scan/paper"
	"github.com/cardloop/cardloop/shared/staff"
)

// paperDesk prints a store's paper cards and takes its scans (paper.Paper).
type paperDesk interface {
	Print(ctx context.Context, storeID string, count int, w io.Writer) ([]string, error)
	Upload(ctx context.Context, storeID, name string, data []byte) (string, error)
	Pages(ctx context.Context, storeID, key string) ([]scan.PageRecord, error)
}

// WithPaper adds the paper-card routes: print a store's cards (PDF), upload
// a scan, and what became of an upload's pages.
func (h *Handler) WithPaper(p paperDesk) *Handler {
	h.paper = p
	// POST: printing records the print batch (a GET never changes state).
	h.mux.HandleFunc("POST /api/v1/stores/{storeId}/paper-cards", h.signedIn(h.ofStore(h.printCards)))
	h.mux.HandleFunc("POST /api/v1/stores/{storeId}/scans", h.signedIn(h.ofStore(h.uploadScan)))
	h.mux.HandleFunc("GET /api/v1/stores/{storeId}/scans", h.signedIn(h.ofStore(h.scanPages)))
	return h
}

// ofStore refuses staff who may not see the path's store.
func (h *Handler) ofStore(next staffHandler) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
		if id := r.PathValue("storeId"); !p.CanSeeStore(id) {
			respond.WriteProblem(w, fault.New(fault.Forbidden, "You may not see store %s.", id), lang, h.log)
			return
		}
		next(w, r, p, lang)
	}
}

// printCards is POST /api/v1/stores/{storeId}/paper-cards?count=N: a PDF
// of N new cards, each with its own signed serial; their print batch (the
// store's items as printed) is recorded.
func (h *Handler) printCards(w http.ResponseWriter, r *http.Request, _ staff.Principal, lang i18n.Lang) {
	store := r.PathValue("storeId")
	count, err := strconv.Atoi(r.URL.Query().Get("count"))
	if err != nil {
		count = -1 // refused below, with the range
	}
	var pdf bytes.Buffer
	serials, err := h.paper.Print(r.Context(), store, count, &pdf)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+store+`-cards.pdf"`)
	w.Header().Set("X-Card-Serials", serials[0]+".."+serials[len(serials)-1])
	_, _ = w.Write(pdf.Bytes())
}

// uploadScan is POST /api/v1/stores/{storeId}/scans?name=FILE with the file
// as the body; the bucket's event then reads it.
func (h *Handler) uploadScan(w http.ResponseWriter, r *http.Request, _ staff.Principal, lang i18n.Lang) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, paper.MaxConsoleUpload))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		err = fault.New(fault.TooLarge, "A scan uploaded here may be at most %d MB; put bigger batches into the bucket.", paper.MaxConsoleUpload>>20)
	}
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	key, err := h.paper.Upload(r.Context(), r.PathValue("storeId"), r.URL.Query().Get("name"), data)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	respond.JSON(w, http.StatusAccepted, map[string]string{"key": key})
}

// scanPages is GET /api/v1/stores/{storeId}/scans?key=KEY: what became of
// each page of an upload so far.
func (h *Handler) scanPages(w http.ResponseWriter, r *http.Request, _ staff.Principal, lang i18n.Lang) {
	pages, err := h.paper.Pages(r.Context(), r.PathValue("storeId"), r.URL.Query().Get("key"))
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]any{"pages": pages})
}
