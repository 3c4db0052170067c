package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/aws/s3bucket"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/http/console"
	"github.com/cardloop/cardloop/shared/http/diners"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/scan/paper"
)

// lambdaEnv runs the card and console handlers exactly as their Lambda
// functions do (httpadapter over API Gateway v2 events) against a fresh copy
// of the table in the emulator.
type lambdaEnv struct {
	env     testenv.Env
	ddb     *dynamodb.Client
	calls   *testenv.CountingDynamo
	db      *allstores.Stores
	crops   *s3bucket.Bucket
	card    *httpadapter.HandlerAdapterV2
	console *httpadapter.HandlerAdapterV2
}

func newLambdaEnv(t testing.TB) *lambdaEnv {
	env := testenv.New(t)
	ddb := dynamodb.NewFromConfig(env.Config)
	calls := &testenv.CountingDynamo{DynamoAPI: ddb}
	db := allstores.New(calls, env.Table())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	crops := s3bucket.New(s3.NewFromConfig(env.Config, func(o *s3.Options) { o.UsePathStyle = true }), env.Resources["ScanBucket"].Name)
	return &lambdaEnv{
		env:   env,
		ddb:   ddb,
		calls: calls,
		card:  httpadapter.NewV2(diners.NewCardHandler(intake.NewService(db, db, time.Now), db, log)),
		db:    db,
		crops: crops,
		console: httpadapter.NewV2(console.NewHandler(db, db, greeting.NewDesk(db, sesmail.New(sesv2.NewFromConfig(env.Config), env.Resources["SenderIdentity"].Name, ""), "http://127.0.0.1:8080", time.Now),
			scan.NewReviews(db, db, intake.NewService(db, db, time.Now), time.Now), crops, "/local/signin", "wang", log).
			WithPaper(paper.NewPaper(db, crops, testSigner(t), "http://127.0.0.1:8080", time.Now))),
	}
}

// fixture reads an event of events/ as the function receives it.
func fixture(t testing.TB, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.Root(), "events", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return ev
}

// itemCount counts the table's items (a test may Scan; request paths never do).
func (e *lambdaEnv) itemCount(t *testing.T) int32 {
	t.Helper()
	out, err := e.ddb.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(e.env.Table()), Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	return out.Count
}

