package build

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestWatchLines feeds go build -v output to watch: import paths count as
// packages compiled; anything else is kept for the error message.
func TestWatchLines(t *testing.T) {
	tests := []struct {
		name         string
		lines        []string
		wantPackages int
		wantOther    string
	}{
		{"cold build", []string{"internal/abi", "github.com/aws/smithy-go", "example.com/m/functions/triage", "gopkg.in/yaml.v3"}, 4, ""},
		{"up to date: nothing printed", nil, 0, ""},
		{"errors are kept, not counted",
			[]string{"# example.com/m/functions/card", "functions/card/main.go:3:2: undefined: x", "go: downloading github.com/a/b v1.0.0", "make: *** [Makefile:9: local-functions] Error 1"},
			0, "# example.com/m/functions/card\nfunctions/card/main.go:3:2: undefined: x\ngo: downloading github.com/a/b v1.0.0\nmake: *** [Makefile:9: local-functions] Error 1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWatch(t.TempDir(), []string{"CardFunction"}, time.Now())
			for _, l := range tt.lines {
				w.line(l)
			}
			if w.packages != tt.wantPackages {
				t.Errorf("packages = %d, want %d", w.packages, tt.wantPackages)
			}
			if got := w.other.String(); got != tt.wantOther {
				t.Errorf("other output = %q, want %q", got, tt.wantOther)
			}
		})
	}
}

// TestWatchLinked: a binary counts as linked when its file is new (go
// build moves a freshly linked binary into place); one left in place, even
// with a new modification time (go build touches an up-to-date binary),
// does not; each is reported once.
func TestWatchLinked(t *testing.T) {
	tests := []struct {
		name   string
		before bool                    // the binary exists before the build
		build  func(path string) error // what the build does to it
		want   bool
	}{
		{"new binary", false, write, true},
		{"replaced binary", true, func(p string) error {
			if err := write(p + ".tmp"); err != nil {
				return err
			}
			return os.Rename(p+".tmp", p)
		}, true},
		{"up to date, touched", true, func(p string) error { return os.Chtimes(p, time.Now(), time.Now().Add(time.Hour)) }, false},
		{"up to date, untouched", true, func(string) error { return nil }, false},
		{"not built yet", false, func(string) error { return nil }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "card")
			if tt.before {
				if err := write(bin); err != nil {
					t.Fatal(err)
				}
			}
			w := newWatch(dir, []string{"CardFunction", "TriageFunction"}, time.Now())
			if err := tt.build(bin); err != nil {
				t.Fatal(err)
			}
			got, ok := w.linked()
			if ok != tt.want || (tt.want && (!slices.Equal(got.Functions, []string{"CardFunction"}) || got.Done != 1 || got.Total != 2)) {
				t.Errorf("linked() = %+v, %v; want CardFunction reported: %v", got, ok, tt.want)
			}
			if again, ok := w.linked(); ok {
				t.Errorf("second linked() = %+v, want nothing", again)
			}
		})
	}
}

// TestWatchLinkedTogether: binaries that appear together (links of one
// executable) are one report.
func TestWatchLinkedTogether(t *testing.T) {
	dir := t.TempDir()
	ids := []string{"CardFunction", "TriageFunction"}
	w := newWatch(dir, ids, time.Now())
	for _, id := range ids {
		if err := write(filepath.Join(dir, CodeDir(id))); err != nil {
			t.Fatal(err)
		}
	}
	got, ok := w.linked()
	if !ok || !slices.Equal(got.Functions, ids) || got.Done != 2 || got.Total != 2 {
		t.Errorf("linked() = %+v, %v; want both in one report", got, ok)
	}
}

func write(path string) error { return os.WriteFile(path, []byte("binary"), 0o755) }

// TestAll builds the test project's functions twice: the first build
// reports each function once and leaves runnable binaries; the second finds them
// up to date and leaves the files as they are.
func TestAll(t *testing.T) {
	if testing.Short() {
		t.Skip("builds functions")
	}
	ids := []string{"EchoFunction", "BatchFunction"}
	dir := t.TempDir()
	var reported []string
	bins, sum, err := All(context.Background(), "../testdata", ids, dir, "amd64", func(p Progress) {
		reported = append(reported, p.Functions...)
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(reported)
	if want := []string{"BatchFunction", "EchoFunction"}; !slices.Equal(reported, want) || len(sum.Built) != 2 {
		t.Errorf("reported %v and built %v, want both %v", reported, sum.Built, want)
	}
	stat := map[string]os.FileInfo{}
	for _, id := range ids {
		if want := filepath.Join(dir, CodeDir(id)); bins[id] != want {
			t.Errorf("binary of %s = %q, want %q", id, bins[id], want)
		}
		fi, err := os.Stat(bins[id])
		if err != nil || fi.Size() == 0 {
			t.Fatalf("binary of %s: %v", id, err)
		}
		stat[id] = fi
	}

	_, sum, err = All(context.Background(), "../testdata", ids, dir, "amd64", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Built) != 0 || sum.Packages != 0 {
		t.Errorf("second build compiled %d packages and built %v, want nothing (up to date)", sum.Packages, sum.Built)
	}
	for _, id := range ids {
		fi, err := os.Stat(bins[id])
		if err != nil || fi.Size() != stat[id].Size() {
			t.Errorf("second build changed the binary of %s: %v", id, err)
		}
	}
}

// TestAllFails reports go build's own message when a function does not build.
func TestAllFails(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	_, _, err := All(context.Background(), "../testdata", []string{"NoSuchFunction"}, t.TempDir(), "amd64", nil)
	if err == nil || !strings.Contains(err.Error(), "functions/nosuch") {
		t.Errorf("err = %v, want go build's message naming functions/nosuch", err)
	}
}
