package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/cardloop/cardloop/infra/schedule"
)

func TestTrigger(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		logged  string // the function's log, sent in schedule.LogHeader
		want    string // regexp for the output
		wantErr string
	}{
		{"null response", 200, "null", "", `^PlannerFunction ran \(Hourly\): ok in \d+ ms\nlogged: nothing\nresponse: none\n$`, ""},
		{"empty response", 200, "", "", `^PlannerFunction ran \(Hourly\): ok in \d+ ms\nlogged: nothing\nresponse: none\n$`, ""},
		{"response and log", 200, `{"planned":3}`, "planned 3 greetings\nqueued 3\n",
			`^PlannerFunction ran \(Hourly\): ok in \d+ ms\nlogged:\n  planned 3 greetings\n  queued 3\nresponse:\n  \{\n    "planned": 3\n  \}\n$`, ""},
		{"function error", 502, `{"message":"invoke PlannerFunction for Hourly: table missing"}`, "no table\n", `^logged:\n  no table\n$`, "PlannerFunction failed (Hourly) in "},
		{"unknown schedule", 404, `{"message":"trigger PlannerFunction/Hourly: no such schedule"}`, "", `^$`, "no such schedule (the schedules of the running app: http://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.URL.Path != "/local/schedules/PlannerFunction/Hourly" {
					t.Errorf("request: got %s %s, want POST /local/schedules/PlannerFunction/Hourly", r.Method, r.URL.Path)
				}
				if tt.logged != "" {
					w.Header().Set(schedule.LogHeader, base64.StdEncoding.EncodeToString([]byte(tt.logged)))
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
