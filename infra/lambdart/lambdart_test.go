package lambdart_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardloop/cardloop/infra/lambdart"
)

// buildEcho builds ../testdata/functions/echo for this machine.
func buildEcho(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", out, "../testdata/functions/echo")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build echo: %v\n%s", err, b)
	}
	return out
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestInvoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a Lambda binary")
	}
	var logs syncBuffer
	fn := lambdart.New(lambdart.Config{
		Name:    "local-Echo",
		Label:   "EchoFunction",
		ARN:     "arn:aws:lambda:us-east-1:123456789012:function:local-Echo",
		Binary:  buildEcho(t),
		Timeout: 2 * time.Second,
		Env:     map[string]string{"STAGE": "test"},
		Log:     &logs,
	})
	defer fn.Close()
	ctx := context.Background()
	if err := fn.Warm(ctx); err != nil {
		t.Fatal(err)
	}

	t.Run("response", func(t *testing.T) {
		got, err := fn.Invoke(ctx, []byte(`{"hello":"world"}`))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != `{"hello":"world"}` {
			t.Errorf("got %s, want the event back", got)
		}
	})
	t.Run("function error", func(t *testing.T) {
		_, err := fn.Invoke(ctx, []byte(`{"error":"nope"}`))
		var fe *lambdart.FunctionError
		if !errors.As(err, &fe) || fe.Message != "nope" || fe.Type != "errorString" {
			t.Errorf("got %v, want a FunctionError errorString: nope", err)
		}
	})
	t.Run("crash then restart", func(t *testing.T) {
		_, err := fn.Invoke(ctx, []byte(`{"crash":true}`))
		var fe *lambdart.FunctionError
		if !errors.As(err, &fe) || fe.Type != "Runtime.ExitError" {
			t.Errorf("got %v, want a Runtime.ExitError", err)
		}
		got, err := fn.Invoke(ctx, []byte(`{"after":"crash"}`))
		if err != nil || string(got) != `{"after":"crash"}` {
			t.Errorf("after crash: got %s, %v, want the event back", got, err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		_, err := fn.Invoke(ctx, []byte(`{"sleepMs":10000}`))
		var fe *lambdart.FunctionError
		if !errors.As(err, &fe) || fe.Type != "Sandbox.Timedout" {
			t.Errorf("got %v, want Sandbox.Timedout", err)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := fn.Invoke(ctx, []byte(`{"sleepMs":200}`))
				if err == nil && !strings.Contains(string(got), "sleepMs") {
					err = errors.New("unexpected response " + string(got))
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})
	t.Run("environment", func(t *testing.T) {
		got, err := fn.Invoke(ctx, []byte(`{"routeKey":"GET /x","rawPath":"/x"}`))
		if err != nil {
			t.Fatal(err)
		}
		var resp struct {
			Body string `json:"body"`
		}
		if err := json.Unmarshal(got, &resp); err != nil {
			t.Fatal(err)
		}
		var body struct {
			Env map[string]string `json:"env"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]string{"STAGE": "test", "AWS_LAMBDA_FUNCTION_NAME": "local-Echo", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "_HANDLER": "bootstrap"} {
			if got := body.Env[k]; got != want {
				t.Errorf("%s: got %q, want %q", k, got, want)
			}
		}
	})
	if !strings.Contains(logs.String(), "[EchoFunction] echo: got event") {
		t.Errorf("log: got %q, want lines prefixed [EchoFunction]", logs.String())
	}
}

// TestKillBusy: killing the function's busy process fails the invocation it
// was running as a crash does (Runtime.ExitError), leaves idle processes
// alone, and the next invocation runs in a new process.
func TestKillBusy(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a Lambda binary")
	}
	fn := lambdart.New(lambdart.Config{Name: "local-Echo", Binary: buildEcho(t), Timeout: 30 * time.Second, MaxConcurrency: 2})
	defer fn.Close()
	ctx := context.Background()
	if n := fn.KillBusy(); n != 0 {
		t.Errorf("with nothing running: got %d killed, want 0", n)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := fn.Invoke(ctx, []byte(`{"sleepMs":20000}`))
		errc <- err
	}()
	killed := 0
	for killed == 0 {
		select {
		case err := <-errc:
			t.Fatalf("the invocation ended before it was killed: %v", err)
		default:
		}
		killed = fn.KillBusy()
		time.Sleep(5 * time.Millisecond)
	}
	if killed != 1 {
		t.Errorf("got %d killed, want 1", killed)
	}
	var fe *lambdart.FunctionError
	if err := <-errc; !errors.As(err, &fe) || fe.Type != "Runtime.ExitError" {
		t.Errorf("the killed invocation: got %v, want a Runtime.ExitError", err)
	}
	if got, err := fn.Invoke(ctx, []byte(`{"body":"again"}`)); err != nil || !strings.Contains(string(got), "again") {
		t.Errorf("next invocation: got %s, %v; want the event back", got, err)
	}
}

// TestInvokeTail: InvokeTail returns what the process logged during that
// invocation only (not its start, not other invocations), for a success, a
// function error and a crash, while the function's log still gets it all.
func TestInvokeTail(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a Lambda binary")
	}
	var logs syncBuffer
	fn := lambdart.New(lambdart.Config{Name: "local-Echo", Label: "EchoFunction", Binary: buildEcho(t),
		Timeout: 2 * time.Second, MaxConcurrency: 1, Log: &logs})
	defer fn.Close()
	ctx := context.Background()
	tests := []struct {
		name     string
		payload  string
		wantLog  []string // lines the tail has
		wantErr  bool
		notInLog string
	}{
		{"ok", `{"n":1}`, []string{"echo: got event 7 bytes\n"}, false, ""},
		{"function error", `{"error":"boom"}`, []string{"echo: got event 16 bytes\n", `{"errorMessage":"boom","errorType":"errorString"}` + "\n"}, true, "got event 7 bytes"},
		{"crash", `{"crash":true}`, []string{"echo: got event 14 bytes\n", "echo: crashing on purpose\n"}, true, "got event 7 bytes"},
		{"after a crash, a new process", `{"n":22}`, []string{"echo: got event 8 bytes\n"}, false, "crashing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, tail, err := fn.InvokeTail(ctx, []byte(tt.payload))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			for _, want := range tt.wantLog {
				if !strings.Contains(tail, want) {
					t.Errorf("tail = %q, want it to have %q", tail, want)
				}
			}
			if tt.notInLog != "" && strings.Contains(tail, tt.notInLog) {
				t.Errorf("tail %q has %q from another invocation", tail, tt.notInLog)
			}
			if !strings.Contains(logs.String(), "[EchoFunction] "+tt.wantLog[0]) {
				t.Errorf("the function's log lacks %q", tt.wantLog[0])
			}
		})
	}
	// Invoke (no tail) keeps nothing for a later InvokeTail.
	if _, err := fn.Invoke(ctx, []byte(`{"n":333}`)); err != nil {
		t.Fatal(err)
	}
	if _, tail, err := fn.InvokeTail(ctx, []byte(`{"n":4444}`)); err != nil || tail != "echo: got event 10 bytes\n" {
		t.Errorf("InvokeTail after Invoke = %q, %v; want only its own line", tail, err)
	}
}
