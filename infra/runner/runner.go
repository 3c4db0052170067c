package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cardloop/cardloop/infra/build"
	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/eventsource"
	"github.com/cardloop/cardloop/infra/gateway"
	"github.com/cardloop/cardloop/infra/lambdart"
	"github.com/cardloop/cardloop/infra/localauth"
	"github.com/cardloop/cardloop/infra/provision"
	"github.com/cardloop/cardloop/infra/sam"
	"github.com/cardloop/cardloop/infra/schedule"
	"github.com/cardloop/cardloop/infra/seed"
)

// Options say how to run a project.
type Options struct {
	// Endpoint is the emulator's URL (emulator.Endpoint() when empty).
	Endpoint string
	// KeepEmulatorData leaves an already running emulator as it is instead
	// of resetting it (for tests sharing one emulator).
	KeepEmulatorData bool
	// Seed, when set, fills the template's Table resource after
	// provisioning.
	Seed func(ctx context.Context, cfg aws.Config, tableName string) error
	// Backfill, when set, also fills the Table resource, but in the
	// background once the app serves: data the app does not need to start
	// (the demo's 90 days of cards), so a start does not wait for it.
	Backfill func(ctx context.Context, cfg aws.Config, tableName string) (string, error)
	// Log receives the runner's and the functions' output.
	Log io.Writer
	// Ready, when set, is called with the base URL once everything runs.
	Ready func(baseURL string)
	// Running, when set, is called with the running functions by logical
	// id once everything runs (the load tool kills one mid-batch).
	Running func(map[string]*lambdart.Function)
}

