// Package retention is the RetentionFunction's handler: once a day it
// applies the privacy retention rules (privacy.Service.Retain).
package retention

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cardloop/cardloop/shared/privacy"
)

// retainer runs the retention rules for one brand (privacy.Service bound
// to its index).
type retainer interface {
	Retain(ctx context.Context, brandID string) (privacy.RetentionRun, error)
}

// Job is the daily schedule's handler.
//
// Idempotent: each idle diner's erasure is a request whose id follows from
// the diner and their last visit, resumed where it stopped by a rerun; an
// erased diner leaves the index, so a second run finds nothing; an opt-in
// is dropped only if the profile is still the one read. Correctness never
// rests on DynamoDB's TTL (the emulator never runs it): the job reads the
// sparse index (gsi5) of what is due.
type Job struct {
	r      retainer
	brands []string
	log    *slog.Logger
}

// New returns the handler for the brands given.
func New(r retainer, brands []string, log *slog.Logger) *Job {
	return &Job{r: r, brands: brands, log: log}
}

// Handle runs the rules for every brand and returns what it did. A brand
// that fails does not stop the others; the run then fails so the schedule
// retries. It logs counts and ids only.
func (j *Job) Handle(ctx context.Context, ev events.EventBridgeEvent) ([]privacy.RetentionRun, error) {
	var runs []privacy.RetentionRun
	var failed []string
	for _, b := range j.brands {
		run, err := j.r.Retain(ctx, b)
		runs = append(runs, run)
		if err != nil {
			j.log.Error("retention: brand failed", "event", ev.ID, "brand", b, "err", err)
			failed = append(failed, b)
			continue
		}
		j.log.Info("retention pass", "event", ev.ID, "brand", b, "cutoff", run.Cutoff, "erased", run.Erased,
			"optInsExpired", run.OptInsExpired, "resumed", run.Resumed)
	}
	if len(failed) > 0 {
		return runs, fmt.Errorf("retention for brands %v: failed", failed)
	}
	return runs, nil
}
