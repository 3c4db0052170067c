package schedule

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardloop/cardloop/infra/provision"
	"github.com/cardloop/cardloop/infra/sam"
)

func TestNext(t *testing.T) {
	taipei, err := time.LoadLocation("Asia/Taipei")
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 11, 23, 5, 30, 0, 0, time.UTC) // a Monday
	tests := []struct {
		expr string
		loc  *time.Location
		from time.Time
		want time.Time
	}{
		{"cron(0 3 * * ? *)", nil, base, time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)},
		{"cron(0/15 * * * ? *)", nil, base, time.Date(2026, 11, 23, 5, 45, 0, 0, time.UTC)},
		{"cron(0 9 ? * MON-FRI *)", nil, base, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)},
		{"cron(0 9 ? * SAT,SUN *)", nil, base, time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)},
		{"cron(0 0 1 * ? *)", nil, base, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		{"cron(0 0 L * ? *)", nil, base, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)},
		{"cron(0 0 ? * 6L *)", nil, base, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)},
		{"cron(0 0 ? * 2#1 *)", nil, base, time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)},
		{"cron(0 0 1W * ? *)", nil, base, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		{"cron(0 12 1 JAN ? 2027)", nil, base, time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)},
		{"cron(0 9 * * ? *)", taipei, base, time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC)},
		{"at(2026-12-25T08:00:00)", taipei, base, time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC)},
		{"rate(5 minutes)", nil, base, base.Add(5 * time.Minute)},
		{"rate(1 day)", nil, base, base.Add(24 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := Parse(tt.expr, tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.Next(tt.from); !got.Equal(tt.want) {
				t.Errorf("got %s, want %s", got.UTC(), tt.want)
			}
		})
	}
	for _, bad := range []string{"rate(0 minutes)", "rate(1 minutes)", "rate(5 minute)", "cron(0 3 * * * *)", "cron(0 3 ? * ? *)", "cron(61 3 * * ? *)", "cron(0 3 * *)", "every day"} {
		if _, err := Parse(bad, nil); err == nil {
			t.Errorf("%s: got no error, want one", bad)
		}
	}
}

type recorder struct {
	mu       sync.Mutex
	payloads [][]byte
}

func (r *recorder) Invoke(_ context.Context, p []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.payloads = append(r.payloads, p)
	return []byte(`{"ok":true}`), nil
}

