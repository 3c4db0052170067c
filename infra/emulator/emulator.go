// Package emulator finds, starts, resets and stops moto server, the AWS
// emulator the local runner and the integration tests talk to, and builds SDK
// configs pointed at it.
package emulator

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/cardloop/cardloop/infra/childproc"
	"github.com/cardloop/cardloop/shared/setup"
)

// DefaultEndpoint is where the runner expects or starts the emulator.
const DefaultEndpoint = "http://127.0.0.1:4566"

// Region is the region every local client uses.
const Region = "us-east-1"

// Credentials the local clients and functions use; moto accepts any.
const (
	AccessKeyID     = "local"
	SecretAccessKey = "local"
)

// Endpoint returns AWS_ENDPOINT_URL, or DefaultEndpoint when it is unset.
func Endpoint() string {
	if e := os.Getenv("AWS_ENDPOINT_URL"); e != "" {
		return strings.TrimRight(e, "/")
	}
	return DefaultEndpoint
}

// Config returns an SDK config for the emulator at endpoint, with dummy
// credentials and the local region.
func Config(ctx context.Context, endpoint string) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, "")),
		config.WithBaseEndpoint(endpoint),
		config.WithHTTPClient(setup.LocalHTTPClient()), // a new connection per request: see there
	)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load aws config for %s: %w", endpoint, err)
	}
	return cfg, nil
}

// Reachable reports whether a moto server answers at endpoint.
func Reachable(ctx context.Context, endpoint string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/moto-api/", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Reset clears every resource of the emulator at endpoint. Only the runner
// does this; tests share one emulator and isolate themselves by name prefix.
func Reset(ctx context.Context, endpoint string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/moto-api/reset", nil)
	if err != nil {
		return fmt.Errorf("reset emulator %s: %w", endpoint, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reset emulator %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("reset emulator %s: status %s", endpoint, resp.Status)
	}
	return nil
}

// Server is a moto server the runner uses: one it started itself (stopped by
// Stop) or one that was already running (left running by Stop).
type Server struct {
	// Endpoint is the emulator's base URL.
	Endpoint string
	// Started says whether this process started the emulator.
	Started bool
	cmd     *exec.Cmd
	done    chan struct{}
}

// Start makes a clean emulator available at endpoint: if one answers there
// it is reset; otherwise moto_server is started as a child process writing
// its log to log. The child is stopped by Stop and dies with this process.
func Start(ctx context.Context, endpoint string, log io.Writer) (*Server, error) {
	if Reachable(ctx, endpoint) {
		if err := Reset(ctx, endpoint); err != nil {
			return nil, err
		}
		return &Server{Endpoint: endpoint}, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("parse emulator endpoint %q: %w", endpoint, err)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "80"
	}
	cmd, done, err := startMoto(host, port, log, childproc.Prepare)
	if err != nil {
		return nil, err
	}
	s := &Server{Endpoint: endpoint, Started: true, cmd: cmd, done: done}
	if err := waitReachable(ctx, endpoint, done); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// Pid returns the process id of the emulator this process started (the
// leader of its process group), or 0 for one that was already running.
func (s *Server) Pid() int {
	if !s.Started || s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Stop stops the emulator if this process started it.
func (s *Server) Stop() error {
	if !s.Started || s.cmd == nil {
		return nil
	}
	return childproc.Stop(s.cmd, s.done, 5*time.Second)
}

func startMoto(host, port string, log io.Writer, prepare func(*exec.Cmd)) (*exec.Cmd, chan struct{}, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, nil, fmt.Errorf("start emulator: moto_server not installed (pip install 'moto[server]'): %w", err)
	}
	cmd := exec.Command(bin, "-H", host, "-p", port)
	if python, script, err := fastTransactions(bin); err == nil {
		cmd = exec.Command(python, script, "-H", host, "-p", port)
	} else {
		fmt.Fprintf(log, "emulator: moto's own transactions (slow on big tables): %v\n", err)
	}
	cmd.Stdout = log
	cmd.Stderr = log
	prepare(cmd)
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start emulator: %w", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	return cmd, done, nil
}

func waitReachable(ctx context.Context, endpoint string, exited <-chan struct{}) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if Reachable(ctx, endpoint) {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("start emulator at %s: moto_server exited", endpoint)
		case <-ctx.Done():
			return fmt.Errorf("start emulator at %s: %w", endpoint, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("start emulator at %s: not answering after 60s", endpoint)
}

// freePort returns a TCP port on 127.0.0.1 nothing listens on right now.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	return port, nil
}
