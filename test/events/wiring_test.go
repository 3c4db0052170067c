package events_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/casestore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/greetstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/scanstore"
	"github.com/cardloop/cardloop/shared/aws/s3bucket"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/aws/sesquota"
	"github.com/cardloop/cardloop/shared/aws/sqsqueue"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/casemail"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/http/cases"
	"github.com/cardloop/cardloop/shared/http/console"
	"github.com/cardloop/cardloop/shared/http/diners"
	"github.com/cardloop/cardloop/shared/http/preferences"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/omr"
	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/scan/ingest"
	"github.com/cardloop/cardloop/shared/scan/paper"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/callbacks"
	"github.com/cardloop/cardloop/shared/worker/greetings"
	"github.com/cardloop/cardloop/shared/worker/scans"
)

// The builders below are the functions' main.go files, line for line, with
// setup.Start's closure turned into a function that returns the handler
// with its concrete type (main.go returns it as any, for lambda.Start).
// When a main.go changes its wiring, the builder of the same name changes
// with it. Where a builder differs, a comment says why.

// Handler types, as lambda.Start receives them.
type (
	httpHandler   = func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
	streamHandler = func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)
	queueHandler  = func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)
	tickHandler   = func(context.Context, events.EventBridgeEvent) error
	s3Handler     = func(context.Context, events.S3Event) error
)

// newApp provisions template.yaml in the emulator (testenv.New; the test is
// skipped under -short) and returns what setup.Load gives a deployed
// function: the configuration template.yaml sets, resolved to this test's
// copy of the resources, the AWS config, the table's client and a logger.
// The link signing key is a SecureString parameter of this test, read by
// the builders through ssmparam as the functions read theirs.
func newApp(t *testing.T) (*setup.App, testenv.Env) {
	t.Helper()
	env := testenv.New(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
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
	}, env
}

// cardFunction is functions/card/main.go.
func cardFunction(ctx context.Context, app *setup.App) (httpHandler, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	brands := brandstore.New(table)
	h := diners.NewCardHandler(intake.NewService(brands, cardstore.New(table), time.Now), brands, app.Log).WithSerials(signer)
	return httpadapter.NewV2(h).ProxyWithContext, nil
}

// caseFunction is functions/case/main.go.
func caseFunction(ctx context.Context, app *setup.App) (httpHandler, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	brands, cards := brandstore.New(table), cardstore.New(table)
	consent := greeting.NewConsent(struct {
		*brandstore.Brands
		*cardstore.Cards
		*greetstore.Greetings
	}{brands, cards, greetstore.New(table)}, nil, signer, app.Env.PublicBaseURL, time.Now, app.Log)
	caseService := casework.NewService(casestore.New(table), brands, nil, time.Now)
	casePages := cases.NewCaseHandler(caseService, struct {
		*brandstore.Brands
		*cardstore.Cards
	}{brands, cards}, signer, app.Log)
	mux := http.NewServeMux()
	mux.Handle("/k/", casePages)
	prefs := preferences.NewHandler(consent, app.Log)
	mux.Handle("/o/", prefs)
	mux.Handle("/u/", prefs)
	return httpadapter.NewV2(mux).ProxyWithContext, nil
}

// consentFunction is functions/consent/main.go.
func consentFunction(ctx context.Context, app *setup.App) (streamHandler, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	mailer := sesmail.New(sesv2.NewFromConfig(app.AWS), app.Env.Sender, app.Env.ConfigurationSet)
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	store := struct {
		*brandstore.Brands
		*cardstore.Cards
		*greetstore.Greetings
	}{brandstore.New(table), cardstore.New(table), greetstore.New(table)}
	consent := greeting.NewConsent(store, mailer, signer, app.Env.PublicBaseURL, time.Now, app.Log)
	return greetings.NewConsent(consent, app.Log).Handle, nil
}

// consoleFunction is functions/console/main.go.
func consoleFunction(ctx context.Context, app *setup.App) (httpHandler, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	bucket, err := setup.Need("SCAN_BUCKET", app.Env.ScanBucket)
	if err != nil {
		return nil, err
	}
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	brands, cards, scanRecords := brandstore.New(table), cardstore.New(table), scanstore.New(table)
	cardService := intake.NewService(brands, cards, time.Now)
	reader := struct {
		*brandstore.Brands
		*cardstore.Cards
	}{brands, cards}
	greets := struct {
		*brandstore.Brands
		*greetstore.Greetings
	}{brands, greetstore.New(table)}
	paperStore := struct {
		*brandstore.Brands
		*scanstore.Scans
	}{brands, scanRecords}
	scans := s3bucket.New(s3.NewFromConfig(app.AWS, func(o *s3.Options) { o.UsePathStyle = true }), bucket)
	desk := greeting.NewDesk(greets, sesmail.New(sesv2.NewFromConfig(app.AWS), app.Env.Sender, app.Env.ConfigurationSet), app.Env.PublicBaseURL, time.Now)
	reviews := scan.NewReviews(scanRecords, brands, cardService, time.Now)
	h := console.NewHandler(reader, casestore.New(table), desk, reviews, scans, app.Env.SigninURL, app.Env.DefaultBrand, app.Log).
		WithPaper(paper.NewPaper(paperStore, scans, signer, app.Env.PublicBaseURL, time.Now))
	return httpadapter.NewV2(h).ProxyWithContext, nil
}

