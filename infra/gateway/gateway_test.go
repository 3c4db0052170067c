package gateway_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cardloop/cardloop/infra/build"
	"github.com/cardloop/cardloop/infra/gateway"
	"github.com/cardloop/cardloop/infra/lambdart"
	"github.com/cardloop/cardloop/infra/localauth"
	"github.com/cardloop/cardloop/infra/provision"
	"github.com/cardloop/cardloop/infra/sam"
	"github.com/cardloop/cardloop/infra/seed"
)

// echoed is what the testdata echo function answers: the event it got.
type echoed struct {
	Event events.APIGatewayV2HTTPRequest `json:"event"`
	Env   map[string]string              `json:"env"`
}

func TestGatewayWithFunction(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a Lambda binary")
	}
	tpl, err := sam.Load("../testdata/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := sam.NewResolver(tpl, nil, "gw")
	if err != nil {
		t.Fatal(err)
	}
	for id, res := range provision.Placeholders(tpl, "gw", "http://127.0.0.1:1") {
		r.Resources[id] = res.Values()
	}
	routes, auths, err := gateway.Routes(tpl, r)
	if err != nil {
		t.Fatal(err)
	}
	jwt, ok := auths["Jwt"]
	if !ok || len(jwt.Audience) != 1 || jwt.Audience[0] != "gw-Client" {
		t.Fatalf("authorizers: got %+v, want Jwt with audience gw-Client", auths)
	}

	bin, err := build.Function(context.Background(), "../testdata", "EchoFunction", filepath.Join(t.TempDir(), "EchoFunction"))
	if err != nil {
		t.Fatal(err)
	}
	fn := lambdart.New(lambdart.Config{Name: "gw-EchoFunction", Binary: bin, Timeout: 5 * time.Second, Log: os.Stderr})
	defer fn.Close()

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const issuer = "http://127.0.0.1:8080/local/cognito"
	iss := &localauth.Issuer{Key: key, URL: issuer, Audience: "gw-Client", Brand: "wang"}
	ver := &localauth.Verifier{Key: &key.PublicKey, Issuer: issuer, Audience: jwt.Audience}
	gw, err := gateway.New(routes, map[string]gateway.Invoker{"EchoFunction": fn}, map[string]gateway.Verifier{"Jwt": ver}, gateway.Options{APIID: "gwapi"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()

	user := seed.User{Email: "area.asia@example.com", Name: "Area Asia", Groups: []string{"area_manager"}, Stores: []string{"S002", "S003"}}
	good, err := iss.Token(user)
	if err != nil {
		t.Fatal(err)
	}
	expired, err := (&localauth.Issuer{Key: key, URL: issuer, Audience: "gw-Client", Now: func() time.Time { return time.Now().Add(-9 * time.Hour) }}).Token(user)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forged, err := (&localauth.Issuer{Key: otherKey, URL: issuer, Audience: "gw-Client"}).Token(user)
	if err != nil {
		t.Fatal(err)
	}

	do := func(t *testing.T, method, path, contentType string, body []byte, header http.Header) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range header {
			req.Header[k] = vs
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	decode := func(t *testing.T, b []byte) echoed {
		t.Helper()
		var e echoed
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
		return e
	}

	t.Run("public GET", func(t *testing.T) {
		h := http.Header{"Cookie": {"a=1; b=2"}, "X-Multi": {"x", "y"}, "User-Agent": {"gw-test"}}
		resp, b := do(t, "GET", "/pub/S%2001?q=1&q=2&r=%C3%A9", "", nil, h)
		if resp.StatusCode != 200 {
			t.Fatalf("got %d %s, want 200", resp.StatusCode, b)
		}
		if got := resp.Header.Values("Set-Cookie"); len(got) != 2 {
			t.Errorf("Set-Cookie: got %v, want 2 cookies", got)
		}
		if got := resp.Header.Get("X-Echo"); got != "1" {
			t.Errorf("X-Echo: got %q, want 1", got)
		}
		e := decode(t, b).Event
		checks := map[string][2]string{
			"version":        {e.Version, "2.0"},
			"routeKey":       {e.RouteKey, "GET /pub/{id}"},
			"rawPath":        {e.RawPath, "/pub/S%2001"},
			"rawQueryString": {e.RawQueryString, "q=1&q=2&r=%C3%A9"},
			"path id":        {e.PathParameters["id"], "S 01"},
			"query q":        {e.QueryStringParameters["q"], "1,2"},
			"query r":        {e.QueryStringParameters["r"], "é"},
			"x-multi":        {e.Headers["x-multi"], "x,y"},
			"cookie header":  {e.Headers["cookie"], ""},
			"stage":          {e.RequestContext.Stage, "$default"},
			"apiId":          {e.RequestContext.APIID, "gwapi"},
			"http.method":    {e.RequestContext.HTTP.Method, "GET"},
			"http.sourceIp":  {e.RequestContext.HTTP.SourceIP, "127.0.0.1"},
			"userAgent":      {e.RequestContext.HTTP.UserAgent, "gw-test"},
			"ctx routeKey":   {e.RequestContext.RouteKey, "GET /pub/{id}"},
		}
		for name, c := range checks {
			if c[0] != c[1] {
				t.Errorf("%s: got %q, want %q", name, c[0], c[1])
			}
		}
		if strings.Join(e.Cookies, ";") != "a=1;b=2" {
			t.Errorf("cookies: got %v, want [a=1 b=2]", e.Cookies)
		}
		if e.RequestContext.Authorizer != nil {
			t.Errorf("authorizer: got %+v, want none on a public route", e.RequestContext.Authorizer)
		}
		if e.RequestContext.TimeEpoch == 0 || e.RequestContext.RequestID == "" {
			t.Errorf("requestContext: got %+v, want time and request id", e.RequestContext)
		}
	})
	t.Run("form POST is base64", func(t *testing.T) {
		resp, b := do(t, "POST", "/pub/1", "application/x-www-form-urlencoded", []byte("a=1&b=2"), nil)
		if resp.StatusCode != 200 {
			t.Fatalf("got %d, want 200", resp.StatusCode)
		}
		e := decode(t, b).Event
		if !e.IsBase64Encoded || e.Body != base64.StdEncoding.EncodeToString([]byte("a=1&b=2")) {
			t.Errorf("got body %q base64 %v, want base64 of the form", e.Body, e.IsBase64Encoded)
		}
		_, b = do(t, "POST", "/pub/1", "application/json", []byte(`{"x":1}`), nil)
		if e := decode(t, b).Event; e.IsBase64Encoded || e.Body != `{"x":1}` {
			t.Errorf("json: got body %q base64 %v, want it as text", e.Body, e.IsBase64Encoded)
		}
	})
	t.Run("greedy", func(t *testing.T) {
		resp, b := do(t, "DELETE", "/files/a/b.txt", "", nil, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("got %d, want 200", resp.StatusCode)
		}
		if got := decode(t, b).Event.PathParameters["proxy"]; got != "a/b.txt" {
			t.Errorf("proxy: got %q, want a/b.txt", got)
		}
	})
	t.Run("not found", func(t *testing.T) {
		resp, b := do(t, "GET", "/nope", "", nil, nil)
		if resp.StatusCode != 404 || !isProblem(resp, b, "not_found") {
			t.Errorf("got %d %s, want 404 Not Found", resp.StatusCode, b)
		}
	})
	t.Run("too large", func(t *testing.T) {
		resp, b := do(t, "POST", "/pub/1", "application/json", make([]byte, gateway.MaxPayload+1), nil)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !isProblem(resp, b, "too_large") {
			t.Errorf("got %d, want 413", resp.StatusCode)
		}
	})
	t.Run("function error", func(t *testing.T) {
		resp, b := do(t, "POST", "/pub/1", "application/json", []byte(`{"error":"bad"}`), nil)
		if resp.StatusCode != 500 || !isProblem(resp, b, "internal") {
			t.Errorf("got %d %s, want 500 Internal Server Error", resp.StatusCode, b)
		}
	})
	for name, auth := range map[string]string{
		"no token":   "",
		"garbage":    "Bearer nope",
		"expired":    "Bearer " + expired,
		"forged":     "Bearer " + forged,
		"no bearer":  "Basic " + good,
		"bare":       good,
		"lowercase":  "bearer " + good,
		"two spaces": "Bearer  " + good,
	} {
		t.Run("401 "+name, func(t *testing.T) {
			h := http.Header{}
			if auth != "" {
				h.Set("Authorization", auth)
			}
			resp, b := do(t, "GET", "/private/me", "", nil, h)
			if resp.StatusCode != 401 || !isProblem(resp, b, "unauthorized") {
				t.Errorf("got %d %s, want 401 Unauthorized", resp.StatusCode, b)
			}
		})
	}
	t.Run("claims", func(t *testing.T) {
		resp, b := do(t, "GET", "/private/me", "", nil, http.Header{"Authorization": {"Bearer " + good}})
		if resp.StatusCode != 200 {
			t.Fatalf("got %d %s, want 200", resp.StatusCode, b)
		}
		a := decode(t, b).Event.RequestContext.Authorizer
		if a == nil || a.JWT == nil {
			t.Fatalf("authorizer: got %+v, want JWT claims", a)
		}
		for k, want := range map[string]string{
			"email":          "area.asia@example.com",
			"cognito:groups": "[area_manager]",
			"custom:stores":  "S002,S003",
			"custom:brand":   "wang",
			"token_use":      "id",
			"aud":            "gw-Client",
			"iss":            issuer,
		} {
			if got := a.JWT.Claims[k]; got != want {
				t.Errorf("claim %s: got %q, want %q", k, got, want)
			}
		}
	})
}

// isProblem reports whether an answer is a problem document of the type
// ending in code.
func isProblem(resp *http.Response, b []byte, code string) bool {
	var p struct {
		Type   string `json:"type"`
		Status int    `json:"status"`
	}
	return resp.Header.Get("Content-Type") == "application/problem+json" && json.Unmarshal(b, &p) == nil &&
		p.Type == "https://cardloop.dev/problems/"+code && p.Status == resp.StatusCode
}
