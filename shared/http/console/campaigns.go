package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/mail"
	"github.com/cardloop/cardloop/shared/occasion"
	"github.com/cardloop/cardloop/shared/privacy"
	"github.com/cardloop/cardloop/shared/staff"
)

// campaignDesk is marketing's campaign work (greeting.Desk).
type campaignDesk interface {
	List(ctx context.Context, brandID string) ([]greeting.Campaign, error)
	Get(ctx context.Context, brandID, id string) (greeting.Campaign, error)
	Create(ctx context.Context, brandID, author string, in greeting.Campaign) (greeting.Campaign, error)
	Edit(ctx context.Context, brandID, id string, version int, next greeting.Campaign) (greeting.Campaign, error)
	Approve(ctx context.Context, brandID, id string, version int, approver string) (greeting.Campaign, error)
	Schedule(ctx context.Context, brandID, id string, version int) (greeting.Campaign, error)
	Submit(ctx context.Context, brandID, id string, version int, by string) (greeting.Campaign, error)
	Review(ctx context.Context, c greeting.Campaign, reader string) (greeting.Review, error)
	Cancel(ctx context.Context, brandID, id string, version int) (greeting.Campaign, error)
	Segment(ctx context.Context, brandID, id string) (greeting.SegmentCount, error)
	Preview(ctx context.Context, brandID, id string, s greeting.Sample) (mail.Message, error)
	TestSend(ctx context.Context, brandID, id string, s greeting.Sample, to string) (string, error)
}

// maxCampaignBody bounds a campaign request (three languages of 5,000
// characters each, in UTF-8, with room to spare).
const maxCampaignBody = 128 << 10

// routeCampaigns adds the campaign API; only marketing and admins may use it.
func (h *Handler) routeCampaigns() {
	m := func(next staffHandler) http.HandlerFunc { return h.signedIn(h.marketing(next)) }
	h.mux.HandleFunc("GET /api/v1/occasions", h.signedIn(h.occasions))
	h.mux.HandleFunc("GET /api/v1/campaigns", m(h.campaignList))
	h.mux.HandleFunc("POST /api/v1/campaigns", m(h.campaignCreate))
	h.mux.HandleFunc("GET /api/v1/campaigns/{id}", m(h.campaignGet))
	h.mux.HandleFunc("PUT /api/v1/campaigns/{id}", m(h.campaignEdit))
	h.mux.HandleFunc("POST /api/v1/campaigns/{id}/{action}", m(h.campaignAction))
	h.mux.HandleFunc("GET /api/v1/campaigns/{id}/segment", m(h.campaignSegment))
}

// marketing refuses staff who do not run campaigns.
func (h *Handler) marketing(next staffHandler) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
		if !p.RunsCampaigns() {
			respond.WriteProblem(w, fault.New(fault.Forbidden, "Only marketing may work on campaigns."), lang, h.log)
			return
		}
		next(w, r, p, lang)
	}
}

// who names a staff member in a campaign's record.
func who(p staff.Principal) string {
	if p.Email != "" {
		return p.Email
	}
	return p.Subject
}

func (h *Handler) campaignList(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	cs, err := h.desk.List(r.Context(), p.Brand)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]any{"campaigns": cs})
}

func (h *Handler) campaignGet(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	c, err := h.desk.Get(r.Context(), p.Brand, r.PathValue("id"))
	h.answerCampaign(w, r, p, http.StatusOK, c, err, lang)
}

// campaignInput is what marketing sends to create or edit a campaign; the
// version is the one the editor read (edits only).
type campaignInput struct {
	greeting.Campaign
	Version *int `json:"version"`
}

func (h *Handler) campaignCreate(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	var in campaignInput
	if err := decodeStrict(w, r, &in); err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	c, err := h.desk.Create(r.Context(), p.Brand, who(p), in.Campaign)
	if err == nil {
		w.Header().Set("Location", "/api/v1/campaigns/"+c.ID)
	}
	h.answerCampaign(w, r, p, http.StatusCreated, c, err, lang)
}

func (h *Handler) campaignEdit(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	var in campaignInput
	err := decodeStrict(w, r, &in)
	if err == nil && in.Version == nil {
		err = needVersion()
	}
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	c, err := h.desk.Edit(r.Context(), p.Brand, r.PathValue("id"), *in.Version, in.Campaign)
	h.answerCampaign(w, r, p, http.StatusOK, c, err, lang)
}

