package emulator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// shared is the emulator the tests of this process use, found or started
// once by Ensure.
var shared struct {
	once     sync.Once
	endpoint string
	users    *os.File // shared lock held for the life of the process
	err      error
}

// Ensure returns an SDK config pointed at a running moto server, for
// integration tests. It uses AWS_ENDPOINT_URL when that is set and answers;
// otherwise it shares one moto_server among all test processes of the
// machine, starting it on a free port when none runs. The shared server stops
// by itself once no test process uses it any more. Tests must isolate their
// resources (unique name prefixes) and never reset the emulator.
func Ensure(t testing.TB) aws.Config {
	t.Helper()
	shared.once.Do(func() {
		shared.endpoint, shared.err = ensure()
	})
	if shared.err != nil {
		t.Fatalf("emulator: %v", shared.err)
	}
	cfg, err := Config(context.Background(), shared.endpoint)
	if err != nil {
		t.Fatalf("emulator: %v", err)
	}
	return cfg
}

// EnsureEndpoint is Ensure returning the emulator's base URL.
func EnsureEndpoint(t testing.TB) string {
	t.Helper()
	Ensure(t)
	return shared.endpoint
}

func ensure() (string, error) {
	ctx := context.Background()
	if e := os.Getenv("AWS_ENDPOINT_URL"); e != "" {
		e = strings.TrimRight(e, "/")
		if Reachable(ctx, e) {
			return e, nil
		}
	}
	dir := os.TempDir()
	lockPath := filepath.Join(dir, "cardloop-moto.lock")
	usersPath := filepath.Join(dir, "cardloop-moto.users")
	addrPath := filepath.Join(dir, "cardloop-moto.addr")

	lock, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", lockPath, err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock %s: %w", lockPath, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)

	// Register as a user before looking: the watchdog of a running server
	// stops it only when no process holds this shared lock.
	users, err := os.OpenFile(usersPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", usersPath, err)
	}
	if err := syscall.Flock(int(users.Fd()), syscall.LOCK_SH); err != nil {
		users.Close()
		return "", fmt.Errorf("lock %s: %w", usersPath, err)
	}
	shared.users = users

	if b, err := os.ReadFile(addrPath); err == nil {
		if e := strings.TrimSpace(string(b)); e != "" && Reachable(ctx, e) {
			return e, nil
		}
	}
	port, err := freePort()
	if err != nil {
		return "", err
	}
	endpoint := "http://127.0.0.1:" + port
	logf, err := os.OpenFile(filepath.Join(dir, "cardloop-moto.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return "", fmt.Errorf("open moto log: %w", err)
	}
	defer logf.Close()
	cmd, done, err := startMoto("127.0.0.1", port, logf, func(c *exec.Cmd) {
		c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	})
	if err != nil {
		return "", err
	}
	if err := waitReachable(ctx, endpoint, done); err != nil {
		_ = cmd.Process.Kill()
		return "", err
	}
	// The watchdog gets the exclusive lock once every test process using
	// the server has exited, then stops the server.
	watch := exec.Command("flock", "-x", usersPath, "sh", "-c", `kill "$0"; rm -f "$1"`,
		fmt.Sprint(cmd.Process.Pid), addrPath)
	watch.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := watch.Start(); err != nil {
		return "", fmt.Errorf("start emulator watchdog: %w", err)
	}
	go func() { _ = watch.Wait() }()
	if err := os.WriteFile(addrPath, []byte(endpoint), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", addrPath, err)
	}
	return endpoint, nil
}

// Prefix returns a short name prefix unique to this test run, for the
// physical names of the test's resources (see provision.Resources).
func Prefix(t testing.TB) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("random prefix: %v", err)
	}
	return "t" + hex.EncodeToString(b[:])
}