func postCard(t testing.TB, e *lambdaEnv, body string, headers map[string]string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	ev := fixture(t, "card/post-card.json")
	ev.Body = body
	delete(ev.Headers, "idempotency-key")
	for k, v := range headers {
		ev.Headers[k] = v
	}
	resp, err := e.card.ProxyWithContext(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestPostCardFixtureAndReplay(t *testing.T) {
	e := newLambdaEnv(t)
	ev := fixture(t, "card/post-card.json")
	var body map[string]any
	if err := json.Unmarshal([]byte(ev.Body), &body); err != nil {
		t.Fatal(err)
	}
	body["visitDate"] = time.Now().UTC().Add(-24 * time.Hour).Format(time.DateOnly) // recent in every time zone
	b, _ := json.Marshal(body)
	ev.Body = string(b)
	first, err := e.card.ProxyWithContext(context.Background(), ev)
	if err != nil || first.StatusCode != http.StatusCreated {
		t.Fatalf("first post: got %d %s, %v; want 201", first.StatusCode, first.Body, err)
	}
	var created struct{ ID string }
	if err := json.Unmarshal([]byte(first.Body), &created); err != nil || !strings.HasPrefix(created.ID, "c_") {
		t.Fatalf("first post body: got %s, want {\"id\": \"c_…\"}", first.Body)
	}
	items := e.itemCount(t)

	replay, err := e.card.ProxyWithContext(context.Background(), ev)
	if err != nil || replay.StatusCode != http.StatusOK || replay.Body != first.Body || replay.Headers["Idempotent-Replayed"] != "true" {
		t.Fatalf("replay: got %d %s %v, %v; want 200 with the same id", replay.StatusCode, replay.Body, replay.Headers, err)
	}
	if got := e.itemCount(t); got != items {
		t.Errorf("items after replay: got %d, want %d (nothing written)", got, items)
	}

	// The console fixture, signed in as S001's manager, lists the card.
	list := fixture(t, "console/get-store-cards.json")
	list.RawQueryString, list.QueryStringParameters = "", nil
	resp, err := e.console.ProxyWithContext(context.Background(), list)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("list: got %d %s, %v", resp.StatusCode, resp.Body, err)
	}
	var page struct{ Cards []card.Card }
	if err := json.Unmarshal([]byte(resp.Body), &page); err != nil || len(page.Cards) != 1 || page.Cards[0].ID != created.ID {
		t.Fatalf("list: got %s, want exactly the posted card", resp.Body)
	}
}

// TestBadInput posts each kind of bad input and checks the answer is a
// problem naming the field, and that the table is unchanged.
func TestBadInput(t *testing.T) {
	e := newLambdaEnv(t)
	valid := `{"storeId":"S001","ratings":{"overall":4}%s}`
	tests := []struct {
		name, body, field string
		status            int
	}{
		{"malformed JSON", `{"storeId":"S001",`, "", 400},
		{"wrong type", `{"storeId":"S001","ratings":{"overall":"good"}}`, "ratings.overall", 422},
		{"unknown field", strings.Replace(valid, "%s", `,"vip":true`, 1), "vip", 422},
		{"rating out of range", `{"storeId":"S001","ratings":{"overall":6}}`, "ratings.overall", 422},
		{"NPS out of range", strings.Replace(valid, "%s", `,"nps":11`, 1), "nps", 422},
		{"unknown store", `{"storeId":"S999","ratings":{"overall":4}}`, "storeId", 422},
		{"body over 16 KiB", strings.Replace(valid, "%s", `,"comment":"`+strings.Repeat("x", 17000)+`"`, 1), "", 413},
		{"impossible birthday", strings.Replace(valid, "%s", `,"diner":{"birthday":"02-30"}`, 1), "diner.birthday", 422},
		{"invalid phone", strings.Replace(valid, "%s", `,"diner":{"phone":"123"}`, 1), "diner.phone", 422},
		{"invalid e-mail", strings.Replace(valid, "%s", `,"diner":{"email":"lin@@example"}`, 1), "diner.email", 422},
		{"comment over 2,000 characters", strings.Replace(valid, "%s", `,"comment":"`+strings.Repeat("很", 2001)+`"`, 1), "comment", 422},
		{"control characters", strings.Replace(valid, "%s", `,"comment":"bad\u0000byte"`, 1), "comment", 422},
	}
	before := e.itemCount(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := postCard(t, e, tt.body, map[string]string{"accept-language": "en"})
			if resp.StatusCode != tt.status {
				t.Fatalf("status: got %d, want %d (%s)", resp.StatusCode, tt.status, resp.Body)
			}
			if ct := resp.Headers["Content-Type"]; ct != "application/problem+json" {
				t.Errorf("content type: got %q, want application/problem+json", ct)
			}
			var p respond.Problem
			if err := json.Unmarshal([]byte(resp.Body), &p); err != nil || p.Status != tt.status || p.Title == "" {
				t.Fatalf("problem: got %s, %v", resp.Body, err)
			}
			if tt.field != "" {
				found := false
				for _, f := range p.Errors {
					found = found || (f.Field == tt.field && f.Message != "")
				}
				if !found {
					t.Errorf("errors: got %+v, want one for %s with a message", p.Errors, tt.field)
				}
			}
			if got := e.itemCount(t); got != before {
				t.Errorf("items: got %d, want %d (nothing written)", got, before)
			}
		})
	}
}

func TestProblemInDinersLanguage(t *testing.T) {
	e := newLambdaEnv(t)
	resp := postCard(t, e, `{"storeId":"S001","ratings":{"overall":9}}`, map[string]string{"accept-language": "zh-TW"})
	if !strings.Contains(resp.Body, "請選擇 1 到 5 分") {
		t.Errorf("zh-TW problem: got %s, want the message in Traditional Chinese", resp.Body)
	}
}

func TestIdempotencyKeyReuse(t *testing.T) {
	e := newLambdaEnv(t)
	h := map[string]string{"idempotency-key": "k-123"}
	if r := postCard(t, e, `{"storeId":"S001","ratings":{"overall":4}}`, h); r.StatusCode != 201 {
		t.Fatalf("first: got %d %s", r.StatusCode, r.Body)
	}
	if r := postCard(t, e, `{"storeId":"S001","ratings":{"overall":1}}`, h); r.StatusCode != 409 {
		t.Errorf("same key, other card: got %d %s, want 409", r.StatusCode, r.Body)
	}
}

