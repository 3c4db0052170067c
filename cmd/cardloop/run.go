package main

import (
	"context"
	"flag"
	"os"

	"github.com/cardloop/cardloop/infra/runner"
	"github.com/cardloop/cardloop/infra/seed"
)

// runCommand runs the whole application locally until interrupted.
func runCommand(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	root, config := projectFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, err := loadProject(*root, *config)
	if err != nil {
		return err
	}
	return p.Run(ctx, runner.Options{Seed: seed.Write, Backfill: seed.Backfill, Log: os.Stderr})
}
