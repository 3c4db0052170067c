package runner_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/runner"
)

type testLog struct {
	t    *testing.T
	mu   *sync.Mutex
	kept *strings.Builder // when not nil, everything written
}

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	if l.kept != nil {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.kept.Write(p)
	}
	return len(p), nil
}

func (l testLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.kept.String()
}

// TestRun runs the test template end to end: build, provision, gateway,
// authorizer, schedules, queue events, shutdown.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds functions and needs the emulator")
	}
	endpoint := emulator.EnsureEndpoint(t)
	cfg := emulator.Ensure(t)
	p, err := runner.LoadProject("../testdata", "../testdata/local.yaml")
	if err != nil {
		t.Fatal(err)
	}
	prefix := emulator.Prefix(t)
	p.Config.Stack = prefix
	p.Config.Addr = "127.0.0.1:0"
	p.Config.Auth.SigningKey = filepath.Join(t.TempDir(), "key.pem")
	p.RunDir = t.TempDir()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := testLog{t: t, mu: &sync.Mutex{}, kept: &strings.Builder{}}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	backfilled := make(chan string, 1)
	go func() {
		done <- p.Run(ctx, runner.Options{Endpoint: endpoint, KeepEmulatorData: true, Log: logs, Ready: func(u string) { ready <- u },
			// The backfill runs once the app serves: it must find the
			// table and come after "ready".
			Backfill: func(ctx context.Context, cfg aws.Config, table string) (string, error) {
				if table != prefix+"-Table" {
					return "", fmt.Errorf("backfill got table %q", table)
				}
				backfilled <- logs.String()
				return "the test's backfill", nil
			}})
	}()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	}
	select {
	case before := <-backfilled:
		if !strings.Contains(before, "ready in ") {
			t.Errorf("the backfill ran before the app was ready")
		}
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("the backfill never ran")
	}

	// The start says what it is doing: the functions as they are linked
	// (the run directory is new, so both are: the last report counts
	// 2/2), then the time of each phase.
	for _, want := range []string{
		"building 2 functions on ",
		"built 2/2",
		"ready in ", "emulator ", "provisioning ", "build ", "starting functions ",
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the runner's log lacks %q", want)
		}
	}

	get := func(path, token string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}

	code, body := get("/pub/7", "")
	if code != 200 {
		t.Fatalf("GET /pub/7: got %d %s, want 200", code, body)
	}
	var echoed struct {
		Event events.APIGatewayV2HTTPRequest `json:"event"`
		Env   map[string]string              `json:"env"`
	}
	if err := json.Unmarshal(body, &echoed); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"TABLE_NAME":       prefix + "-Table",
		"STAGE":            "test",
		"SUBBED":           "test-" + prefix + "-Table-" + prefix + "-Jobs",
		"PROD":             "no",
		"LOCAL_ONLY":       "from-local-yaml-test",
		"AWS_ENDPOINT_URL": endpoint,
		"QUEUE_URL":        endpoint + "/123456789012/" + prefix + "-Jobs",
	} {
		if got := echoed.Env[k]; got != want {
			t.Errorf("env %s: got %q, want %q", k, got, want)
		}
	}

	if code, _ := get("/private/me", ""); code != 401 {
		t.Errorf("private without token: got %d, want 401", code)
	}
	tok, err := p.Token("manager.s002@example.com")
	if err != nil {
		t.Fatal(err)
	}
	code, body = get("/private/me", tok)
	if code != 200 {
		t.Fatalf("private with token: got %d %s, want 200", code, body)
	}
	if err := json.Unmarshal(body, &echoed); err != nil {
		t.Fatal(err)
	}
	if got := echoed.Event.RequestContext.Authorizer.JWT.Claims["custom:stores"]; got != "S002" {
		t.Errorf("custom:stores claim: got %q, want S002", got)
	}

	resp, err := http.Post(base+"/local/schedules/EchoFunction/Nightly", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "Scheduled Event") {
		t.Errorf("trigger: got %d %s, want 200 with the scheduled event echoed", resp.StatusCode, b)
	}

	// A message on the Jobs queue reaches the real BatchFunction and is
	// deleted once it succeeds.
	sq := sqs.NewFromConfig(cfg)
	queue := endpoint + "/123456789012/" + prefix + "-Jobs"
	if _, err := sq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queue), MessageBody: aws.String("hello")}); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		out, err := sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(queue), AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
		if err != nil {
			t.Fatal(err)
		}
		if out.Attributes["ApproximateNumberOfMessages"] == "0" && out.Attributes["ApproximateNumberOfMessagesNotVisible"] == "0" {
			break
		}
		if i > 400 {
			t.Fatalf("queue not drained: %v", out.Attributes)
		}
		time.Sleep(50 * time.Millisecond)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("run returned %v, want nil after cancel", err)
	}
	// Everything is released: the port can be taken again.
	ln, err := net.Listen("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Errorf("port after shutdown: %v", err)
	} else {
		ln.Close()
	}
}