func TestConsoleAccess(t *testing.T) {
	e := newLambdaEnv(t)
	ev := fixture(t, "console/get-store-cards.json")
	bearer := ev.Headers["authorization"]
	tests := []struct {
		name   string
		claims map[string]string
		store  string
		status int
		auth   string // the Authorization header; the fixture's "Bearer <token>" when empty
	}{
		{"manager of S001 sees S001", ev.RequestContext.Authorizer.JWT.Claims, "S001", 200, ""},
		// API Gateway's JWT authorizer passes these; the console refuses them itself.
		{"bare token", ev.RequestContext.Authorizer.JWT.Claims, "S001", 401, strings.TrimPrefix(bearer, "Bearer ")},
		{"lower-case bearer", ev.RequestContext.Authorizer.JWT.Claims, "S001", 401, "bearer " + strings.TrimPrefix(bearer, "Bearer ")},
		{"no header", ev.RequestContext.Authorizer.JWT.Claims, "S001", 401, "-"},
		{"manager of S002 may not see S001", map[string]string{"sub": "u2", "email": "manager.s002@example.com", "cognito:groups": "[store_manager]", "custom:stores": "S002"}, "S001", 403, ""},
		{"area manager of S002,S003 sees S003", map[string]string{"sub": "u3", "cognito:groups": "[area_manager]", "custom:stores": "S002,S003"}, "S003", 200, ""},
		{"operations sees every store", map[string]string{"sub": "u4", "cognito:groups": "[operations]"}, "S002", 200, ""},
		{"no claims", nil, "S001", 401, ""},
		{"unknown store", map[string]string{"sub": "u4", "cognito:groups": "[operations]"}, "S999", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := fixture(t, "console/get-store-cards.json")
			req.RawPath = "/api/v1/stores/" + tt.store + "/cards"
			req.RequestContext.HTTP.Path = req.RawPath
			req.PathParameters = map[string]string{"storeId": tt.store}
			req.RequestContext.Authorizer.JWT.Claims = tt.claims
			if tt.claims == nil {
				req.RequestContext.Authorizer = nil
			}
			switch tt.auth {
			case "":
			case "-":
				delete(req.Headers, "authorization")
			default:
				req.Headers["authorization"] = tt.auth
			}
			resp, err := e.console.ProxyWithContext(context.Background(), req)
			if err != nil || resp.StatusCode != tt.status {
				t.Errorf("got %d %s, %v; want %d", resp.StatusCode, resp.Body, err, tt.status)
			}
			if tt.status == http.StatusUnauthorized && (resp.Headers["Content-Type"] != "application/problem+json" || !strings.Contains(resp.Body, `"status":401`)) {
				t.Errorf("got %s %s, want a 401 problem document", resp.Headers["Content-Type"], resp.Body)
			}
		})
	}
}

// TestPostCardCalls checks the AWS cost of the request path: a store read
// (only on a cold cache) and one transaction.
func TestPostCardCalls(t *testing.T) {
	e := newLambdaEnv(t)
	for i, want := range []int64{2, 1, 1} {
		e.calls.Reset()
		body := fmt.Sprintf(`{"storeId":"S001","submissionId":"calls-%d","ratings":{"overall":4},"diner":{"phone":"0912345678"}}`, i)
		if r := postCard(t, e, body, nil); r.StatusCode != 201 {
			t.Fatalf("post %d: got %d %s", i, r.StatusCode, r.Body)
		}
		if got := e.calls.Calls.Load(); got != want {
			t.Errorf("post %d: got %d AWS calls, want %d", i, got, want)
		}
	}
}

// BenchmarkPostCard measures a card through the Lambda handler (API Gateway
// event in, response out) against the emulator, reporting AWS calls and items
// read per card. Its time is mostly the emulator's; BenchmarkPostCardNoIO
// measures cardloop's own work per card.
func BenchmarkPostCard(b *testing.B) {
	e := newLambdaEnv(b)
	postCard(b, e, `{"storeId":"S001","ratings":{"overall":4}}`, nil) // warm the store cache
	e.calls.Reset()
	for i := 0; b.Loop(); i++ {
		body := fmt.Sprintf(`{"storeId":"S001","submissionId":"bench-%d","ratings":{"overall":4,"main":1},"comment":"太老了","diner":{"phone":"0912345678","email":"lin@example.com"},"consent":{"contact":true}}`, i)
		if r := postCard(b, e, body, nil); r.StatusCode != 201 {
			b.Fatalf("post %d: got %d %s", i, r.StatusCode, r.Body)
		}
	}
	b.ReportMetric(float64(e.calls.Calls.Load())/float64(b.N), "aws-calls/card")
	b.ReportMetric(float64(e.calls.ItemsRead.Load())/float64(b.N), "items-read/card")
}

// testSigner is a link signer with a fixed test key.
func testSigner(t testing.TB) *link.Signer {
	s, err := link.NewSigner(bytes.Repeat([]byte{9}, 32), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
