package console

import (
	"net/http"

	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/staff"
)

// transcriptionInput is the comment typed from a paper card's scan.
type transcriptionInput struct {
	Comment *string `json:"comment"`
}

// transcribe is POST /api/v1/cards/{cardId}/transcription {"comment": "…"}:
// the comment joins the card, once (a second transcription is a 409), and
// triage judges it. Idempotent in effect: the card's condition lets one
// transcription in, and triage opens one case per diner, store and day.
func (h *Handler) transcribe(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	var in transcriptionInput
	err := decodeStrict(w, r, &in)
	if err == nil && in.Comment == nil {
		err = &fault.Error{Code: fault.Invalid, Message: "Send the comment as written.", Fields: []fault.FieldError{{Field: "comment", Rule: "required"}}}
	}
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	c, err := h.visibleCard(r, p)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	t, err := h.transcriber.Transcribe(r.Context(), c, *in.Comment, who(p))
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	h.log.Info("comment transcribed", "card", c.ID, "store", c.StoreID, "severity", t.Decision.Severity)
	respond.JSON(w, http.StatusOK, map[string]any{
		"cardId": t.Card.ID, "comment": t.Card.Comment, "transcribedBy": t.Card.TranscribedBy, "transcribedAt": t.Card.TranscribedAt,
		"severity": t.Decision.Severity,
	})
}
