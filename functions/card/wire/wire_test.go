package wire_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/cardloop/cardloop/functions/card/wire"
	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/setup"
)

type proxy = func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// TestPerClientLimit: through CardFunction's own wiring, against the
// template's table in the emulator, a client that floods the card routes
// is answered 429 (a problem document from the API, a page in the diner's
// language from the form) while another client's card is stored; and the
// table keeps no address.
func TestPerClientLimit(t *testing.T) {
	env := testenv.New(t)
	ctx := context.Background()
	param := "/cardloop/" + emulator.Prefix(t) + "/link-signing-key"
	if _, err := ssm.NewFromConfig(env.Config).PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(param), Value: aws.String(hex.EncodeToString(bytes.Repeat([]byte{7}, 32))),
		Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true),
	}); err != nil {
		t.Fatalf("put link signing key: %v", err)
	}
	// The clock runs from 20 s into a minute, so the requests fall in one
	// window however long they take (well under 40 s).
	began := time.Now()
	base := began.Truncate(time.Minute).Add(20 * time.Second)
	db := dynamodb.NewFromConfig(env.Config)
	app := &setup.App{
		Env: setup.Env{
			Table: env.Table(), LinkKeyParameter: param, PublicBaseURL: "https://cards.example.com",
			CardClientLimit: 2, CardClientWindow: time.Minute,
		},
		AWS: env.Config, DynamoDB: db,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return base.Add(time.Since(began)) },
	}
	built, err := wire.Build(ctx, app)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	h, ok := built.(proxy)
	if !ok {
		t.Fatalf("handler: got %T, want the HTTP API proxy", built)
	}

	var fixture events.APIGatewayV2HTTPRequest
	testenv.Fixture(t, "card/post-card.json", &fixture)
	var body map[string]any
	if err := json.Unmarshal([]byte(fixture.Body), &body); err != nil {
		t.Fatal(err)
	}
	body["visitDate"] = time.Now().UTC().Add(-24 * time.Hour).Format(time.DateOnly)
	n := 0
	apiCard := func(ip string) events.APIGatewayV2HTTPRequest {
		n++
		r := fixture
		r.Headers = map[string]string{}
		for k, v := range fixture.Headers {
			r.Headers[k] = v
		}
		r.Headers["idempotency-key"] = fmt.Sprintf("limit-test-%d", n)
		body["submissionId"] = fmt.Sprintf("limit-test-%d", n)
		b, _ := json.Marshal(body)
		r.Body = string(b)
		r.RequestContext.HTTP.SourceIP = ip
		return r
	}
	formCard := func(ip string) events.APIGatewayV2HTTPRequest {
		r := apiCard(ip)
		r.RouteKey, r.RawPath = "POST /c/{storeId}", "/c/S001"
		r.RequestContext.RouteKey, r.RequestContext.HTTP.Path = r.RouteKey, r.RawPath
		r.PathParameters = map[string]string{"storeId": "S001"}
		r.Headers["content-type"] = "application/x-www-form-urlencoded"
		r.Headers["accept"] = "text/html"
		r.Body = url.Values{"lang": {"en"}, "ratings.overall": {"5"}}.Encode()
		return r
	}
	flooder, other := "203.0.113.7", "198.51.100.23"
	for _, step := range []struct {
		name       string
		req        events.APIGatewayV2HTTPRequest
		wantStatus int
		wantType   string
		wantText   string
	}{
		{"first card", apiCard(flooder), http.StatusCreated, "application/json", `"id":"c_`},
		{"second card", apiCard(flooder), http.StatusCreated, "application/json", `"id":"c_`},
		{"third card: over the limit", apiCard(flooder), http.StatusTooManyRequests, "application/problem+json", `"status":429`},
		{"the form from the same client", formCard(flooder), http.StatusTooManyRequests, "text/html; charset=utf-8", "Please go back"},
		{"another client's card", apiCard(other), http.StatusCreated, "application/json", `"id":"c_`},
	} {
		resp, err := h(ctx, step.req)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if resp.StatusCode != step.wantStatus || !strings.HasPrefix(resp.Headers["Content-Type"], step.wantType) || !strings.Contains(resp.Body, step.wantText) {
			t.Errorf("%s: got %d %s %.300s; want %d %s with %q", step.name, resp.StatusCode, resp.Headers["Content-Type"], resp.Body, step.wantStatus, step.wantType, step.wantText)
		}
		if step.wantStatus == http.StatusTooManyRequests {
			if ra := resp.Headers["Retry-After"]; ra == "" || ra == "0" {
				t.Errorf("%s: Retry-After got %q, want the seconds to wait", step.name, ra)
			}
		}
	}

	// Only keyed hashes of addresses are stored.
	var items []map[string]types.AttributeValue
	for p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(env.Table())}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, page.Items...)
	}
	limits := 0
	for _, item := range items {
		var plain map[string]any
		if err := attributevalue.UnmarshalMap(item, &plain); err != nil {
			t.Fatal(err)
		}
		raw := fmt.Sprint(plain)
		if strings.Contains(raw, flooder) || strings.Contains(raw, other) {
			t.Errorf("an item holds a client's address: %.300s", raw)
		}
		if strings.Contains(raw, "LIMIT#") {
			limits++
		}
	}
	if limits != 2 {
		t.Errorf("limit items: got %d, want one per client", limits)
	}
}
