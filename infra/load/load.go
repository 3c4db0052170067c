// Package load runs a bounded load against a local stack of its own (the
// runner's stack on its own emulator, loopback only) and checks the card
// pipeline's promises from storage and the outbox: every accepted card
// stored once, every low card one case, every case one e-mail to the store
// manager — without faults, with the emulator paused, and with
// TriageFunction killed mid-batch (`make load`, docs/reliability.md).
package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/lambdart"
	"github.com/cardloop/cardloop/infra/runner"
	"github.com/cardloop/cardloop/infra/seed"
)

// Options say how big a run is and which scenarios it runs.
type Options struct {
	// Cards is how many cards each scenario submits.
	Cards int
	// Concurrency is how many submissions are in flight at once.
	Concurrency int
	// LowEvery makes every LowEvery-th card a low one (a 1 on service):
	// 5 gives 20 %.
	LowEvery int
	// ReplayEvery sends every ReplayEvery-th card a second time with the
	// same Idempotency-Key and body (0: none).
	ReplayEvery int
	// Drain bounds the wait for the pipeline to finish after the last
	// submission.
	Drain time.Duration
	// Scenarios names the scenarios to run, in order (default: all).
	Scenarios []string
	// EmulatorPort is the emulator's port on 127.0.0.1 (0: a free one).
	EmulatorPort int
	// Log receives the stack's output; Out the tables.
	Log, Out io.Writer
}

// Scenario names.
const (
	NoFaults     = "no-faults"
	PauseMoto    = "emulator-paused"
	KillTriage   = "triage-killed"
	pauseFor     = 10 * time.Second
	triageKills  = 3
	triageLogic  = "TriageFunction"
	settleTime   = 5 * time.Second
	submitTries  = 30
	requestLimit = 40 * time.Second
	// outboxLimit bounds one read of the outbox: the emulator's whole state
	// as JSON (/moto-api/data.json), minutes once it holds a full run.
	outboxLimit = 10 * time.Minute
)

// AllScenarios are the scenarios in the order a full run takes them.
var AllScenarios = []string{NoFaults, PauseMoto, KillTriage}

// ErrBroken is returned when a promise failed in some scenario.
var ErrBroken = errors.New("load: a promise failed (see the tables)")

// Run starts a stack of p on an emulator of its own, runs each scenario
// against it, prints one table per scenario to o.Out, stops everything, and
// returns ErrBroken if any promise failed.
func Run(ctx context.Context, p *runner.Project, o Options) error {
	o = o.withDefaults()
	port := o.EmulatorPort
	if port == 0 {
		var err error
		if port, err = freePort(); err != nil {
			return err
		}
	}
	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
	p.RunDir = filepath.Join(p.Root, ".run", "load")
	p.Config.Addr = "127.0.0.1:0" // loopback, a free port
	// Every simulated diner comes from 127.0.0.1, which the per-client limiter
	// (docs/reliability.md, "Per-client limits") would count as one client:
	// the load measures the pipeline, so the limit is lifted for its stack.
	if p.Config.Parameters == nil {
		p.Config.Parameters = map[string]string{}
	}
	p.Config.Parameters["ClientCardLimit"] = "1000000"
	if err := os.MkdirAll(p.RunDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", p.RunDir, err)
	}
	motoLog, err := os.Create(filepath.Join(p.RunDir, "moto.log"))
	if err != nil {
		return fmt.Errorf("create moto log: %w", err)
	}
	defer motoLog.Close()
	if emulator.Reachable(ctx, endpoint) {
		return fmt.Errorf("load: something already answers at %s; the load run starts its own emulator", endpoint)
	}
	emu, err := emulator.Start(ctx, endpoint, motoLog)
	if err != nil {
		return err
	}
	defer emu.Stop()

	stackCtx, stopStack := context.WithCancel(ctx)
	defer stopStack()
	ready := make(chan string, 1)
	var fns map[string]*lambdart.Function
	stackDone := make(chan error, 1)
	go func() {
		stackDone <- p.Run(stackCtx, runner.Options{
			Endpoint: endpoint, KeepEmulatorData: true, Seed: seed.Write, Log: o.Log,
			Running: func(f map[string]*lambdart.Function) { fns = f },
			Ready:   func(base string) { ready <- base },
		})
	}()
	var base string
	select {
	case base = <-ready:
	case err := <-stackDone:
		return fmt.Errorf("load: start the stack: %w", err)
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() {
		stopStack()
		<-stackDone
	}()

	cfg, err := emulator.Config(ctx, endpoint)
	if err != nil {
		return err
	}
	demo, err := seed.Load()
	if err != nil {
		return err
	}
	_, stores, err := demo.Parse()
	if err != nil {
		return err
	}
	env := &stack{
		base: base, endpoint: endpoint, emulatorPid: emu.Pid(), functions: fns,
		db: dynamodb.NewFromConfig(cfg), table: p.Config.Stack + "-Table",
	}
	for _, s := range stores {
		env.stores = append(env.stores, s.ID)
	}
	fmt.Fprintf(o.Out, "load: stack at %s, emulator at %s (pid %d); %d cards per scenario, concurrency %d, every %d-th card low, every %d-th replayed\n",
		base, endpoint, env.emulatorPid, o.Cards, o.Concurrency, o.LowEvery, o.ReplayEvery)
	broken := false
	for i, name := range o.Scenarios {
		r, err := env.scenario(ctx, name, i, o)
		if err != nil {
			return fmt.Errorf("load: scenario %s: %w", name, err)
		}
		r.print(o.Out)
		if !r.ok() {
			broken = true
		}
	}
	if broken {
		return ErrBroken
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.Cards <= 0 {
		o.Cards = 400
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 30
	}
	if o.LowEvery <= 0 {
		o.LowEvery = 5
	}
	if o.Drain <= 0 {
		o.Drain = 20 * time.Minute
	}
	if len(o.Scenarios) == 0 {
		o.Scenarios = AllScenarios
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	return o
}

// stack is the running local stack a load run drives.
type stack struct {
	base, endpoint string
	emulatorPid    int
	functions      map[string]*lambdart.Function
	db             *dynamodb.Client
	table          string
	stores         []string
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
