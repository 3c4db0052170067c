package console_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/shared/digest"
	"github.com/cardloop/cardloop/shared/http/console"
)

// fakePrefs keeps preferences in memory (digeststore's own test runs
// against the emulator).
type fakePrefs struct{ m map[string]digest.Prefs }

func (f *fakePrefs) PrefsOf(_ context.Context, email string) (digest.Prefs, error) {
	return f.m[email], nil
}
func (f *fakePrefs) PutPrefs(_ context.Context, email string, p digest.Prefs) error {
	f.m[email] = p
	return nil
}

// TestDigestPrefs: staff read and change their own summary e-mail
// settings; a PUT must say all three; a GET changes nothing.
func TestDigestPrefs(t *testing.T) {
	prefs := &fakePrefs{m: map[string]digest.Prefs{}}
	h := httpadapter.NewV2(console.NewHandler(nil, nil, nil, nil, nil, "/local/signin", "wang", slog.New(slog.NewTextHandler(io.Discard, nil))).WithDigestPrefs(prefs))
	call := func(method, body string) (int, string, string) {
		t.Helper()
		resp, err := h.ProxyWithContext(context.Background(), campaignRequest(t, method, "/api/v1/me/digests", body, "manager.s001", "store_manager"))
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, resp.Headers["Content-Type"], resp.Body
	}
	if status, _, body := call("GET", ""); status != 200 || strings.ReplaceAll(body, "\n", "") != `{"digestsOff":false,"nightlyOff":false,"weeklyOff":false}` {
		t.Errorf("GET before any choice: got %d %s, want everything on", status, body)
	}
	if len(prefs.m) != 0 {
		t.Errorf("GET wrote %v", prefs.m)
	}
	if status, _, _ := call("PUT", `{"digestsOff":false,"nightlyOff":true,"weeklyOff":false}`); status != 200 {
		t.Fatalf("PUT: got %d, want 200", status)
	}
	if got := prefs.m["manager.s001@example.com"]; got != (digest.Prefs{NightlyOff: true}) {
		t.Errorf("stored: got %+v, want nightly off for manager.s001@example.com", got)
	}
	status, _, body := call("GET", "")
	var got digest.Prefs
	if err := json.Unmarshal([]byte(body), &got); status != 200 || err != nil || !got.NightlyOff || got.WeeklyOff {
		t.Errorf("GET after PUT: got %d %s", status, body)
	}
	for _, bad := range []struct {
		body   string
		status int
	}{{`{"nightlyOff":true}`, 422}, {`{"digestsOff":false,"nightlyOff":true,"weeklyOff":false,"x":1}`, 400}, {`[`, 400}} {
		status, ctype, body := call("PUT", bad.body)
		if status != bad.status || ctype != "application/problem+json" {
			t.Errorf("PUT %s: got %d %s %s, want a %d problem", bad.body, status, ctype, body, bad.status)
		}
	}
	if got := prefs.m["manager.s001@example.com"]; got != (digest.Prefs{NightlyOff: true}) {
		t.Errorf("after refused PUTs: got %+v, want the choice unchanged", got)
	}
	if status, _, body := call("PUT", `{"nightlyOff":true}`); !strings.Contains(body, `"field":"digestsOff"`) || !strings.Contains(body, `"field":"weeklyOff"`) || status != 422 {
		t.Errorf("PUT with fields missing: got %s, want digestsOff and weeklyOff named", body)
	}
}