// Run runs the project until ctx ends, then stops everything it started.
func (p *Project) Run(ctx context.Context, opts Options) error {
	if opts.Log == nil {
		opts.Log = os.Stderr
	}
	if opts.Endpoint == "" {
		opts.Endpoint = emulator.Endpoint()
	}
	logger := log.New(opts.Log, "[runner] ", log.Ltime)
	runDir := p.RunDir
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", runDir, err)
	}
	// Take the port first so a second runner fails fast.
	ln, err := net.Listen("tcp", p.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (is another runner running?): %w", p.Config.Addr, err)
	}
	defer ln.Close()
	baseURL := "http://" + ln.Addr().String()

	// Build while the emulator starts and fills: on a first start the
	// build takes the longest, and the emulator mostly waits on I/O.
	start := time.Now()
	defs, err := p.Template.Functions()
	if err != nil {
		return err
	}
	type built struct {
		bins map[string]string
		took time.Duration
		err  error
	}
	buildCtx, cancelBuild := context.WithCancel(ctx)
	builds := make(chan built, 1)
	go func() {
		bins, err := p.buildFunctions(buildCtx, defs, logger)
		builds <- built{bins, time.Since(start), err}
	}()
	var finished *built
	defer func() {
		if finished == nil {
			cancelBuild()
			<-builds
		}
	}()
	var phases []string
	phase := func(name string, since time.Time) {
		phases = append(phases, name+" "+seconds(time.Since(since)))
	}

	// Emulator.
	var awsCfg aws.Config
	var emu *emulator.Server
	t := time.Now()
	if opts.KeepEmulatorData {
		if !emulator.Reachable(ctx, opts.Endpoint) {
			return fmt.Errorf("no emulator at %s", opts.Endpoint)
		}
	} else {
		motoLog, err := os.Create(filepath.Join(runDir, "moto.log"))
		if err != nil {
			return fmt.Errorf("create moto log: %w", err)
		}
		defer motoLog.Close()
		logger.Printf("emulator: %s", opts.Endpoint)
		if emu, err = emulator.Start(ctx, opts.Endpoint, motoLog); err != nil {
			return err
		}
		defer func() {
			if emu.Started {
				logger.Printf("stopping the emulator")
			}
			_ = emu.Stop()
		}()
	}
	if awsCfg, err = emulator.Config(ctx, opts.Endpoint); err != nil {
		return err
	}
	phase("emulator", t)

	// Resources.
	t = time.Now()
	r, err := p.Resolver(opts.Endpoint)
	if err != nil {
		return err
	}
	res, err := provision.Create(ctx, awsCfg, p.Template, r, p.Config.Stack)
	if err != nil {
		return err
	}
	if err := p.PutSecrets(ctx, awsCfg, r); err != nil {
		return err
	}
	logger.Printf("provisioned %d resources as %s-* (%s)", countEmulated(res), p.Config.Stack, seconds(time.Since(t)))
	phase("provisioning", t)
	if opts.Seed != nil {
		if tbl, ok := res["Table"]; ok && tbl.Emulated {
			t = time.Now()
			if err := opts.Seed(ctx, awsCfg, tbl.Name); err != nil {
				return fmt.Errorf("seed %s: %w", tbl.Name, err)
			}
			logger.Printf("seeded %s (%s)", tbl.Name, seconds(time.Since(t)))
			phase("seeding", t)
		}
	}

	// Functions.
	select {
	case b := <-builds:
		finished = &b
	default:
		logger.Printf("waiting for the build…")
		b := <-builds
		finished = &b
	}
	cancelBuild()
	if finished.err != nil {
		return finished.err
	}
	phases = append(phases, "build "+seconds(finished.took)+" (from the start)")
	t = time.Now()
	fns, err := p.startFunctions(ctx, defs, finished.bins, r, res, opts, logger)
	for _, f := range fns {
		defer f.Close()
	}
	if err != nil {
		return err
	}
	logger.Printf("started %d functions (%s)", len(fns), seconds(time.Since(t)))
	phase("starting functions", t)
	invokers := map[string]gateway.Invoker{}
	scheduleInvokers := map[string]schedule.Invoker{}
	sourceInvokers := map[string]eventsource.Invoker{}
	for id, f := range fns {
		invokers[id], scheduleInvokers[id], sourceInvokers[id] = f, f, f
	}

	// Gateway and local auth.
	routes, auths, err := gateway.Routes(p.Template, r)
	if err != nil {
		return err
	}
	issuer, err := p.Issuer(firstAudience(auths))
	if err != nil {
		return err
	}
	verifiers := map[string]gateway.Verifier{}
	for name, a := range auths {
		verifiers[name] = &localauth.Verifier{Key: &issuer.Key.PublicKey, Issuer: p.Config.Auth.Issuer, Audience: a.Audience}
	}
	demo, err := seed.Load()
	if err != nil {
		return err
	}
	jobs, err := schedule.Jobs(p.Template, r, p.Config.Stack)
	if err != nil {
		return err
	}
	clock, err := schedule.New(jobs, scheduleInvokers, log.New(opts.Log, "[schedule] ", log.Ltime))
	if err != nil {
		return err
	}
	idx := &index{base: baseURL, endpoint: opts.Endpoint, routes: routes, jobs: clock.Jobs()}
	gw, err := gateway.New(routes, invokers, verifiers, gateway.Options{
		APIID:    res[apiOf(p.Template)].Ref,
		NotFound: ownPage(idx),
		Log:      log.New(opts.Log, "[gateway] ", log.Ltime),
	})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/local/schedules", ownPage(clock.Handler()))
	mux.Handle("/local/schedules/", ownPage(clock.Handler()))
	mux.Handle("/local/outbox", ownPage(outbox(opts.Endpoint)))
	mux.Handle("/local/", ownPage(localauth.Handler(issuer, demo.Users)))
	mux.Handle("/", gw)

	// Background work: clock and event sources stop with bgCtx.
	bgCtx, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	var bg sync.WaitGroup
	bg.Add(1)
	go func() {
		defer bg.Done()
		clock.Run(bgCtx)
	}()
	t = time.Now()
	sources, err := eventsource.Start(bgCtx, eventsource.Stack{
		Config: awsCfg, Template: p.Template, Resolver: r, Resources: res, Functions: sourceInvokers,
		Prefix: p.Config.Stack, Log: log.New(opts.Log, "[events] ", log.Ltime),
	})
	if err != nil {
		return err
	}
	idx.sources = sources.Descriptions
	phase("event sources", t)

	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	logger.Printf("ready in %s: %s", seconds(time.Since(start)), strings.Join(phases, ", "))
	if tbl, ok := res["Table"]; ok && tbl.Emulated && opts.Backfill != nil {
		bg.Add(1)
		go func() {
			defer bg.Done()
			t := time.Now()
			logger.Printf("seeding the demo history in the background (the dashboards fill in when it is done)")
			what, err := opts.Backfill(bgCtx, awsCfg, tbl.Name)
			if err != nil {
				if bgCtx.Err() == nil {
					logger.Printf("seeding the demo history: %v", err)
				}
				return
			}
			logger.Printf("seeded %s (%s)", what, seconds(time.Since(t)))
		}()
	}
	fmt.Fprint(opts.Log, idx.banner())
	if opts.Running != nil {
		opts.Running(fns)
	}
	if opts.Ready != nil {
		opts.Ready(baseURL)
	}
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			logger.Printf("server: %v", err)
		}
	}
	logger.Printf("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	stopBackground()
	bg.Wait()
	sources.Wait()
	return nil
}

