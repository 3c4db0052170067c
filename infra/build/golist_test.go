package build_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cardloop/cardloop/infra/build"
	"github.com/cardloop/cardloop/infra/sam"
)

// projectRoot is the directory of template.yaml, go.mod and the Makefile.
const projectRoot = "../.."

// lambdaEnv is the build environment of the Makefile's build-%Function
// target: what `go list` must see to answer for the binaries Lambda runs.
var lambdaEnv = []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"}

// templateFunctions returns the logical ids of template.yaml's functions.
func templateFunctions(t testing.TB) []string {
	t.Helper()
	tpl, err := sam.Load(filepath.Join(projectRoot, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	if len(fns) == 0 {
		t.Fatal("template.yaml has no functions")
	}
	ids := make([]string, len(fns))
	for i, f := range fns {
		ids[i] = f.LogicalID
	}
	return ids
}

// modulePath returns the main module's path (github.com/cardloop/cardloop).
func modulePath(t testing.TB) string {
	t.Helper()
	cmd := exec.Command("go", "list", "-m")
	cmd.Dir = projectRoot
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// functionPackage returns the import path of a function's main package.
func functionPackage(t testing.TB, logicalID string) string {
	return modulePath(t) + "/functions/" + build.CodeDir(logicalID)
}

// listedPackage is the part of `go list -json` these tests read.
type listedPackage struct {
	ImportPath string
	Standard   bool
	Imports    []string // direct imports, resolved (vendor/… for std's vendored packages)
	Deps       []string // every package it links, recursively
	Error      *struct{ Err string }
}

// packageGraph is the output of one `go list -e -deps -json`, by import path.
type packageGraph map[string]*listedPackage

// listDeps runs `go list -e -deps -json -tags lambda.norpc` for the Lambda
// platform (no compile) on the given import paths.
func listDeps(t testing.TB, paths ...string) packageGraph {
	t.Helper()
	args := append([]string{"list", "-e", "-deps", "-json", "-tags", "lambda.norpc"}, paths...)
	cmd := exec.Command("go", args...)
	cmd.Dir = projectRoot
	cmd.Env = append(os.Environ(), lambdaEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, stderr.String())
	}
	g := packageGraph{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		g[p.ImportPath] = &p
	}
	return g
}

// links returns the packages root links (itself included) that are pkg or
// lie under it (pkg + "/…").
func (g packageGraph) links(root, pkg string) []string {
	r := g[root]
	if r == nil {
		return nil
	}
	var out []string
	for _, d := range append([]string{root}, r.Deps...) {
		if d == pkg || strings.HasPrefix(d, pkg+"/") {
			out = append(out, d)
		}
	}
	return out
}

// chain returns the shortest import chain from root to one of targets
// (breadth first over the Imports graph), root first.
func (g packageGraph) chain(root string, targets []string) []string {
	want := map[string]bool{}
	for _, t := range targets {
		want[t] = true
	}
	prev := map[string]string{root: ""}
	queue := []string{root}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if want[cur] {
			var path []string
			for p := cur; p != ""; p = prev[p] {
				path = append([]string{p}, path...)
			}
			return path
		}
		if p := g[cur]; p != nil {
			for _, imp := range p.Imports {
				if _, seen := prev[imp]; !seen {
					prev[imp] = cur
					queue = append(queue, imp)
				}
			}
		}
	}
	return nil
}

// showChain prints an import chain with the module prefix cut from the
// project's own packages: functions/card → shared/setup → github.com/….
func showChain(module string, chain []string) string {
	parts := make([]string, len(chain))
	for i, p := range chain {
		parts[i] = strings.TrimPrefix(p, module+"/")
	}
	return strings.Join(parts, " → ")
}

// nonStd counts the non-standard packages of a root's dependencies (itself
// included).
func (g packageGraph) nonStd(root string) int {
	r := g[root]
	if r == nil {
		return 0
	}
	n := 0
	for _, d := range append([]string{root}, r.Deps...) {
		if p := g[d]; p != nil && !p.Standard {
			n++
		}
	}
	return n
}

func (g packageGraph) mustHave(t testing.TB, path string) *listedPackage {
	t.Helper()
	p := g[path]
	if p == nil {
		t.Fatalf("go list did not list %s", path)
	}
	if p.Error != nil {
		t.Fatalf("go list %s: %s", path, p.Error.Err)
	}
	return p
}
