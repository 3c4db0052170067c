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

	// Emulator.
	var awsCfg aws.Config
	var emu *emulator.Server
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

	// Resources.
	r, err := p.Resolver(opts.Endpoint)
	if err != nil {
		return err
	}
	res, err := provision.Create(ctx, awsCfg, p.Template, r, p.Config.Stack)
	if err != nil {
		return err
	}
	logger.Printf("provisioned %d resources as %s-*", countEmulated(res), p.Config.Stack)
	if err := p.PutSecrets(ctx, awsCfg, r); err != nil {
		return err
	}
	if opts.Seed != nil {
		if t, ok := res["Table"]; ok && t.Emulated {
			if err := opts.Seed(ctx, awsCfg, t.Name); err != nil {
				return fmt.Errorf("seed %s: %w", t.Name, err)
			}
			logger.Printf("seeded %s", t.Name)
		}
	}

	// Functions.
	fns, err := p.startFunctions(ctx, r, res, opts, logger)
	for _, f := range fns {
		defer f.Close()
	}
	if err != nil {
		return err
	}
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
	sources, err := eventsource.Start(bgCtx, eventsource.Stack{
		Config: awsCfg, Template: p.Template, Resolver: r, Resources: res, Functions: sourceInvokers,
		Prefix: p.Config.Stack, Log: log.New(opts.Log, "[events] ", log.Ltime),
	})
	if err != nil {
		return err
	}
	idx.sources = sources.Descriptions

	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

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

// startFunctions builds every function with the Makefile and starts it.
func (p *Project) startFunctions(ctx context.Context, r *sam.Resolver, res map[string]provision.Resource, opts Options, logger *log.Logger) (map[string]*lambdart.Function, error) {
	fns, err := p.Template.Functions()
	if err != nil {
		return nil, err
	}
	out := map[string]*lambdart.Function{}
	type built struct {
		id, bin string
		err     error
	}
	results := make(chan built, len(fns))
	sem := make(chan struct{}, 2)
	for _, f := range fns {
		go func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			logger.Printf("building %s", f.LogicalID)
			bin, err := build.Function(ctx, p.Root, f.LogicalID, filepath.Join(p.RunDir, "bin", f.LogicalID))
			results <- built{f.LogicalID, bin, err}
		}()
	}
	bins := map[string]string{}
	var errs []error
	for range fns {
		b := <-results
		if b.err != nil {
			errs = append(errs, b.err)
		}
		bins[b.id] = b.bin
	}
	if len(errs) > 0 {
		return out, errors.Join(errs...)
	}
	for _, f := range fns {
		env, err := p.environment(f, r, opts.Endpoint)
		if err != nil {
			return out, err
		}
		fn := lambdart.New(lambdart.Config{
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
		out[f.LogicalID] = fn
		if err := fn.Warm(ctx); err != nil {
			return out, err
		}
		logger.Printf("started %s (%s)", f.LogicalID, res[f.LogicalID].Name)
	}
	return out, nil
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
