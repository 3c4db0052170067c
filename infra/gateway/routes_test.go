package gateway

import (
	"context"
	"reflect"
	"testing"
)

type nopInvoker struct{}

func (nopInvoker) Invoke(context.Context, []byte) ([]byte, error) { return nil, nil }

func TestMatch(t *testing.T) {
	routes := []Route{
		{Method: "GET", Path: "/c/{storeId}", Function: "F"},
		{Method: "POST", Path: "/c/{storeId}", Function: "F"},
		{Method: "GET", Path: "/c/{storeId}/thanks", Function: "F"},
		{Method: "GET", Path: "/c/special", Function: "F"},
		{Method: "GET", Path: "/console", Function: "F"},
		{Method: "GET", Path: "/console/{proxy+}", Function: "F"},
		{Method: "ANY", Path: "/console/{proxy+}", Function: "F"},
		{Method: "ANY", Path: "/{proxy+}", Function: "F"},
		{Method: "GET", Path: "/api/v1/stores/{storeId}/cards", Function: "F"},
	}
	g, err := New(routes, map[string]Invoker{"F": nopInvoker{}}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, path string
		wantKey      string
		wantParams   map[string]string
	}{
		{"GET", "/c/S001", "GET /c/{storeId}", map[string]string{"storeId": "S001"}},
		{"POST", "/c/S001", "POST /c/{storeId}", map[string]string{"storeId": "S001"}},
		{"GET", "/c/special", "GET /c/special", map[string]string{}},
		{"GET", "/c/S%20X/thanks", "GET /c/{storeId}/thanks", map[string]string{"storeId": "S X"}},
		{"GET", "/console", "GET /console", map[string]string{}},
		{"GET", "/console/", "GET /console/{proxy+}", map[string]string{"proxy": ""}},
		{"GET", "/console/stores/S001", "GET /console/{proxy+}", map[string]string{"proxy": "stores/S001"}},
		{"DELETE", "/console/x", "ANY /console/{proxy+}", map[string]string{"proxy": "x"}},
		{"PUT", "/c/S001", "ANY /{proxy+}", map[string]string{"proxy": "c/S001"}},
		{"GET", "/api/v1/stores/S002/cards", "GET /api/v1/stores/{storeId}/cards", map[string]string{"storeId": "S002"}},
		{"GET", "/api/v1/stores//cards", "ANY /{proxy+}", map[string]string{"proxy": "api/v1/stores//cards"}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r, params, ok := g.Match(tt.method, tt.path)
			if !ok {
				t.Fatalf("got no match, want %s", tt.wantKey)
			}
			if r.Key() != tt.wantKey || !reflect.DeepEqual(params, tt.wantParams) {
				t.Errorf("got %s %v, want %s %v", r.Key(), params, tt.wantKey, tt.wantParams)
			}
		})
	}

	narrow, err := New(routes[:5], map[string]Invoker{"F": nopInvoker{}}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, miss := range []struct{ method, path string }{{"DELETE", "/c/S001"}, {"GET", "/c"}, {"GET", "/c/S001/thanks/more"}, {"GET", "/"}, {"GET", "/c/"}} {
		if r, _, ok := narrow.Match(miss.method, miss.path); ok {
			t.Errorf("%s %s: got %s, want no match", miss.method, miss.path, r.Key())
		}
	}
}

func TestClaims(t *testing.T) {
	got := Claims(map[string]any{
		"sub":            "abc",
		"cognito:groups": []any{"store_manager", "admin"},
		"exp":            float64(1795410000),
		"email_verified": true,
		"custom:stores":  "S002,S003",
	})
	want := map[string]string{
		"sub":            "abc",
		"cognito:groups": "[store_manager admin]",
		"exp":            "1795410000",
		"email_verified": "true",
		"custom:stores":  "S002,S003",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestIsText(t *testing.T) {
	for ct, want := range map[string]bool{
		"":                                  true,
		"text/html; charset=utf-8":          true,
		"application/json":                  true,
		"application/problem+json":          true,
		"application/x-www-form-urlencoded": false,
		"multipart/form-data; boundary=x":   false,
		"image/png":                         false,
	} {
		if got := isText(ct); got != want {
			t.Errorf("%q: got %v, want %v", ct, got, want)
		}
	}
}
