// Package setup is what every cardloop function starts with: its
// configuration from the environment (read here and nowhere else), the AWS
// config, the table's client, a logger and a clock. It builds no service:
// each function's wiring (functions/<name>/wire) builds its own from these,
// so a function's binary links only the packages that function uses.
package setup

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Env is the functions' configuration (README, "Configuration").
type Env struct {
	Stage             string // STAGE: the deployment stage, on every log line
	Table             string // TABLE_NAME
	Sender            string // SENDER_EMAIL
	PublicBaseURL     string // PUBLIC_BASE_URL
	LinkKeyParameter  string // LINK_KEY_PARAMETER
	SigninURL         string // SIGNIN_URL
	DefaultBrand      string // DEFAULT_BRAND
	GreetingQueueURL  string // GREETING_QUEUE_URL
	ConfigurationSet  string // SES_CONFIGURATION_SET
	SenderConcurrency int    // SENDER_CONCURRENCY: the sender's maximum concurrency, to share SES's rate
	ScanBucket        string // SCAN_BUCKET: where paper card scans land and their crops are kept
	// CardClientLimit and CardClientWindow: cards one client may send per
	// window (CARD_CLIENT_LIMIT, CARD_CLIENT_WINDOW_SECONDS); none when unset.
	CardClientLimit  int
	CardClientWindow time.Duration
}

// FromEnv reads the configuration.
func FromEnv() Env {
	env := Env{
		Stage:            os.Getenv("STAGE"),
		Table:            os.Getenv("TABLE_NAME"),
		Sender:           os.Getenv("SENDER_EMAIL"),
		PublicBaseURL:    os.Getenv("PUBLIC_BASE_URL"),
		LinkKeyParameter: os.Getenv("LINK_KEY_PARAMETER"),
		SigninURL:        os.Getenv("SIGNIN_URL"),
		DefaultBrand:     os.Getenv("DEFAULT_BRAND"),
		GreetingQueueURL: os.Getenv("GREETING_QUEUE_URL"),
		ConfigurationSet: os.Getenv("SES_CONFIGURATION_SET"),
		ScanBucket:       os.Getenv("SCAN_BUCKET"),
	}
	if n, err := strconv.Atoi(os.Getenv("SENDER_CONCURRENCY")); err == nil && n > 0 {
		env.SenderConcurrency = n
	}
	if n, err := strconv.Atoi(os.Getenv("CARD_CLIENT_LIMIT")); err == nil && n > 0 {
		env.CardClientLimit = n
	}
	if n, err := strconv.Atoi(os.Getenv("CARD_CLIENT_WINDOW_SECONDS")); err == nil && n > 0 {
		env.CardClientWindow = time.Duration(n) * time.Second
	}
	return env
}

// App is what a function's services are built from.
type App struct {
	Env Env
	AWS aws.Config
	// DynamoDB is the table's client, shared by every store of the function.
	DynamoDB *dynamodb.Client
	Log      *slog.Logger
	// Now is the services' clock, replaced by tests.
	Now func() time.Time
}

// Load reads the configuration and the AWS config (the endpoint comes from
// the SDK's own AWS_ENDPOINT_URL setting when one is set).
func Load(ctx context.Context) (*App, error) {
	env := FromEnv()
	if env.Table == "" {
		return nil, fmt.Errorf("setup: TABLE_NAME is not set")
	}
	opts := []func(*config.LoadOptions) error{config.WithRetryer(BoundedRetryer)}
	if LocalEndpoint(os.Getenv("AWS_ENDPOINT_URL")) {
		opts = append(opts, config.WithHTTPClient(LocalHTTPClient()))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("setup: load AWS config: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, LogOptions)).With("stage", env.Stage) // redact.go
	return &App{Env: env, AWS: cfg, DynamoDB: dynamodb.NewFromConfig(cfg), Log: log, Now: time.Now}, nil
}

// LocalEndpoint says whether endpoint is an emulator on this machine
// (`make run`, the tests): a loopback address.
func LocalEndpoint(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// LocalHTTPClient is the SDK's HTTP client for an emulator on this
// machine, with a new connection for each request. Reusing idle
// connections lets Go's transport close one as it is handed to a request
// (aws-sdk-go-v2#2737): the SDK retries that, but not an SES send, which
// must not be retried (sesmail), so in CI a send answered 200 was lost now
// and then ("use of closed network connection"). On loopback a connection
// costs next to nothing.
func LocalHTTPClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) { t.DisableKeepAlives = true })
}

// BoundedRetryer is the SDK's standard retryer held to 3 attempts with at
// most a second between them, so a table that is down fails a request in
// seconds — well inside an API function's deadline (edge.Deadline) and its
// Timeout — instead of after the SDK's 20-second backoffs; the caller then
// answers 503 and the client retries.
func BoundedRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 3
		o.MaxBackoff = time.Second
	})
}

// Need returns value, or an error naming the variable when it is empty.
func Need(name, value string) (string, error) {
	if value == "" {
		return "", fmt.Errorf("setup: %s is not set", name)
	}
	return value, nil
}

// Start is a function's main: it loads the App, lets build make the
// handler once, at cold start, and hands it to the Lambda runtime. A build
// error stops the process, which Lambda reports as an init error.
func Start(build func(ctx context.Context, app *App) (any, error)) {
	ctx := context.Background()
	app, err := Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	h, err := build(ctx, app)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(h)
}