// testJobs returns the schedules of the test template, with placeholder
// resource names under the stack "sched".
func testJobs(t *testing.T) []Job {
	t.Helper()
	tpl, err := sam.Load("../testdata/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := sam.NewResolver(tpl, nil, "sched")
	if err != nil {
		t.Fatal(err)
	}
	for id, res := range provision.Placeholders(tpl, "sched", "") {
		r.Resources[id] = res.Values()
	}
	jobs, err := Jobs(tpl, r, "sched")
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

// serve serves the schedules of jobs, all run by invoker as EchoFunction,
// until the test ends.
func serve(t *testing.T, jobs []Job, invoker Invoker) *httptest.Server {
	t.Helper()
	clock, err := New(jobs, map[string]Invoker{"EchoFunction": invoker}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(clock.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// tailing is an invoker that also says what the function logged.
type tailing struct {
	log string
	err error
}

func (f *tailing) Invoke(ctx context.Context, p []byte) ([]byte, error) {
	out, _, err := f.InvokeTail(ctx, p)
	return out, err
}

func (f *tailing) InvokeTail(context.Context, []byte) ([]byte, string, error) {
	return nil, f.log, f.err
}

// TestTriggerAPI: an API client gets the function's response as the body and
// what it logged in LogHeader (base64), also when the function fails.
func TestTriggerAPI(t *testing.T) {
	jobs := testJobs(t)
	tests := []struct {
		name       string
		invoker    Invoker
		wantStatus int
		wantBody   string
		wantLog    string
	}{
		{"logged", &tailing{log: "planned 3\n"}, 200, "null", "planned 3\n"},
		{"failed, logged", &tailing{log: "no table\n", err: errors.New("boom")}, 502, `{"message":"invoke EchoFunction for Nightly: boom"}` + "\n", "no table\n"},
		{"logged nothing", &tailing{}, 200, "null", ""},
		{"cannot tell", &recorder{}, 200, `{"ok":true}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, jobs, tt.invoker)
			resp, err := http.Post(srv.URL+"/local/schedules/EchoFunction/Nightly", "", nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			logged, err := base64.StdEncoding.DecodeString(resp.Header.Get(LogHeader))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || string(body) != tt.wantBody || string(logged) != tt.wantLog {
				t.Errorf("got %d %q log %q, want %d %q log %q", resp.StatusCode, body, logged, tt.wantStatus, tt.wantBody, tt.wantLog)
			}
		})
	}
}

func TestTrigger(t *testing.T) {
	jobs := testJobs(t)
	if len(jobs) != 2 {
		t.Fatalf("jobs: got %d, want 2", len(jobs))
	}
	rec := &recorder{}
	clock, err := New(jobs, map[string]Invoker{"EchoFunction": rec}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(clock.Handler())
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/local/schedules/EchoFunction/Nightly", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("trigger: got %d, want 200", resp.StatusCode)
	}
	var ev struct {
		DetailType string   `json:"detail-type"`
		Source     string   `json:"source"`
		Resources  []string `json:"resources"`
		Time       string   `json:"time"`
	}
	if err := json.Unmarshal(rec.payloads[0], &ev); err != nil {
		t.Fatal(err)
	}
	if ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" || len(ev.Resources) != 1 || !strings.Contains(ev.Resources[0], ":rule/") {
		t.Errorf("rule event: got %+v, want a Scheduled Event from aws.events naming the rule", ev)
	}

	if _, err := clock.Trigger(context.Background(), "EchoFunction", "Hourly"); err != nil {
		t.Fatal(err)
	}
	var in struct{ Job, At string }
	if err := json.Unmarshal(rec.payloads[1], &in); err != nil {
		t.Fatal(err)
	}
	if in.Job != "hourly" || in.At == "" || strings.Contains(in.At, "<") {
		t.Errorf("scheduler input: got %+v, want job hourly with the scheduled time filled in", in)
	}

	resp, err = http.Post(srv.URL+"/local/schedules/EchoFunction/Nope", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown schedule: got %d, want 404", resp.StatusCode)
	}
}

type failing struct{}

func (failing) Invoke(context.Context, []byte) ([]byte, error) {
	return nil, errors.New("planner: table is missing")
}

// TestPage walks the browser's way through /local/schedules: the list,
// a Run now form post, the redirect and the page saying what the run did.
func TestPage(t *testing.T) {
	jobs := testJobs(t)
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(t *testing.T, base, method, path, accept string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	tests := []struct {
		name    string
		invoker Invoker
		want    []string
	}{
		{"ok", &recorder{}, []string{"EchoFunction ran (Nightly): ok in ", "Response:", "&#34;ok&#34;: true"}},
		{"error", failing{}, []string{"EchoFunction ran (Nightly): failed in ", "Error:", "planner: table is missing"}},
		{"ok, with its log", &tailing{log: "planned 3 greetings for S001\n"}, []string{"EchoFunction ran (Nightly): ok in ", "What it logged (the last 4 KB):", "aria-labelledby=\"result-log\">planned 3 greetings for S001\n</pre>"}},
		{"ok, logged nothing", &tailing{}, []string{"EchoFunction ran (Nightly): ok in ", "The function returned no response.", "It logged nothing."}},
		{"error, with its log", &tailing{log: "table missing <S001>\n", err: errors.New("boom")}, []string{"failed in ", "boom", "aria-labelledby=\"result-log\">table missing &lt;S001&gt;\n</pre>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock, err := New(jobs, map[string]Invoker{"EchoFunction": tt.invoker}, nil)
			if err != nil {
				t.Fatal(err)
			}
			clock.now = func() time.Time { return time.Date(2026, 11, 27, 17, 50, 0, 0, time.UTC) }
			srv := httptest.NewServer(clock.Handler())
			defer srv.Close()

			resp, body := do(t, srv.URL, http.MethodGet, "/local/schedules", browser)
			if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/html") {
				t.Fatalf("page: got %d %s, want 200 text/html", resp.StatusCode, ct)
			}
			for _, want := range []string{
				`<form method="post" action="/local/schedules/EchoFunction/Nightly"><button type="submit"`,
				`<form method="post" action="/local/schedules/EchoFunction/Hourly"><button type="submit"`,
				"<code>cron(0 3 * * ? *)</code> (UTC)", "<code>rate(1 hour)</code> (Asia/Taipei)", ">Run now</button>",
				`<time datetime="2026-11-28T03:00:00Z">2026-11-28 03:00 UTC (in 9 h)</time>`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("page: got no %q in\n%s", want, body)
				}
			}

			resp, _ = do(t, srv.URL, http.MethodPost, "/local/schedules/EchoFunction/Nightly", browser)
			loc := resp.Header.Get("Location")
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/local/schedules?run=") {
				t.Fatalf("run now: got %d Location %q, want 303 to /local/schedules?run=…", resp.StatusCode, loc)
			}
			resp, body = do(t, srv.URL, http.MethodGet, loc, browser)
			if resp.StatusCode != 200 {
				t.Fatalf("result page: got %d, want 200", resp.StatusCode)
			}
			for _, want := range tt.want {
				if !strings.Contains(body, want) {
					t.Errorf("result page: got no %q in\n%s", want, body)
				}
			}
			// Reading the result again does not run the schedule again.
			if rec, ok := tt.invoker.(*recorder); ok {
				do(t, srv.URL, http.MethodGet, loc, browser)
				if n := len(rec.payloads); n != 1 {
					t.Errorf("invocations after two GETs of the result: got %d, want 1", n)
				}
			}

			resp, body = do(t, srv.URL, http.MethodGet, "/local/schedules?run=999", browser)
			if resp.StatusCode != 200 || !strings.Contains(body, "Run 999 is no longer remembered") {
				t.Errorf("unknown run: got %d, want 200 saying the run is not remembered", resp.StatusCode)
			}

			resp, body = do(t, srv.URL, http.MethodGet, "/local/schedules", "")
			var items []struct{ Function, Event, Trigger string }
			if err := json.Unmarshal([]byte(body), &items); err != nil || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("API list: got %s %q (%v), want JSON", resp.Header.Get("Content-Type"), body, err)
			}
			if len(items) != 2 || items[0].Trigger != "POST /local/schedules/EchoFunction/Hourly" {
				t.Errorf("API list: got %+v, want the two schedules", items)
			}

			resp, _ = do(t, srv.URL, http.MethodPost, "/local/schedules/EchoFunction/Nope", browser)
			if resp.StatusCode != 404 {
				t.Errorf("unknown schedule from the page: got %d, want 404", resp.StatusCode)
			}
		})
	}
}
