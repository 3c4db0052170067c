package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPrivacyRequest: the CLI posts the console's request, with the token,
// and shows the answer, or the problem field by field.
func TestPrivacyRequest(t *testing.T) {
	tests := []struct {
		name    string
		body    map[string]string
		status  int
		answer  string
		wantOut string
		wantErr string
	}{
		{"erase", map[string]string{"kind": "erase", "phone": "0912345678", "region": "TW", "reason": "asked", "email": ""}, 200, `{"request":{"id":"pr_1","status":"done"}}`,
			`{"request":{"id":"pr_1","status":"done"}}`, ""},
		{"refused", map[string]string{"kind": "erase", "phone": "12", "reason": "asked"}, 422,
			`{"title":"Some fields need fixing.","detail":"Name the diner by a valid phone number or e-mail address.","errors":[{"field":"phone","message":"Enter a valid mobile number."}]}`,
			"", "phone: Enter a valid mobile number."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var got map[string]string
				_ = json.NewDecoder(r.Body).Decode(&got)
				if r.Method != http.MethodPost || r.URL.Path != "/api/v1/privacy/requests" || r.Header.Get("Authorization") != "Bearer tok" {
					t.Errorf("request: got %s %s %q", r.Method, r.URL.Path, r.Header.Get("Authorization"))
				}
				if _, has := got["email"]; has || got["kind"] != tt.body["kind"] || got["phone"] != tt.body["phone"] {
					t.Errorf("body: got %v, want %v without empty fields", got, tt.body)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.answer))
			}))
			defer srv.Close()
			var out bytes.Buffer
			err := privacyRequest(context.Background(), &out, srv.URL, "tok", tt.body)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("got error %v, want %q", err, tt.wantErr)
			}
			if out.String() != tt.wantOut {
				t.Errorf("got output %q, want %q", out.String(), tt.wantOut)
			}
		})
	}
}
