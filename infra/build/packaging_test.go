package build_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/cardloop/cardloop/infra/build"
	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/lambdart"
	"github.com/cardloop/cardloop/infra/provision"
	"github.com/cardloop/cardloop/infra/runner"
	"github.com/cardloop/cardloop/infra/sam"
	"github.com/cardloop/cardloop/infra/seed"
)

// TestPackaging builds every function of a template with the Makefile
// target `sam build` uses (for this machine's architecture) and drives the
// built bootstrap through the Runtime API fake with every sample event in
// events/<function-dir>/*.json: each must answer without a runtime error.
func TestPackaging(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every function and needs the emulator")
	}
	projects := []struct {
		name, root, config, events string
	}{
		{"project", "../..", "../local.yaml", "../../events"},
		{"testdata", "../testdata", "../testdata/local.yaml", "../testdata/events"},
	}
	for _, pr := range projects {
		t.Run(pr.name, func(t *testing.T) {
			checkProject(t, pr.root, pr.config, pr.events)
		})
	}
}

// provisioned is a project whose template's resources and secrets were
// created in the emulator under the test's own prefix.
type provisioned struct {
	p        *runner.Project
	cfg      aws.Config
	endpoint string
	r        *sam.Resolver
	res      map[string]provision.Resource
}

// provisionProject loads the project at root with its local configuration
// and creates its resources and secrets in the emulator.
func provisionProject(tb testing.TB, root, config string) provisioned {
	tb.Helper()
	cfg := emulator.Ensure(tb)
	endpoint := emulator.EnsureEndpoint(tb)
	ctx := context.Background()
	p, err := runner.LoadProject(root, config)
	if err != nil {
		tb.Fatal(err)
	}
	p.Config.Stack = emulator.Prefix(tb)
	r, err := p.Resolver(endpoint)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := provision.Create(ctx, cfg, p.Template, r, p.Config.Stack)
	if err != nil {
		tb.Fatal(err)
	}
	if err := p.PutSecrets(ctx, cfg, r); err != nil {
		tb.Fatal(err)
	}
	return provisioned{p: p, cfg: cfg, endpoint: endpoint, r: r, res: res}
}

func checkProject(t *testing.T, root, config, eventsDir string) {
	ctx := context.Background()
	pr := provisionProject(t, root, config)
	p, cfg, endpoint, r, res := pr.p, pr.cfg, pr.endpoint, pr.r, pr.res
	if table, ok := res["Table"]; ok {
		if err := seed.Write(ctx, cfg, table.Name); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	fns, err := p.Template.Functions()
	if err != nil {
		t.Fatal(err)
	}
	if len(fns) == 0 {
		t.Fatal("template has no functions")
	}
	for _, f := range fns {
		t.Run(f.LogicalID, func(t *testing.T) {
			bin, err := build.Function(ctx, root, f.LogicalID, filepath.Join(t.TempDir(), f.LogicalID))
			if err != nil {
				t.Fatal(err)
			}
			env, err := p.Environment(f.LogicalID, r, endpoint)
			if err != nil {
				t.Fatal(err)
			}
			fn := lambdart.New(lambdart.Config{
				Name: res[f.LogicalID].Name, Label: f.LogicalID, ARN: res[f.LogicalID].ARN,
				Binary: bin, Handler: f.Handler, MemoryMB: f.MemorySize,
				Timeout: time.Duration(f.Timeout) * time.Second, MaxConcurrency: 1,
				Env: env, Log: os.Stderr,
			})
			defer fn.Close()
			if err := fn.Warm(ctx); err != nil {
				t.Fatalf("init: %v", err)
			}
			files, err := filepath.Glob(filepath.Join(eventsDir, build.CodeDir(f.LogicalID), "*.json"))
			if err != nil {
				t.Fatal(err)
			}
			if len(files) == 0 {
				t.Fatalf("no sample events in %s/%s: every function needs one (STYLE.md 12)", eventsDir, build.CodeDir(f.LogicalID))
			}
			for _, file := range files {
				t.Run(filepath.Base(file), func(t *testing.T) {
					payload, err := os.ReadFile(file)
					if err != nil {
						t.Fatal(err)
					}
					out, err := fn.Invoke(ctx, payload)
					var fe *lambdart.FunctionError
					if errors.As(err, &fe) {
						t.Fatalf("got %s: %s, want an answer", fe.Type, fe.Message)
					}
					if err != nil {
						t.Fatal(err)
					}
					if !json.Valid(out) {
						t.Fatalf("got %q, want a JSON response", out)
					}
					var resp struct {
						StatusCode int `json:"statusCode"`
					}
					if json.Unmarshal(out, &resp) == nil && resp.StatusCode != 0 {
						// Handler behaviour is the functions' own tests' business.
						t.Logf("status %d", resp.StatusCode)
					}
				})
			}
		})
	}
}
