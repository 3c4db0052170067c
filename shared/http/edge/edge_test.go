package edge

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestDeadline(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	far, cancelFar := context.WithDeadline(context.Background(), now.Add(time.Minute))
	defer cancelFar()
	near, cancelNear := context.WithDeadline(context.Background(), now.Add(5*time.Second))
	defer cancelNear()
	tests := []struct {
		name string
		ctx  context.Context
		want time.Time
	}{
		{"no outer deadline: the budget", context.Background(), now.Add(Budget)},
		{"a far outer deadline: the budget", far, now.Add(Budget)},
		{"Lambda's deadline nearer: margin before it", near, now.Add(5*time.Second - margin)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Deadline(tt.ctx, now, Budget); !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWrapHeadersAndDeadline(t *testing.T) {
	tests := []struct {
		stage    string
		wantHSTS string
	}{{"local", ""}, {"prod", HSTS}, {"dev", HSTS}}
	for _, tt := range tests {
		t.Run(tt.stage, func(t *testing.T) {
			hadDeadline := false
			h := Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, hadDeadline = r.Context().Deadline()
			}), Options{Stage: tt.stage})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/console/", nil))
			if !hadDeadline {
				t.Error("got a request without a deadline, want one")
			}
			hd := rec.Header()
			if got := hd.Get("Strict-Transport-Security"); got != tt.wantHSTS {
				t.Errorf("got HSTS %q, want %q", got, tt.wantHSTS)
			}
			if got := hd.Get("Content-Security-Policy"); got != CSP {
				t.Errorf("got CSP %q, want %q", got, CSP)
			}
			if got := hd.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("got X-Content-Type-Options %q, want nosniff", got)
			}
		})
	}
}
