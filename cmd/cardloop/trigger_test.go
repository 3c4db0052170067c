package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestTrigger(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		want    string // regexp for the output
		wantErr string
	}{
		{"null response", 200, "null", `^PlannerFunction ran \(Hourly\): ok in \d+ ms\n$`, ""},
		{"empty response", 200, "", `^PlannerFunction ran \(Hourly\): ok in \d+ ms\n$`, ""},
		{"response", 200, `{"planned":3}`, `^\{\n  "planned": 3\n\}\n$`, ""},
		{"function error", 502, `{"message":"invoke PlannerFunction for Hourly: table missing"}`, `^$`, "PlannerFunction failed (Hourly) in "},
		{"unknown schedule", 404, `{"message":"trigger PlannerFunction/Hourly: no such schedule"}`, `^$`, "no such schedule (the schedules of the running app: http://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.URL.Path != "/local/schedules/PlannerFunction/Hourly" {
					t.Errorf("request: got %s %s, want POST /local/schedules/PlannerFunction/Hourly", r.Method, r.URL.Path)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			var out bytes.Buffer
			err := trigger(context.Background(), &out, srv.URL, "PlannerFunction", "Hourly")
			if tt.wantErr == "" && err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
			if !regexp.MustCompile(tt.want).MatchString(out.String()) {
				t.Errorf("got output %q, want %s", out.String(), tt.want)
			}
		})
	}
}