// campaignAction is POST /api/v1/campaigns/{id}/{submit|approve|schedule|cancel|preview|test-send}.
func (h *Handler) campaignAction(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	id, action := r.PathValue("id"), r.PathValue("action")
	var in struct {
		Version *int `json:"version"`
		greeting.Sample
		To string `json:"to"`
	}
	if err := decodeStrict(w, r, &in); err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	ctx := r.Context()
	switch action {
	case "preview":
		msg, err := h.desk.Preview(ctx, p.Brand, id, in.Sample)
		if err != nil {
			respond.WriteProblem(w, err, lang, h.log)
			return
		}
		respond.JSON(w, http.StatusOK, map[string]any{"to": msg.To, "subject": msg.Subject, "text": msg.Text, "html": msg.HTML, "headers": msg.Headers})
		return
	case "test-send":
		msgID, err := h.desk.TestSend(ctx, p.Brand, id, in.Sample, in.To)
		if err != nil {
			respond.WriteProblem(w, err, lang, h.log)
			return
		}
		respond.JSON(w, http.StatusAccepted, map[string]string{"messageId": msgID, "to": in.To})
		return
	}
	if in.Version == nil {
		respond.WriteProblem(w, needVersion(), lang, h.log)
		return
	}
	var c greeting.Campaign
	var err error
	switch action {
	case "approve":
		c, err = h.desk.Approve(ctx, p.Brand, id, *in.Version, who(p))
	case "submit":
		c, err = h.desk.Submit(ctx, p.Brand, id, *in.Version, who(p))
		if errors.Is(err, greeting.ErrNotNotified) {
			// Submitted all the same; its warnings say the e-mail is owed.
			h.log.Warn("campaign submitted, approvers not e-mailed", "campaign", id, "err", err)
			err = nil
		}
	case "schedule":
		c, err = h.desk.Schedule(ctx, p.Brand, id, *in.Version)
	case "cancel":
		c, err = h.desk.Cancel(ctx, p.Brand, id, *in.Version)
	default:
		err = fault.New(fault.NotFound, "There is no campaign action %q.", action)
	}
	h.answerCampaign(w, r, p, http.StatusOK, c, err, lang)
}

func (h *Handler) campaignSegment(w http.ResponseWriter, r *http.Request, p staff.Principal, lang i18n.Lang) {
	n, err := h.desk.Segment(r.Context(), p.Brand, r.PathValue("id"))
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	// Marketing sees who, not their names: each is masked (林•••).
	for i, name := range n.Sample {
		n.Sample[i] = privacy.MaskName(name)
	}
	respond.JSON(w, http.StatusOK, n)
}

// reviewedCampaign is a campaign as the API answers it: with the desk's
// warnings (their messages in the reader's language), who it waits for and
// whether the reader may approve it.
type reviewedCampaign struct {
	greeting.Campaign
	greeting.Review
}

// answerCampaign writes a campaign with its review and its version as
// ETag, or the error.
func (h *Handler) answerCampaign(w http.ResponseWriter, r *http.Request, p staff.Principal, status int, c greeting.Campaign, err error, lang i18n.Lang) {
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	rv, rerr := h.desk.Review(r.Context(), c, who(p))
	if rerr != nil {
		// What was asked for is done (a save, an approval): answer it, and
		// say the warnings could not be worked out, rather than fail it.
		h.log.Warn("campaign review unavailable", "campaign", c.ID, "err", rerr)
		rv = greeting.Review{Warnings: []greeting.Warning{{Code: "review_unavailable"}}}
	}
	for i, wn := range rv.Warnings {
		rv.Warnings[i].Message = i18n.T(lang, "campaign.warning."+wn.Code, map[string]string{
			"store": wn.Store, "language": i18n.T(lang, "campaign.lang."+string(wn.Language), nil), "fallback": i18n.T(lang, "campaign.lang."+string(wn.Fallback), nil)})
	}
	w.Header().Set("ETag", `"`+strconv.Itoa(c.Version)+`"`)
	respond.JSON(w, status, reviewedCampaign{c, rv})
}

// occasions is GET /api/v1/occasions?year=YYYY&region=TW: the calendar's
// occasions of a year with their dates, named in the reader's language.
func (h *Handler) occasions(w http.ResponseWriter, r *http.Request, _ staff.Principal, lang i18n.Lang) {
	year := time.Now().Year()
	if v := r.URL.Query().Get("year"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < occasion.MinYear || n > occasion.MaxYear {
			respond.WriteProblem(w, &fault.Error{Code: fault.Invalid, Message: "The year is out of the calendar's range.", Fields: []fault.FieldError{{Field: "year", Rule: "range"}}}, lang, h.log)
			return
		}
		year = n
	}
	region := r.URL.Query().Get("region")
	if region == "" {
		region = "TW"
	}
	all, err := occasion.ForYear(year, region)
	if err != nil {
		respond.WriteProblem(w, err, lang, h.log)
		return
	}
	type entry struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Date string `json:"date"`
	}
	out := make([]entry, 0, len(all))
	for _, o := range all {
		out = append(out, entry{ID: o.ID, Name: i18n.T(lang, "occasion."+o.ID, nil), Date: o.Day()})
	}
	respond.JSON(w, http.StatusOK, map[string]any{"year": year, "region": region, "occasions": out})
}

// decodeStrict reads a JSON object into dst, refusing another media type,
// unknown fields, trailing data, strictjson's refusals (invalid UTF-8, lone
// surrogates, repeated keys) and bodies over maxCampaignBody; a request
// with no body at all (and so no Content-Type) is an empty object.
func decodeStrict(w http.ResponseWriter, r *http.Request, dst any) error {
	if r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		return nil
	}
	body, err := respond.ReadJSON(w, r, maxCampaignBody)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return &fault.Error{Code: fault.Malformed, Message: "The body is not the JSON this asks for: " + err.Error(), Fields: []fault.FieldError{{Field: "body", Rule: "malformed"}}}
	}
	return nil
}

func needVersion() error {
	return &fault.Error{Code: fault.Invalid, Message: "Say which version of the campaign you read.", Fields: []fault.FieldError{{Field: "version", Rule: "version"}}}
}
