package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	triagewire "github.com/cardloop/cardloop/functions/triage/wire"
	"github.com/cardloop/cardloop/infra/eventsource"
	"github.com/cardloop/cardloop/infra/provision"
	"github.com/cardloop/cardloop/shared/setup"
)

const redriveUsage = "usage: cardloop redrive triage [--queue URL]"

// redriveCommand is `cardloop redrive triage`: it replays the stream
// batches the TriageDeadLetterQueue names (Lambda's on-failure records:
// shard and sequence range, no records) through the TriageFunction's own
// handler, built by its wiring, while the stream still holds them (24
// hours), and deletes each message whose records all went through. Cards
// whose records are gone are still triaged by the ReconcileFunction.
//
// Without --queue it works on the running app (`make run`): the queue,
// stream and table in the emulator, the function's environment as the
// runner gives it. With --queue (a deployed queue's URL) it uses the usual
// AWS configuration, and the shell must hold the TriageFunction's
// environment (TABLE_NAME, STAGE, SENDER_EMAIL, PUBLIC_BASE_URL,
// LINK_KEY_PARAMETER, SES_CONFIGURATION_SET: `aws lambda
// get-function-configuration` shows them).
func redriveCommand(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "triage" {
		return errors.New(redriveUsage)
	}
	fs := flag.NewFlagSet("redrive triage", flag.ContinueOnError)
	root, config := projectFlags(fs)
	queue := fs.String("queue", "", "a deployed TriageDeadLetterQueue's URL (default: the running app's, in the emulator)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New(redriveUsage)
	}
	queueURL := *queue
	if queueURL == "" {
		p, endpoint, err := useFunctionEnvironment(*root, *config, "TriageFunction")
		if err != nil {
			return err
		}
		queueURL = provision.Placeholders(p.Template, p.Config.Stack, endpoint)["TriageDeadLetterQueue"].URL
	}
	app, err := setup.Load(ctx)
	if err != nil {
		return err
	}
	app.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h, err := triagewire.Build(ctx, app)
	if err != nil {
		return fmt.Errorf("redrive triage: build the TriageFunction's handler (is `make run` running?): %w", err)
	}
	if _, ok := h.(func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)); !ok {
		return fmt.Errorf("redrive triage: the TriageFunction's handler is a %T, not a stream handler", h)
	}
	fmt.Printf("redrive triage: %s\n", queueURL)
	res, err := eventsource.Redrive{
		Streams: dynamodbstreams.NewFromConfig(app.AWS), Queue: sqs.NewFromConfig(app.AWS), QueueURL: queueURL,
		Function: lambda.NewHandler(h), Out: os.Stdout,
	}.Run(ctx)
	fmt.Printf("redrive triage: %d messages, %d replayed and deleted (%d stream records), %d kept\n", res.Messages, res.Replayed, res.Records, res.Failed)
	if err != nil {
		return fmt.Errorf("%d messages kept (the ReconcileFunction triages their cards all the same): %w", res.Failed, err)
	}
	return nil
}