// firstBuild says what a first start costs: on a fresh clone about 600
// packages compile (the runner's 480, most of them the AWS SDK, which the
// functions share, and 120 more for the functions); `make run` has usually
// compiled them already, with the runner.
const firstBuild = "a first start on a fresh clone compiles about 600 packages, about 2 minutes on 2 free cores; " +
	"later starts reuse Go's build cache and relink only what changed"

// buildFunctions builds every function of fns into the run directory (one
// executable, infra/localfunctions, linked once per function), logging its
// progress, and returns the binaries by logical id.
func (p *Project) buildFunctions(ctx context.Context, fns []sam.Function, logger *log.Logger) (map[string]string, error) {
	ids := make([]string, len(fns))
	for i, f := range fns {
		ids[i] = f.LogicalID
	}
	binDir := filepath.Join(p.RunDir, "bin")
	note := firstBuild
	if len(ids) == 0 {
		return map[string]string{}, nil
	}
	if _, err := os.Stat(filepath.Join(binDir, build.CodeDir(ids[0]))); err == nil {
		note = "binaries that are up to date are left as they are"
	}
	logger.Printf("building %d functions on %d cores into %s (%s)", len(ids), runtime.NumCPU(), binDir, note)
	bins, sum, err := build.All(ctx, p.Root, ids, binDir, runtime.GOARCH, func(pr build.Progress) {
		switch n := len(pr.Functions); {
		case n == 0:
			logger.Printf("building… %s (%d packages compiled, %d/%d functions)", seconds(pr.Elapsed), pr.Packages, pr.Done, pr.Total)
		case n == 1:
			logger.Printf("built %d/%d %s (%s, %d packages compiled)", pr.Done, pr.Total, pr.Functions[0], seconds(pr.Elapsed), pr.Packages)
		default: // links of one executable
			logger.Printf("built %d/%d: %s and %d more, linked together (%s, %d packages compiled)", pr.Done, pr.Total, pr.Functions[0], n-1, seconds(pr.Elapsed), pr.Packages)
		}
	})
	if err != nil {
		return nil, err
	}
	switch len(sum.Built) {
	case 0:
		logger.Printf("%d functions up to date (%s)", len(ids), seconds(sum.Took))
	case len(ids):
		logger.Printf("built %d functions in %s (%d packages compiled)", len(ids), seconds(sum.Took), sum.Packages)
	default:
		logger.Printf("built %d of %d functions in %s (%d packages compiled; the others were up to date)", len(sum.Built), len(ids), seconds(sum.Took), sum.Packages)
	}
	return bins, nil
}

