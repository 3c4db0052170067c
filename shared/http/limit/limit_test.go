package limit

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// fakeCounts counts in memory, or fails with err.
type fakeCounts struct {
	n       map[string]int
	clients []string
	err     error
}

var _ counter = (*fakeCounts)(nil)

func (f *fakeCounts) Count(_ context.Context, client string, start, expires time.Time) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	if !expires.After(start) {
		return 0, errors.New("expires before the window starts")
	}
	f.clients = append(f.clients, client)
	k := client + "@" + start.Format(time.RFC3339)
	f.n[k]++
	return f.n[k], nil
}

type fakeIDs struct{}

func (fakeIDs) Keyed(purpose, value string) string { return "h(" + purpose + "," + value + ")" }

// ok is the wrapped handler: it answers 201 and counts its calls.
type ok struct{ calls int }

func (o *ok) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	o.calls++
	w.WriteHeader(http.StatusCreated)
}

type req struct {
	method, path, addr, contentType, body, acceptLanguage string
	at                                                    time.Duration // after the clock's start
}

func TestWrap(t *testing.T) {
	api := func(addr string, at time.Duration) req {
		return req{method: "POST", path: "/api/v1/cards", addr: addr, contentType: "application/json", body: "{}", at: at}
	}
	start := time.Date(2026, 11, 30, 12, 0, 20, 0, time.UTC) // 20 s into a minute window
	for _, tc := range []struct {
		name      string
		rule      Rule
		countErr  error
		reqs      []req
		want      []int  // status of each request
		wantRetry string // Retry-After of the last
		wantType  string // Content-Type of the last
		wantText  string // in the last body
	}{
		{
			name: "within the rule",
			rule: Rule{Max: 3, Window: time.Minute},
			reqs: []req{api("203.0.113.7", 0), api("203.0.113.7", 0), api("203.0.113.7", 0)},
			want: []int{201, 201, 201},
		},
		{
			name: "one client over the rule, another accepted",
			rule: Rule{Max: 2, Window: time.Minute},
			reqs: []req{api("203.0.113.7", 0), api("203.0.113.7", 0), api("203.0.113.7", 0), api("198.51.100.2", 0)},
			want: []int{201, 201, 429, 201},
		},
		{
			name:      "refused: problem document with the wait",
			rule:      Rule{Max: 1, Window: time.Minute},
			reqs:      []req{api("203.0.113.7", 0), api("203.0.113.7", 10*time.Second)},
			want:      []int{201, 429},
			wantRetry: "30", // the window ends 40 s after 12:00:20; the request came at :30
			wantType:  "application/problem+json",
			wantText:  `"type":"https://cardloop.dev/problems/too_many_requests"`,
		},
		{
			name: "a new window starts a new count",
			rule: Rule{Max: 1, Window: time.Minute},
			reqs: []req{api("203.0.113.7", 0), api("203.0.113.7", 39*time.Second), api("203.0.113.7", 40*time.Second)},
			want: []int{201, 429, 201},
		},
		{
			name: "reading is not counted",
			rule: Rule{Max: 1, Window: time.Minute},
			reqs: []req{{method: "GET", path: "/c/S001", addr: "203.0.113.7"}, {method: "GET", path: "/c/S001", addr: "203.0.113.7"}, api("203.0.113.7", 0)},
			want: []int{201, 201, 201},
		},
		{
			name: "address with a port",
			rule: Rule{Max: 1, Window: time.Minute},
			reqs: []req{api("203.0.113.7:1234", 0), api("203.0.113.7:5678", 0)},
			want: []int{201, 429},
		},
		{
			name: "the form is answered in the diner's language",
			rule: Rule{Max: 1, Window: time.Minute},
			reqs: []req{
				{method: "POST", path: "/c/S001", addr: "203.0.113.7", contentType: "application/x-www-form-urlencoded", body: "lang=en"},
				{method: "POST", path: "/c/S001", addr: "203.0.113.7", contentType: "application/x-www-form-urlencoded", body: url.Values{"lang": {"zh-CN"}, "comment": {"好"}}.Encode(), acceptLanguage: "en"},
			},
			want:      []int{201, 429},
			wantRetry: "40",
			wantType:  "text/html; charset=utf-8",
			wantText:  "40 秒后再点一次",
		},
		{
			name:     "the counter fails: let through",
			rule:     Rule{Max: 1, Window: time.Minute},
			countErr: errors.New("table throttled"),
			reqs:     []req{api("203.0.113.7", 0), api("203.0.113.7", 0), api("203.0.113.7", 0)},
			want:     []int{201, 201, 201},
		},
		{
			name: "no rule",
			rule: Rule{},
			reqs: []req{api("203.0.113.7", 0), api("203.0.113.7", 0)},
			want: []int{201, 201},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counts := &fakeCounts{n: map[string]int{}, err: tc.countErr}
			var now time.Time
			l := New(counts, fakeIDs{}, tc.rule, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
			next := &ok{}
			h := l.Wrap(next)
			var last *httptest.ResponseRecorder
			passed := 0
			for i, rq := range tc.reqs {
				now = start.Add(rq.at)
				r := httptest.NewRequest(rq.method, rq.path, strings.NewReader(rq.body))
				r.RemoteAddr = rq.addr
				if rq.contentType != "" {
					r.Header.Set("Content-Type", rq.contentType)
				}
				if rq.acceptLanguage != "" {
					r.Header.Set("Accept-Language", rq.acceptLanguage)
				}
				last = httptest.NewRecorder()
				h.ServeHTTP(last, r)
				if last.Code != tc.want[i] {
					t.Errorf("request %d: got %d %s, want %d", i+1, last.Code, last.Body, tc.want[i])
				}
				if last.Code == 201 {
					passed++
				}
			}
			if next.calls != passed {
				t.Errorf("handler calls: got %d, want %d (refused requests must not reach it)", next.calls, passed)
			}
			if tc.wantRetry != "" && last.Header().Get("Retry-After") != tc.wantRetry {
				t.Errorf("Retry-After: got %q, want %q", last.Header().Get("Retry-After"), tc.wantRetry)
			}
			if tc.wantType != "" && last.Header().Get("Content-Type") != tc.wantType {
				t.Errorf("Content-Type: got %q, want %q", last.Header().Get("Content-Type"), tc.wantType)
			}
			if !strings.Contains(last.Body.String(), tc.wantText) {
				t.Errorf("body: got %s, want %q in it", last.Body, tc.wantText)
			}
			for _, c := range counts.clients {
				if strings.Contains(c, "203.0.113.7") && !strings.HasPrefix(c, "h(client-ip,") {
					t.Errorf("client key %q: want only the pseudonym of the address", c)
				}
			}
		})
	}
}

// TestProblemInLanguage: the API's 429 speaks the caller's language.
func TestProblemInLanguage(t *testing.T) {
	l := New(&fakeCounts{n: map[string]int{}}, fakeIDs{}, Rule{Max: 1, Window: time.Minute}, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h := l.Wrap(&ok{})
	for _, tc := range []struct{ addr, accept, want string }{{"192.0.2.1", "zh-TW", "送出次數過多"}, {"192.0.2.2", "en", "Too many requests"}} {
		var rec *httptest.ResponseRecorder
		for range 2 {
			r := httptest.NewRequest("POST", "/api/v1/cards", strings.NewReader("{}"))
			r.RemoteAddr = tc.addr
			r.Header.Set("Accept-Language", tc.accept)
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, r)
		}
		var p struct {
			Title  string
			Status int
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != 429 || !strings.Contains(p.Title, tc.want) {
			t.Errorf("%s: got %d %s, %v; want status 429 titled %q", tc.accept, rec.Code, rec.Body, err, tc.want)
		}
	}
}
