package events_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/setup"
)

// The rows build each handler with its function's own wiring (the Build of
// functions/<name>/wire, the same function its main.go hands to
// setup.Start) from an App made here as setup.Load makes it, and invoke it
// as the Lambda runtime does: the fixture's raw bytes through
// lambda.NewHandler, its JSON answer decoded.

// newApp provisions template.yaml in the emulator (testenv.New; the test is
// skipped under -short) and returns what setup.Load gives a deployed
// function: the configuration template.yaml sets, resolved to this test's
// copy of the resources, the AWS config, the table's client, a logger and
// the wall clock (a row whose outcome depends on the hour replaces Now
// before it builds its handler). The link signing key is a SecureString
// parameter of this test, read by the wiring through ssmparam as the
// functions read theirs.
func newApp(t *testing.T) (*setup.App, testenv.Env) {
	t.Helper()
	env := testenv.New(t)
	// A fixed key: the scan row's QR code carries a signature, and a fixed
	// code reads the same every run (the reader's misses over varied codes
	// are measured by the OMR corpus).
	key := bytes.Repeat([]byte{7}, 32)
	param := "/cardloop/" + emulator.Prefix(t) + "/link-signing-key"
	if _, err := ssm.NewFromConfig(env.Config).PutParameter(context.Background(), &ssm.PutParameterInput{
		Name: aws.String(param), Value: aws.String(hex.EncodeToString(key)),
		Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true),
	}); err != nil {
		t.Fatalf("put link signing key: %v", err)
	}
	return &setup.App{
		Env: setup.Env{
			Table:            env.Table(),
			Sender:           env.Resources["SenderIdentity"].Name,
			PublicBaseURL:    "https://cards.example.com", // the template's PublicBaseUrl default
			LinkKeyParameter: param,
			SigninURL:        "https://cardloop-dev.auth.us-east-1.amazoncognito.com/oauth2/authorize",
			DefaultBrand:     "wang",
			GreetingQueueURL: env.Resources["GreetingQueue"].URL,
			// testenv does not provision the SES configuration set (the
			// emulator cannot publish its events), so mail goes without
			// one, as in the other rigs.
			ConfigurationSet:  "",
			SenderConcurrency: 2, // the SenderFunction's SENDER_CONCURRENCY
			ScanBucket:        env.Resources["ScanBucket"].Name,
		},
		AWS:      env.Config,
		DynamoDB: dynamodb.NewFromConfig(env.Config),
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:      time.Now,
	}, env
}

// rawFixture returns the bytes of a file of events/, as Lambda would send
// them to the function.
func rawFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.Root(), "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// marshal encodes an event a row changed before sending it.
func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode the event: %v", err)
	}
	return b
}

// handler builds a function's handler with its own wiring (the Build of
// functions/<name>/wire, which its main.go hands to setup.Start), as its
// cold start does, failing the test as a failed cold start would, and
// wraps it as lambda.Start does.
func handler(t *testing.T, app *setup.App, build func(context.Context, *setup.App) (any, error)) lambda.Handler {
	t.Helper()
	h, err := build(context.Background(), app)
	if err != nil {
		t.Fatalf("build the function's handler (its cold start): %v", err)
	}
	return lambda.NewHandler(h)
}

// invoke sends the raw event to the handler as the Lambda runtime does and
// decodes its JSON answer into resp (nil for handlers that answer with an
// error only). The error is the handler's.
func invoke(t *testing.T, h lambda.Handler, event []byte, resp any) error {
	t.Helper()
	out, err := h.Invoke(context.Background(), event)
	if err != nil {
		return err
	}
	if resp != nil {
		if err := json.Unmarshal(out, resp); err != nil {
			t.Fatalf("decode the handler's answer %.200s: %v", out, err)
		}
	}
	return nil
}
