package web

import "net/http"

// form is GET /c/{storeId}: the online card. (Being written: see form templates.)
func (h *CardHandler) form(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not yet", http.StatusNotImplemented)
}

// formPost is POST /c/{storeId}: the form's submission.
func (h *CardHandler) formPost(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not yet", http.StatusNotImplemented)
}

// thanks is GET /c/{storeId}/thanks.
func (h *CardHandler) thanks(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not yet", http.StatusNotImplemented)
}