// startFunctions starts every built function and waits until each has
// initialised. The functions start in parallel; the map holds every one
// created, for closing, even on error.
func (p *Project) startFunctions(ctx context.Context, fns []sam.Function, bins map[string]string, r *sam.Resolver, res map[string]provision.Resource, opts Options, logger *log.Logger) (map[string]*lambdart.Function, error) {
	out := map[string]*lambdart.Function{}
	for _, f := range fns {
		env, err := p.environment(f, r, opts.Endpoint)
		if err != nil {
			return out, err
		}
		out[f.LogicalID] = lambdart.New(lambdart.Config{
			Name:           res[f.LogicalID].Name,
			Label:          f.LogicalID,
			ARN:            res[f.LogicalID].ARN,
			Binary:         bins[f.LogicalID],
			Handler:        f.Handler,
			MemoryMB:       f.MemorySize,
			Timeout:        time.Duration(f.Timeout) * time.Second,
			MaxConcurrency: p.Config.MaxConcurrency,
			Env:            env,
			Log:            opts.Log,
		})
	}
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, f := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = out[f.LogicalID].Warm(ctx)
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// seconds formats d for the progress lines: "41 s", "0.8 s".
func seconds(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%.0f s", d.Seconds())
}

// environment is a function's environment: its template variables
// resolved to local names, the local overrides, and the emulator settings.
func (p *Project) environment(f sam.Function, r *sam.Resolver, endpoint string) (map[string]string, error) {
	env := map[string]string{}
	for k, v := range f.Environment {
		s, err := r.String(v)
		if err != nil {
			return nil, fmt.Errorf("function %s environment %s: %w", f.LogicalID, k, err)
		}
		env[k] = s
	}
	for _, key := range []string{"*", f.LogicalID} {
		for k, v := range p.Config.Functions[key].Environment {
			s, err := r.String(map[string]any{"Fn::Sub": v})
			if err != nil {
				return nil, fmt.Errorf("local override %s of %s: %w", k, f.LogicalID, err)
			}
			env[k] = s
		}
	}
	env["AWS_ENDPOINT_URL"] = endpoint
	env["AWS_REGION"] = emulator.Region
	env["AWS_DEFAULT_REGION"] = emulator.Region
	env["AWS_ACCESS_KEY_ID"] = emulator.AccessKeyID
	env["AWS_SECRET_ACCESS_KEY"] = emulator.SecretAccessKey
	return env, nil
}

// Environment returns the environment the runner gives function logicalID
// (for tests that run a built function themselves).
func (p *Project) Environment(logicalID string, r *sam.Resolver, endpoint string) (map[string]string, error) {
	f, err := p.Template.Function(logicalID)
	if err != nil {
		return nil, err
	}
	return p.environment(f, r, endpoint)
}

// Token returns an ID token for the seeded user with this e-mail address,
// as the local sign-in page would issue it.
func (p *Project) Token(email string) (string, error) {
	r, err := p.Resolver("")
	if err != nil {
		return "", err
	}
	_, auths, err := gateway.Routes(p.Template, r)
	if err != nil {
		return "", err
	}
	iss, err := p.Issuer(firstAudience(auths))
	if err != nil {
		return "", err
	}
	demo, err := seed.Load()
	if err != nil {
		return "", err
	}
	for _, u := range demo.Users {
		if strings.EqualFold(u.Email, email) {
			return iss.Token(u)
		}
	}
	return "", fmt.Errorf("token for %s: not a seeded user", email)
}

func firstAudience(auths map[string]gateway.Authorizer) string {
	names := make([]string, 0, len(auths))
	for n := range auths {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if len(auths[n].Audience) > 0 {
			return auths[n].Audience[0]
		}
	}
	return "local"
}

// apiOf returns the logical id of the template's first HTTP API.
func apiOf(t *sam.Template) string {
	if ids := t.LogicalIDs("AWS::Serverless::HttpApi"); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

func countEmulated(res map[string]provision.Resource) int {
	n := 0
	for _, r := range res {
		if r.Emulated {
			n++
		}
	}
	return n
}
