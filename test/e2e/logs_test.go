package e2e

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardloop/cardloop/infra/seed"
)

// logTap keeps everything the runner and the functions write.
type logTap struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logTap) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// functionLines returns the lines the functions wrote ("[XxxFunction] …").
func (l *logTap) functionLines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range strings.Split(l.buf.String(), "\n") {
		if strings.HasPrefix(line, "[") && strings.Contains(line, "Function] ") {
			out = append(out, line)
		}
	}
	return out
}

// TestFunctionLogsNameNoDiner runs the whole pipeline (PRODUCT.md 4.5,
// issue 11 point 6): diners' cards through the card API (a low one, which
// opens a case and mails the manager; greetings ticked, which mails a
// confirmation; one refused), the schedules, and a staff export and
// erasure; then no function's log holds a diner's name, phone, e-mail or
// comment.
func TestFunctionLogsNameNoDiner(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole pipeline")
	}
	tap := &logTap{}
	p, base, _ := startPipeline(t, seed.Write, tap)
	post := func(path, token, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	secrets := []string{"林小姐", "lin.logs@example.com", "912345678", "912 345 678", "Alice Tan", "alice.logs@example.com", "9123 4567", "91234567",
		"牛排太老了等了四十分鐘", "the soup was cold for Alice"}
	for _, c := range []struct {
		body   string
		status int
	}{
		{`{"submissionId":"logs-1","storeId":"S001","ratings":{"main":1,"overall":1},"comment":"牛排太老了等了四十分鐘 食物中毒",
			"diner":{"name":"林小姐","phone":"0912 345 678","email":"lin.logs@example.com","birthday":"11-25"},"consent":{"contact":true,"marketing":true}}`, 201},
		{`{"submissionId":"logs-2","storeId":"S003","ratings":{"overall":5},"comment":"the soup was cold for Alice",
			"diner":{"name":"Alice Tan","phone":"9123 4567","email":"alice.logs@example.com"},"consent":{"marketing":true}}`, 201},
		{`{"submissionId":"logs-3","storeId":"S003","ratings":{"overall":5},"diner":{"name":"Alice Tan","phone":"9123 4567","email":"alice.logs@"}}`, 422},
	} {
		if status, body := post("/api/v1/cards", "", c.body); status != c.status {
			t.Fatalf("card: got %d %s, want %d", status, body, c.status)
		}
	}
	// The stream's functions (triage, consent, insight) take the cards.
	time.Sleep(10 * time.Second)
	for _, s := range [][2]string{{"EscalateFunction", "Every15Minutes"}, {"PlannerFunction", "Hourly"}, {"RetentionFunction", "Daily"}} {
		if status, body := post("/local/schedules/"+s[0]+"/"+s[1], "", ""); status != 200 {
			t.Errorf("schedule %s: got %d %s", s[0], status, body)
		}
	}
	tok, err := p.Token("ops@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if status, body := post("/api/v1/privacy/requests", tok, `{"kind":"export","email":"alice.logs@example.com","reason":"copy asked"}`); status != 200 || !strings.Contains(body, "Alice Tan") {
		t.Errorf("export: got %d %s", status, body)
	}
	if status, body := post("/api/v1/privacy/requests", tok, `{"kind":"correct","phone":"0912 345 678","region":"TW","reason":"asked","changes":{"birthday":"02-30"}}`); status != 422 {
		t.Errorf("bad correction: got %d %s, want 422", status, body)
	}
	if status, body := post("/api/v1/privacy/requests", tok, `{"kind":"erase","phone":"0912 345 678","region":"TW","reason":"asked"}`); status != 200 {
		t.Errorf("erase: got %d %s", status, body)
	}

	lines := tap.functionLines()
	seen := map[string]bool{}
	for _, l := range lines {
		seen[l[1:strings.Index(l, "]")]] = true
		for _, s := range secrets {
			if strings.Contains(l, s) {
				t.Errorf("a function logged %q: %s", s, l)
			}
		}
	}
	// The functions these steps make write a line (CardFunction logs
	// nothing when cards go well).
	for _, f := range []string{"TriageFunction", "ConsentFunction", "ConsoleFunction", "RetentionFunction"} {
		if !seen[f] {
			t.Errorf("no log line of %s among %d function lines; want the run's logs read", f, len(lines))
		}
	}
	t.Logf("%d function log lines read, from %v", len(lines), seen)
}
