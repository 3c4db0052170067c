// Package build builds a SAM template's functions the way `sam build` does
// for BuildMethod: makefile: by running the project Makefile's
// build-<LogicalId> target with ARTIFACTS_DIR, here for the host's
// architecture so the local runner can execute the bootstrap binary.
package build

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Function runs `make build-<logicalID> ARTIFACTS_DIR=<artifactsDir>
// GOARCH=<host>` in dir (the directory of template.yaml and the Makefile)
// and returns the path of the built bootstrap.
func Function(ctx context.Context, dir, logicalID, artifactsDir string) (string, error) {
	return FunctionFor(ctx, dir, logicalID, artifactsDir, runtime.GOARCH)
}

// FunctionFor is Function for the architecture goarch (arm64 is what
// Lambda runs).
func FunctionFor(ctx context.Context, dir, logicalID, artifactsDir, goarch string) (string, error) {
	abs, err := filepath.Abs(artifactsDir)
	if err != nil {
		return "", fmt.Errorf("build %s: %w", logicalID, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", fmt.Errorf("build %s: %w", logicalID, err)
	}
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "-C", dir,
		"build-"+logicalID, "ARTIFACTS_DIR="+abs, "GOARCH="+goarch)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s: %w\n%s", logicalID, err, strings.TrimSpace(out.String()))
	}
	bin := filepath.Join(abs, "bootstrap")
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("build %s: make succeeded but left no bootstrap: %w", logicalID, err)
	}
	return bin, nil
}

// CodeDir returns the directory name, under functions/ and events/, of the
// function logicalID: the project's convention is <Name>Function →
// functions/<name>.
func CodeDir(logicalID string) string {
	return strings.ToLower(strings.TrimSuffix(logicalID, "Function"))
}

// Progress is what All reports while it builds.
type Progress struct {
	// Functions are the logical ids of the functions linked since the last
	// report — several at once when they are links of one executable —
	// or none for a periodic report.
	Functions []string
	// Done counts the functions linked so far, Total the functions built.
	Done, Total int
	// Packages counts the packages compiled so far (cached ones are not).
	Packages int
	// Elapsed is the time since the build started.
	Elapsed time.Duration
}

// Summary is what All did.
type Summary struct {
	// Built are the functions linked anew; the others were up to date.
	Built []string
	// Packages counts the packages compiled.
	Packages int
	// Took is the build's wall time.
	Took time.Duration
}

// tick is how often All reports progress while no function is linked;
// poll is how often it looks for linked binaries.
const (
	tick = 15 * time.Second
	poll = 300 * time.Millisecond
)

// All builds the functions logicalIDs of the project in dir with one
// `make local-functions` (a single go build: compile work shared between
// functions and spread by Go over the cores) into binDir, for goarch, and
// returns each function's binary by logical id (the project's Makefile
// makes them one executable, hard-linked under each function's name; a
// test project's may build one binary per function). A binary that is up
// to date is left as it is (go build checks its build ID). progress, when not nil,
// is called as binaries are linked and every 15 s in between.
func All(ctx context.Context, dir string, logicalIDs []string, binDir, goarch string, progress func(Progress)) (map[string]string, Summary, error) {
	start := time.Now()
	abs, err := filepath.Abs(binDir)
	if err != nil {
		return nil, Summary{}, fmt.Errorf("build functions: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, Summary{}, fmt.Errorf("build functions: %w", err)
	}
	if progress == nil {
		progress = func(Progress) {}
	}
	w := newWatch(abs, logicalIDs, start)
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "-C", dir, "local-functions",
		"BIN_DIR="+abs, "GOARCH="+goarch, "FUNCTIONS="+strings.Join(logicalIDs, " "), "GO_BUILD_FLAGS=-v")
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.WaitDelay = 2 * time.Second // make's go build may outlive a cancelled make
	if err := cmd.Start(); err != nil {
		return nil, Summary{}, fmt.Errorf("build functions: %w", err)
	}
	waited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		pw.Close()
		waited <- err
	}()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, pr)
	}()

	ticker, poller := time.NewTicker(tick), time.NewTicker(poll)
	defer ticker.Stop()
	defer poller.Stop()
	// Binaries linked in a burst (the links of one executable, made within
	// milliseconds of each other, often across a poll) are held until a
	// poll finds no more, and reported together.
	var pending Progress
	hold := func(p Progress) {
		p.Functions = append(pending.Functions, p.Functions...)
		pending = p
	}
	flush := func() {
		if len(pending.Functions) > 0 {
			progress(pending)
			ticker.Reset(tick)
		}
		pending = Progress{}
	}
	for lines != nil {
		select {
		case line, ok := <-lines:
			if ok {
				w.line(line)
			} else {
				lines = nil
			}
		case <-poller.C:
			if p, ok := w.linked(); ok {
				hold(p)
			} else {
				flush()
			}
		case <-ticker.C:
			progress(w.progress())
		}
	}
	err = <-waited
	if p, ok := w.linked(); ok && err == nil {
		hold(p)
	}
	flush()
	sum := Summary{Built: w.built, Packages: w.packages, Took: time.Since(start)}
	if err != nil {
		return nil, sum, fmt.Errorf("build functions: %w\n%s", err, strings.TrimSpace(w.other.String()))
	}
	bins := map[string]string{}
	for _, id := range logicalIDs {
		if _, err := os.Stat(w.bins[id]); err != nil {
			return nil, sum, fmt.Errorf("build functions: make succeeded but left no binary for %s: %w", id, err)
		}
		bins[id] = w.bins[id]
	}
	return bins, sum, nil
}

// watch follows a build: go build -v's output (one import path a line per
// package compiled; anything else, such as errors, kept for the error
// message) and the binaries, of which a new file is a link (go build leaves
// an up-to-date binary's file in place).
type watch struct {
	start    time.Time
	ids      []string
	bins     map[string]string      // logical id → binary
	before   map[string]os.FileInfo // logical id → binary before the build
	built    []string
	packages int
	other    strings.Builder
}

func newWatch(binDir string, logicalIDs []string, start time.Time) *watch {
	w := &watch{start: start, ids: logicalIDs, bins: map[string]string{}, before: map[string]os.FileInfo{}}
	for _, id := range logicalIDs {
		w.bins[id] = filepath.Join(binDir, CodeDir(id))
		if fi, err := os.Stat(w.bins[id]); err == nil {
			w.before[id] = fi
		}
	}
	return w
}

// importPath matches a line of go build -v: an import path alone.
var importPath = regexp.MustCompile(`^[A-Za-z0-9_.~+-]+(/[A-Za-z0-9_.~+-]+)*$`)

// line takes one line of the build's output.
func (w *watch) line(s string) {
	if importPath.MatchString(s) {
		w.packages++
		return
	}
	w.other.WriteString(s + "\n")
}

// linked returns the progress of the functions linked since the last call
// (a function's binary is a new file), and false when there are none.
func (w *watch) linked() (Progress, bool) {
	var now []string
	for _, id := range w.ids {
		if slices.Contains(w.built, id) {
			continue
		}
		fi, err := os.Stat(w.bins[id])
		if err != nil {
			continue
		}
		if old, ok := w.before[id]; ok && os.SameFile(old, fi) {
			continue
		}
		w.built = append(w.built, id)
		now = append(now, id)
	}
	return w.progress(now...), len(now) > 0
}

func (w *watch) progress(functions ...string) Progress {
	return Progress{Functions: functions, Done: len(w.built), Total: len(w.ids), Packages: w.packages, Elapsed: time.Since(w.start)}
}
