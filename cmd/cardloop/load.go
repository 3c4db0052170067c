package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cardloop/cardloop/infra/load"
)

// loadCommand runs a bounded load against a local stack of its own and
// checks that no card, case or e-mail is lost or doubled (make load).
func loadCommand(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	root, config := projectFlags(fs)
	o := load.Options{}
	fs.IntVar(&o.Cards, "cards", 400, "cards per scenario")
	fs.IntVar(&o.Concurrency, "concurrency", 30, "submissions in flight at once")
	fs.IntVar(&o.LowEvery, "low-every", 5, "every n-th card is low (a 1 on service)")
	fs.IntVar(&o.ReplayEvery, "replay-every", 10, "every n-th card is sent again with the same Idempotency-Key (0: none)")
	fs.DurationVar(&o.Drain, "drain", 0, "longest wait for the pipeline to drain after the last card (default 20m)")
	fs.IntVar(&o.EmulatorPort, "emulator-port", 0, "port of the run's own emulator on 127.0.0.1 (default: a free one)")
	scenarios := fs.String("scenarios", strings.Join(load.AllScenarios, ","), "scenarios to run, in order")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.Scenarios = strings.Split(*scenarios, ",")
	p, err := loadProject(*root, *config)
	if err != nil {
		return err
	}
	logPath := filepath.Join(p.Root, ".run", "load", "stack.log")
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(logPath), err)
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("create stack log: %w", err)
	}
	defer logf.Close()
	o.Log, o.Out = logf, os.Stdout
	fmt.Printf("load: the stack's output goes to %s\n", logPath)
	return load.Run(ctx, p, o)
}
