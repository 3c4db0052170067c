package build_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardloop/cardloop/infra/build"
	"github.com/cardloop/cardloop/infra/lambdart"
)

// initLimit caps the number of package initialisers a function's binary
// runs at each cold start (GODEBUG=inittrace=1 lines). A bare lambda.Start
// binary runs 81; the AWS SDK's shared config (credentials, SSO, STS) and
// the DynamoDB client add about 45, libphonenumber with protobuf 13 (and
// 17 ms, the most of any: it parses its metadata at start), templ 3. The
// reliability and privacy work of 2026-11-27 (the logger's redaction
// patterns, strict JSON, the limiter) added 1–2; the card flow, campaign
// safety and print-batch work of 2026-11-28 added 2 to CardFunction and 1 to
// TriageFunction with the same packages linked (package-level tables and
// patterns that now need initialising), which the next slimming should win
// back.
var initLimit = map[string]int{
	"CardFunction":   159,
	"TriageFunction": 142,
}

// TestInitCount checks initLimit. It builds for this machine: the set of
// packages, and so of initialisers, is the same as on arm64.
func TestInitCount(t *testing.T) {
	if testing.Short() {
		t.Skip("builds functions")
	}
	var ids []string
	for id := range initLimit {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	fns := templateFunctions(t)
	for _, id := range ids {
		if !slices.Contains(fns, id) {
			t.Errorf("initLimit names %s, which template.yaml does not have", id)
		}
	}
	bins := buildFunctions(t, ids, runtime.GOARCH)
	for _, id := range ids {
		tr := traceInits(t, bins[id])
		t.Logf("%s: %d initialisers, %.1f ms", id, tr.count, tr.ms)
		if tr.count > initLimit[id] {
			t.Errorf("%s runs %d package initialisers at start, want at most %d; the slowest: %s",
				id, tr.count, initLimit[id], tr.slowest(5))
		}
	}
}

// BenchmarkStart measures each function's cold start: from starting its
// process to its first request for work from the Runtime API
// (GET /2018-06-01/runtime/invocation/next), beside a bare lambda.Start
// binary built the same way. Functions run with the environment the local
// runner gives them, against the emulator (some read a key from Parameter
// Store before asking for work). It reports, per function:
//
//	ms/start        median time to the first request, over b.N starts
//	ratio-to-bare   that median over the bare binary's, started alternately
//	inits           package initialisers run (GODEBUG=inittrace=1)
//	init-ms         their total clock time, median of 5 traced starts
//
// and prints them as a table. `make start` runs it. Each start of a
// function follows a start of the bare binary, and the ratio is of the
// medians of these pairs; on a loaded machine the milliseconds move, the
// ratio less so. Never compare figures from different machines.
func BenchmarkStart(b *testing.B) {
	ctx := context.Background()
	fns := templateFunctions(b)
	bins := buildFunctions(b, fns, runtime.GOARCH)
	bare := buildBare(b, fns[0], runtime.GOARCH)

	pr := provisionProject(b, projectRoot, "../local.yaml")
	p, endpoint, r, res := pr.p, pr.endpoint, pr.r, pr.res

	type row struct {
		startMS, ratio float64
		inits          initTrace
	}
	rows := map[string]row{}
	bareCfg := lambdart.Config{Name: "bare", Binary: bare, Timeout: 3 * time.Second, MaxConcurrency: 1}
	start := func(b *testing.B, name string, fc lambdart.Config) float64 {
		var logs bytes.Buffer
		fc.Log = &logs
		fn := lambdart.New(fc)
		t0 := time.Now()
		err := fn.Warm(ctx)
		d := time.Since(t0)
		fn.Close()
		if err != nil {
			b.Fatalf("%s: %v\n%s", name, err, logs.String())
		}
		return float64(d.Microseconds()) / 1000
	}
	// measure starts the function b.N times, each time right after a
	// start of the bare binary, so that both meet the same machine load
	// and the ratio compares like with like.
	measure := func(b *testing.B, name string, fc lambdart.Config) {
		tr := cachedTrace(b, name, fc.Binary)
		var starts, bares []float64
		for range b.N {
			if name != "bare" {
				bares = append(bares, start(b, "bare", bareCfg))
			}
			starts = append(starts, start(b, name, fc))
		}
		rw := row{startMS: median(starts), inits: tr}
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(rw.startMS, "ms/start")
		b.ReportMetric(float64(tr.count), "inits")
		b.ReportMetric(tr.ms, "init-ms")
		if len(bares) > 0 {
			rw.ratio = rw.startMS / median(bares)
			b.ReportMetric(rw.ratio, "ratio-to-bare")
		}
		rows[name] = rw
	}

	b.Run("bare", func(b *testing.B) { measure(b, "bare", bareCfg) })
	for _, id := range fns {
		b.Run(id, func(b *testing.B) {
			f, err := p.Template.Function(id)
			if err != nil {
				b.Fatal(err)
			}
			env, err := p.Environment(id, r, endpoint)
			if err != nil {
				b.Fatal(err)
			}
			measure(b, id, lambdart.Config{
				Name: res[id].Name, Label: id, ARN: res[id].ARN, Binary: bins[id],
				Handler: f.Handler, MemoryMB: f.MemorySize, Timeout: time.Duration(f.Timeout) * time.Second,
				MaxConcurrency: 1, Env: env,
			})
		})
	}

	fmt.Printf("\n%-20s %9s %9s %6s %8s\n", "function", "start ms", "vs bare", "inits", "init ms")
	for _, name := range append([]string{"bare"}, fns...) {
		rw, ok := rows[name]
		if !ok {
			continue
		}
		ratio := "-"
		if rw.ratio > 0 {
			ratio = fmt.Sprintf("%.1f×", rw.ratio)
		}
		fmt.Printf("%-20s %9.1f %9s %6d %8.1f\n", name, rw.startMS, ratio, rw.inits.count, rw.inits.ms)
	}
}

// buildBare builds testdata/bare with the very command of the Makefile's
// build target of the function ref (`make -n`), its package path swapped.
func buildBare(t testing.TB, ref, goarch string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bare")
	cmd := exec.Command("make", "-n", "--no-print-directory", "-C", projectRoot,
		"build-"+ref, "ARTIFACTS_DIR="+out, "GOARCH="+goarch)
	recipe, err := cmd.Output()
	if err != nil {
		t.Fatalf("make -n build-%s: %v", ref, err)
	}
	// The first command, with its continuation lines.
	first := string(recipe)
	for i := 0; i < len(first); i++ {
		if first[i] == '\n' && (i == 0 || first[i-1] != '\\') {
			first = first[:i]
			break
		}
	}
	pkg := "./functions/" + build.CodeDir(ref)
	if !strings.HasSuffix(strings.TrimSpace(first), " "+pkg) || !strings.Contains(first, " go build ") {
		t.Fatalf("make -n build-%s: want a go build command ending in %s, got %q", ref, pkg, first)
	}
	abs, err := filepath.Abs("testdata/bare")
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSuffix(strings.TrimSpace(first), pkg) + abs
	if b, err := exec.Command("bash", "-c", line).CombinedOutput(); err != nil {
		t.Fatalf("build bare lambda: %v\n%s\n%s", err, line, b)
	}
	return filepath.Join(out, "bootstrap")
}

// initTrace is what GODEBUG=inittrace=1 printed for one start.
type initTrace struct {
	count int
	ms    float64 // sum of the "X ms clock" of every line
	lines []initLine
}

type initLine struct {
	pkg string
	ms  float64
}

func (tr initTrace) slowest(n int) string {
	lines := slices.Clone(tr.lines)
	slices.SortFunc(lines, func(a, b initLine) int {
		switch {
		case a.ms > b.ms:
			return -1
		case a.ms < b.ms:
			return 1
		}
		return 0
	})
	var parts []string
	for _, l := range lines[:min(n, len(lines))] {
		parts = append(parts, fmt.Sprintf("%s %.1f ms", l.pkg, l.ms))
	}
	return strings.Join(parts, ", ")
}

// "init github.com/x/y @12.3 ms, 0.52 ms clock, 1234 bytes, 5 allocs"
var initLineRE = regexp.MustCompile(`^init (\S+) @[0-9.]+ ms, ([0-9.]+) ms clock`)

// traceInits runs bin once with GODEBUG=inittrace=1 and reads its
// initialisers. Package initialisers run before main, so the environment
// only needs to make main end quickly: no table, no Runtime API, no
// network; the process is killed after 20 s in any case.
func traceInits(t testing.TB, bin string) initTrace {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Dir = filepath.Dir(bin)
	cmd.Env = []string{
		"PATH=/usr/bin:/bin", "GODEBUG=inittrace=1",
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=none", "AWS_SECRET_ACCESS_KEY=none",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL=http://127.0.0.1:1",
		"AWS_LAMBDA_RUNTIME_API=127.0.0.1:1",
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run() // main fails without its configuration; the trace is complete by then
	var tr initTrace
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		m := initLineRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ms, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			t.Fatalf("inittrace line %q: %v", sc.Text(), err)
		}
		tr.count++
		tr.ms += ms
		tr.lines = append(tr.lines, initLine{m[1], ms})
	}
	if tr.count == 0 {
		t.Fatalf("%s printed no inittrace lines:\n%s", bin, stderr.String())
	}
	return tr
}

var traces sync.Map // name → initTrace, so each benchmark traces once

// cachedTrace traces a binary 5 times: the count of the first, the median
// of their clock times.
func cachedTrace(t testing.TB, name, bin string) initTrace {
	if v, ok := traces.Load(name); ok {
		return v.(initTrace)
	}
	tr := traceInits(t, bin)
	times := []float64{tr.ms}
	for range 4 {
		times = append(times, traceInits(t, bin).ms)
	}
	tr.ms = median(times)
	traces.Store(name, tr)
	return tr
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
