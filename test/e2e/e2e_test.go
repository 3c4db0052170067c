// Package e2e runs the browser tests (card.test.mjs, in headless Chromium
// from Debian's chromium package, driven by playwright-core) against the
// whole local pipeline: the runner serving every function of template.yaml
// on a free port, against the AWS emulator.
package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/runner"
	"github.com/cardloop/cardloop/infra/seed"
	"github.com/cardloop/cardloop/infra/testenv"
)

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole pipeline and a browser")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no Chromium at %s: install Debian's chromium package (.ci/run does)", chromium)
	}
	if _, err := os.Stat("node_modules/playwright-core"); err != nil {
		t.Fatal("playwright-core is not installed: run `make e2e-deps` (make test does)")
	}

	root := testenv.Root()
	p, err := runner.LoadProject(root, filepath.Join(root, "infra", "local.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p.Config.Stack = emulator.Prefix(t)
	p.Config.Addr = freeAddr(t)
	p.Config.Auth.SigningKey = filepath.Join(t.TempDir(), "key.pem")
	p.RunDir = t.TempDir()
	for id, fn := range p.Config.Functions { // links in e-mails point at this run
		if fn.Environment == nil {
			continue
		}
		if _, ok := fn.Environment["PUBLIC_BASE_URL"]; ok {
			fn.Environment["PUBLIC_BASE_URL"] = "http://" + p.Config.Addr
			p.Config.Functions[id] = fn
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- p.Run(ctx, runner.Options{Endpoint: emulator.EnsureEndpoint(t), KeepEmulatorData: true,
			Seed: seed.Write, Log: testLog{t}, Ready: func(u string) { ready <- u }})
	}()
	defer func() {
		cancel()
		<-done
	}()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(5 * time.Minute):
		t.Fatal("the pipeline did not start within 5 minutes")
	}

	cmd := exec.CommandContext(ctx, "node", "--test", "--test-reporter=spec")
	cmd.Env = append(os.Environ(), "BASE_URL="+base, "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	t.Logf("node --test:\n%s", out)
	if err != nil {
		t.Fatalf("browser tests failed: %v", err)
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprintf("127.0.0.1:%d", l.Addr().(*net.TCPAddr).Port)
}