// escalateFunction is functions/escalate/main.go.
func escalateFunction(ctx context.Context, app *setup.App) (tickHandler, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	brands, cards, caseStore := brandstore.New(table), cardstore.New(table), casestore.New(table)
	history := struct {
		*cardstore.Cards
		*casestore.Cases
	}{cards, caseStore}
	notices := casemail.New(sesmail.New(sesv2.NewFromConfig(app.AWS), app.Env.Sender, ""), brands, cards, history, signer, app.Env.PublicBaseURL, link.DefaultTTL)
	cases := casework.NewService(caseStore, brands, notices, time.Now)
	return callbacks.NewEscalate(cases, 200, app.Log).Handle, nil
}

// feedbackFunction is functions/feedback/main.go.
func feedbackFunction(ctx context.Context, app *setup.App) (queueHandler, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	greets := greetstore.New(table)
	consent := greeting.NewConsent(struct {
		*brandstore.Brands
		*cardstore.Cards
		*greetstore.Greetings
	}{brandstore.New(table), cardstore.New(table), greets}, nil, signer, app.Env.PublicBaseURL, time.Now, app.Log)
	return greetings.NewFeedback(greeting.NewFeedback(greets, consent), app.Log).Handle, nil
}

// plannerFunction is functions/planner/main.go.
func plannerFunction(_ context.Context, app *setup.App) (tickHandler, error) {
	url, err := setup.Need("GREETING_QUEUE_URL", app.Env.GreetingQueueURL)
	if err != nil {
		return nil, err
	}
	queue := sqsqueue.New[greeting.Job](sqs.NewFromConfig(app.AWS), url)
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	store := struct {
		*brandstore.Brands
		*greetstore.Greetings
	}{brandstore.New(table), greetstore.New(table)}
	planner := greeting.NewPlanner(store, queue, time.Now, app.Log)
	return greetings.NewPlan(planner, app.Log).Handle, nil
}

// scanFunction is functions/scan/main.go.
func scanFunction(ctx context.Context, app *setup.App) (s3Handler, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	brands := brandstore.New(table)
	records := struct {
		*brandstore.Brands
		*scanstore.Scans
	}{brands, scanstore.New(table)}
	reader, cards := omr.NewCardReader(), intake.NewService(brands, cardstore.New(table), time.Now)
	objects := s3.NewFromConfig(app.AWS, func(o *s3.Options) { o.UsePathStyle = true })
	files := scans.PerBucket(func(bucket string) scans.FileIngester {
		return ingest.NewIngester(s3bucket.New(objects, bucket), reader, signer, cards, records, app.Log)
	})
	return scans.NewScan(files, app.Log).Handle, nil
}

// senderFunction is functions/sender/main.go, with one difference: now is
// the test's clock, not time.Now, because the sender holds every job back
// during the store's quiet hours (a batch item failure, by design), and the
// wall clock would make the row's outcome depend on the hour it runs at.
func senderFunction(ctx context.Context, app *setup.App, now func() time.Time) (queueHandler, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	url, err := setup.Need("GREETING_QUEUE_URL", app.Env.GreetingQueueURL)
	if err != nil {
		return nil, err
	}
	limiter, _, err := sesquota.Limiter(ctx, ses.NewFromConfig(app.AWS), app.Env.SenderConcurrency)
	if err != nil {
		return nil, err
	}
	mailer := sesmail.New(sesv2.NewFromConfig(app.AWS), app.Env.Sender, app.Env.ConfigurationSet)
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	store := struct {
		*brandstore.Brands
		*greetstore.Greetings
	}{brandstore.New(table), greetstore.New(table)}
	sender := greeting.NewSender(store, mailer, limiter, signer, app.Env.PublicBaseURL, app.Env.Sender, now, app.Log)
	queue := sqsqueue.New[greeting.Job](sqs.NewFromConfig(app.AWS), url)
	return greetings.NewSend(sender, queue, now, app.Log).Handle, nil
}

// triageFunction is functions/triage/main.go.
func triageFunction(ctx context.Context, app *setup.App) (streamHandler, error) {
	signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
	if err != nil {
		return nil, err
	}
	table := dynamo.New(app.DynamoDB, app.Env.Table)
	brands, cards, caseStore := brandstore.New(table), cardstore.New(table), casestore.New(table)
	history := struct {
		*cardstore.Cards
		*casestore.Cases
	}{cards, caseStore}
	notices := casemail.New(sesmail.New(sesv2.NewFromConfig(app.AWS), app.Env.Sender, ""), brands, cards, history, signer, app.Env.PublicBaseURL, link.DefaultTTL)
	cases := casework.NewService(caseStore, brands, notices, time.Now)
	return callbacks.NewTriage(cases, app.Log).Handle, nil
}

// build makes a function's handler with its builder, or fails the test as
// a failed cold start would.
func build[H any](t *testing.T, app *setup.App, builder func(context.Context, *setup.App) (H, error)) H {
	t.Helper()
	h, err := builder(context.Background(), app)
	if err != nil {
		t.Fatalf("build the function's handler (its cold start): %v", err)
	}
	return h
}
