package console_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/scan"
)

// reviewAPI calls the console as a store manager of stores.
type reviewAPI struct {
	t *testing.T
	e *lambdaEnv
}

func (a reviewAPI) do(method, path, body, stores string, want int, out any) (status int, contentType string, raw []byte) {
	a.t.Helper()
	req := campaignRequest(a.t, method, path, body, "manager."+strings.ToLower(stores), "store_manager")
	req.RequestContext.Authorizer.JWT.Claims["custom:stores"] = stores
	resp, err := a.e.console.ProxyWithContext(context.Background(), req)
	if err != nil {
		a.t.Fatal(err)
	}
	raw = []byte(resp.Body)
	if resp.IsBase64Encoded {
		if raw, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			a.t.Fatalf("%s %s: body is not base64: %v", method, path, err)
		}
	}
	if resp.StatusCode != want {
		a.t.Fatalf("%s %s as a manager of %s: got %d %s, want %d", method, path, stores, resp.StatusCode, resp.Body, want)
	}
	if want >= 300 && resp.Headers["Content-Type"] != "application/problem+json" {
		a.t.Errorf("%s %s: error answered as %q, want application/problem+json", method, path, resp.Headers["Content-Type"])
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			a.t.Fatalf("%s %s: %v in %s", method, path, err, resp.Body)
		}
	}
	return resp.StatusCode, resp.Headers["Content-Type"], raw
}

// putReview queues a review of S001 asking about ratings.service, with the
// crop the reader would have kept, and returns it.
func putReview(t *testing.T, e *lambdaEnv, serial string) (scan.Review, []byte) {
	t.Helper()
	ctx := context.Background()
	img := image.NewGray(image.Rect(0, 0, 40, 12))
	for x := range 40 {
		img.SetGray(x, 6, color.Gray{})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	crop := scan.CropPrefix("S001", serial) + "field-ratings.service.png"
	if err := e.crops.Put(ctx, crop, "image/png", buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	r := scan.Review{
		ID: scan.ReviewID("S001", serial), StoreID: "S001", Serial: serial, Object: "scans/t/review.png", Page: 1,
		VisitDate: now.Add(-24 * time.Hour).Format(time.DateOnly), // recent in every time zone
		Answers:   scan.Answers{"ratings.overall": "4", "nps": "9"},
		Questions: []scan.Question{{Field: "ratings.service", Reason: "double", Candidates: []string{"", "4", "5"}, Confidence: 0.2, Crop: crop}},
		Status:    scan.Waiting, Confidence: 0.2, CreatedAt: now,
	}
	if ok, err := e.db.PutReview(ctx, r); err != nil || !ok {
		t.Fatalf("put review: got %v, %v; want it written", ok, err)
	}
	r.Version = 1
	return r, buf.Bytes()
}

type problemBody struct {
	Status int
	Errors []struct{ Field, Rule string }
}

// TestReviewQueue lists, shows and decides a review through the console
// API: only staff of the store see it, its crop comes back as the PNG, bad
// and stale decisions are refused, and the right one stores the card once.
func TestReviewQueue(t *testing.T) {
	e := newLambdaEnv(t)
	api := reviewAPI{t, e}
	r, pngBytes := putReview(t, e, "REVIEWAAAAAAAA")
	path := "/api/v1/reviews/" + r.ID

	var list struct{ Reviews []scan.Review }
	api.do("GET", "/api/v1/stores/S001/reviews", "", "S001", 200, &list)
	if len(list.Reviews) != 1 || list.Reviews[0].ID != r.ID || list.Reviews[0].Version != 1 {
		t.Fatalf("S001's queue: got %+v, want the one review at version 1", list.Reviews)
	}
	api.do("GET", "/api/v1/stores/S001/reviews", "", "S002", 403, nil)
	api.do("GET", path, "", "S002", 404, nil)
	api.do("GET", path+"/crops/ratings.service", "", "S002", 404, nil)
	api.do("POST", path+"/decision", `{"version":1,"choices":{"ratings.service":"5"}}`, "S002", 404, nil)

	var got scan.Review
	api.do("GET", path, "", "S001", 200, &got)
	if len(got.Questions) != 1 || got.Questions[0].Field != "ratings.service" {
		t.Errorf("review: got %+v, want the question about ratings.service", got)
	}
	_, ct, img := api.do("GET", path+"/crops/ratings.service", "", "S001", 200, nil)
	if ct != "image/png" || !bytes.Equal(img, pngBytes) {
		t.Errorf("crop: got %s of %d bytes, want the stored PNG of %d bytes", ct, len(img), len(pngBytes))
	}
	api.do("GET", path+"/crops/consent.contact", "", "S001", 404, nil)
	api.do("GET", path+"/crops/..%2F..%2Fscans%2Fx", "", "S001", 404, nil)

	bad := []struct {
		name, body string
		status     int
		field      string
	}{
		{"outside the candidates", `{"version":1,"choices":{"ratings.service":"2"}}`, 422, "choices.ratings.service"},
		{"missing choice", `{"version":1,"choices":{}}`, 422, "choices.ratings.service"},
		{"unknown question", `{"version":1,"choices":{"ratings.service":"5","nps":"3"}}`, 422, "choices.nps"},
		{"no version", `{"choices":{"ratings.service":"5"}}`, 422, "version"},
		{"unknown member", `{"version":1,"choices":{"ratings.service":"5"},"by":"x"}`, 400, "body"},
		{"stale version", `{"version":7,"choices":{"ratings.service":"5"}}`, 409, ""},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			var p problemBody
			reviewAPI{t, e}.do("POST", path+"/decision", b.body, "S001", b.status, &p)
			if b.field != "" && !hasField(p, b.field) {
				t.Errorf("problem: got %+v, want it to name %s", p, b.field)
			}
		})
	}
	if _, err := e.db.Card(context.Background(), card.PrintedID("S001", r.Serial)); err == nil {
		t.Fatal("a refused decision stored a card")
	}

	var decided struct {
		Review scan.Review
		CardID string
	}
	api.do("POST", path+"/decision", `{"version":1,"choices":{"ratings.service":"5"}}`, "S001", 200, &decided)
	if decided.Review.Status != scan.Decided || decided.Review.DecidedBy != "manager.s001@example.com" || decided.CardID != card.PrintedID("S001", r.Serial) {
		t.Errorf("decision: got %+v, want decided by manager.s001@example.com with the serial's card", decided)
	}
	c, err := e.db.Card(context.Background(), decided.CardID)
	if err != nil {
		t.Fatalf("card: %v", err)
	}
	if c.Source != card.SourceScan || c.Ratings["service"] != 5 || c.Ratings["overall"] != 4 || c.NPS == nil || *c.NPS != 9 {
		t.Errorf("card: got source %s, ratings %v; want scan with service 5, overall 4, nps 9", c.Source, c.Ratings)
	}
	items := e.itemCount(t)
	api.do("POST", path+"/decision", `{"version":1,"choices":{"ratings.service":"5"}}`, "S001", 409, nil)
	api.do("POST", path+"/decision", `{"version":2,"choices":{"ratings.service":"4"}}`, "S001", 409, nil)
	if got := e.itemCount(t); got != items {
		t.Errorf("items after the repeated decision: got %d, want %d (still one card)", got, items)
	}
	api.do("GET", "/api/v1/stores/S001/reviews", "", "S001", 200, &list)
	if len(list.Reviews) != 0 {
		t.Errorf("queue after the decision: got %d reviews, want none", len(list.Reviews))
	}
}

func hasField(p problemBody, field string) bool {
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}
