package diners_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/diners"
	"github.com/cardloop/cardloop/shared/http/edge"
	"github.com/cardloop/cardloop/shared/setup"
)

// realHandler is CardFunction's handler over the table reached through
// api, behind the edge's deadline.
func realHandler(api dynamo.API, table string, budget time.Duration) (http.Handler, *cardstore.Cards) {
	t := dynamo.New(api, table)
	brands, cards := brandstore.New(t), cardstore.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return edge.Wrap(diners.NewCardHandler(intake.NewService(brands, cards, time.Now), brands, log), edge.Options{Stage: "local", Budget: budget}), cards
}

func postJSON(h http.Handler, contentType, key, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/api/v1/cards", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	r.Header.Set("Idempotency-Key", key)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

type problem struct {
	Type   string `json:"type"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field string `json:"field"`
		Rule  string `json:"rule"`
	} `json:"errors"`
}

func readProblem(t *testing.T, rec *httptest.ResponseRecorder) problem {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("got Content-Type %q (%s), want application/problem+json", ct, rec.Body)
	}
	var p problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem: %v", err)
	}
	return p
}

// TestStrictInputStoresNothing: each class of input docs/api.md refuses is
// refused with its problem, and no card is stored under its key; a valid
// card under the same conditions is stored (so the check can fail).
func TestStrictInputStoresNothing(t *testing.T) {
	env := testenv.New(t)
	h, cards := realHandler(dynamodb.NewFromConfig(env.Config), env.Table(), edge.Budget)
	const good = `{"storeId":"S001","ratings":{"overall":4}}`
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantType    string
		wantField   string
		wantRule    string
	}{
		{"invalid UTF-8", "application/json", "{\"storeId\":\"S001\",\"ratings\":{\"overall\":4},\"comment\":\"\xff\xfe\"}", 400, "malformed", "body", "invalid_utf8"},
		{"lone surrogate", "application/json", `{"storeId":"S001","ratings":{"overall":4},"comment":"\ud800"}`, 400, "malformed", "body", "invalid_utf8"},
		{"duplicate rating", "application/json", `{"storeId":"S001","ratings":{"overall":1,"overall":5}}`, 400, "malformed", "ratings.overall", "duplicate_key"},
		{"duplicate storeId", "application/json", `{"storeId":"S001","ratings":{"overall":4},"storeId":"S002"}`, 400, "malformed", "storeId", "duplicate_key"},
		{"text/plain", "text/plain", good, 415, "unsupported_media_type", "Content-Type", "media_type"},
		{"no Content-Type", "", good, 415, "unsupported_media_type", "Content-Type", "media_type"},
		{"form media type", "application/x-www-form-urlencoded", good, 415, "unsupported_media_type", "Content-Type", "media_type"},
		{"another charset", "application/json; charset=latin1", good, 415, "unsupported_media_type", "Content-Type", "media_type"},
		{"valid, with charset", "application/json; charset=UTF-8", good, 201, "", "", ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "strict-" + env.Table() + "-" + string(rune('a'+i))
			rec := postJSON(h, tt.contentType, key, tt.body)
			if rec.Code != tt.wantStatus {
				t.Fatalf("got %d %s, want %d", rec.Code, rec.Body, tt.wantStatus)
			}
			_, err := cards.Card(context.Background(), card.ID("S001", key))
			if tt.wantStatus == 201 {
				if err != nil {
					t.Fatalf("the valid card was not stored: %v", err)
				}
				return
			}
			if fault.CodeOf(err) != fault.NotFound {
				t.Errorf("got a stored card (err %v), want none", err)
			}
			p := readProblem(t, rec)
			if p.Type != "https://cardloop.dev/problems/"+tt.wantType || len(p.Errors) != 1 || p.Errors[0].Field != tt.wantField || p.Errors[0].Rule != tt.wantRule {
				t.Errorf("got %+v, want type %s, field %s, rule %s", p, tt.wantType, tt.wantField, tt.wantRule)
			}
		})
	}
}

// unreachable is a DynamoDB client for an address nothing listens on, with
// the functions' bounded retries.
func unreachable(t *testing.T) *dynamodb.Client {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: aws.AnonymousCredentials{}, Retryer: setup.BoundedRetryer()})
}

// hanging is a DynamoDB client for a server that never answers.
func hanging(t *testing.T) *dynamodb.Client {
	t.Helper()
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(func() { close(stop); srv.CloseClientConnections(); srv.Close() })
	return dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.AnonymousCredentials{}, Retryer: setup.BoundedRetryer()})
}

// TestUnavailableTableAnswers503: a table that refuses connections or never
// answers gives 503 problem+json with Retry-After, saying a retry with the
// same key is safe — for the JSON API — and the retry page carrying the
// same submission for the form.
func TestUnavailableTableAnswers503(t *testing.T) {
	tables := []struct {
		name string
		api  func(t *testing.T) *dynamodb.Client
	}{{"refused", unreachable}, {"no answer", hanging}}
	for _, tt := range tables {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := realHandler(tt.api(t), "cardloop-test-Table", 300*time.Millisecond)
			rec := postJSON(h, "application/json", "k-503", `{"storeId":"S001","ratings":{"overall":4}}`)
			if rec.Code != http.StatusServiceUnavailable {
				t.Fatalf("got %d %s, want 503", rec.Code, rec.Body)
			}
			if got := rec.Header().Get("Retry-After"); got != "2" {
				t.Errorf("got Retry-After %q, want 2", got)
			}
			p := readProblem(t, rec)
			if p.Type != "https://cardloop.dev/problems/unavailable" || !strings.Contains(p.Detail, "Idempotency-Key") {
				t.Errorf("got %+v, want type unavailable and a detail naming Idempotency-Key", p)
			}

			form := url.Values{"submissionId": {"form-503"}, "ratings.overall": {"4"}, "comment": {"牛排 <b>"}}
			r := httptest.NewRequest("POST", "/c/S001", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Accept-Language", "zh-TW")
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			body := rec.Body.String()
			if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "2" {
				t.Fatalf("form: got %d, Retry-After %q, want 503 and 2", rec.Code, rec.Header().Get("Retry-After"))
			}
			for _, want := range []string{`name="submissionId" value="form-503"`, `name="comment" value="牛排 &lt;b&gt;"`, `name="retry" value="1"`, `data-auto="true"`, `src="/static/card-retry.js"`, "再送一次"} {
				if !strings.Contains(body, want) {
					t.Errorf("form: the retry page lacks %s:\n%s", want, body)
				}
			}
		})
	}
}
