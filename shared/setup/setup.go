// Package setup builds, once per cold start, what cardloop's functions share:
// the AWS clients, the table, the mailer, the link signer and the case
// service. Configuration is read from the environment here and nowhere else.
package setup

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/s3bucket"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/aws/sqsqueue"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casemail"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/omr"
	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/scan/ingest"
	"github.com/cardloop/cardloop/shared/scan/paper"
)

// Env is the functions' configuration (README, "Configuration").
type Env struct {
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
}

// FromEnv reads the configuration.
func FromEnv() Env {
	env := Env{
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
	return env
}

// App is what a function's handler is built from.
type App struct {
	Env    Env
	AWS    aws.Config
	DB     *dynamo.DB
	Log    *slog.Logger
	signer *link.Signer
}

// Load reads the configuration and the AWS config (the endpoint comes from
// the SDK's own AWS_ENDPOINT_URL setting when one is set).
func Load(ctx context.Context) (*App, error) {
	env := FromEnv()
	if env.Table == "" {
		return nil, fmt.Errorf("setup: TABLE_NAME is not set")
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("setup: load AWS config: %w", err)
	}
	return &App{
		Env: env, AWS: cfg,
		DB:  dynamo.New(dynamodb.NewFromConfig(cfg), env.Table),
		Log: slog.New(slog.NewJSONHandler(os.Stderr, nil)),
	}, nil
}

// Signer returns the link signer, its key read from Parameter Store once.
func (a *App) Signer(ctx context.Context) (*link.Signer, error) {
	if a.signer != nil {
		return a.signer, nil
	}
	key, err := ssmparam.Load(ctx, ssm.NewFromConfig(a.AWS), a.Env.LinkKeyParameter)
	if err != nil {
		return nil, fmt.Errorf("setup: link signing key: %w", err)
	}
	s, err := link.NewSigner(key, time.Now)
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	a.signer = s
	return s, nil
}

// Cases returns the case service, sending its e-mails through SES.
func (a *App) Cases(ctx context.Context) (*casework.Service, error) {
	signer, err := a.Signer(ctx)
	if err != nil {
		return nil, err
	}
	mailer := sesmail.New(sesv2.NewFromConfig(a.AWS), a.Env.Sender, "")
	sender := casemail.New(mailer, a.DB, a.DB, a.DB, signer, a.Env.PublicBaseURL, link.DefaultTTL)
	return casework.NewService(a.DB, a.DB, sender, time.Now), nil
}

// Mailer returns the SES mailer (through the configuration set, when one
// is configured, so deliveries, bounces and complaints are published).
func (a *App) Mailer() *sesmail.Mailer {
	return sesmail.New(sesv2.NewFromConfig(a.AWS), a.Env.Sender, a.Env.ConfigurationSet)
}

// GreetingQueue returns the greeting job queue.
func (a *App) GreetingQueue() (*sqsqueue.Queue[greeting.Job], error) {
	if a.Env.GreetingQueueURL == "" {
		return nil, fmt.Errorf("setup: GREETING_QUEUE_URL is not set")
	}
	return sqsqueue.New[greeting.Job](sqs.NewFromConfig(a.AWS), a.Env.GreetingQueueURL), nil
}

// Planner returns the greeting planner.
func (a *App) Planner() (*greeting.Planner, error) {
	q, err := a.GreetingQueue()
	if err != nil {
		return nil, err
	}
	return greeting.NewPlanner(a.DB, q, time.Now, a.Log), nil
}

// Sender returns the greeting sender, paced below the account's SES rate.
func (a *App) Sender(ctx context.Context) (*greeting.Sender, error) {
	signer, err := a.Signer(ctx)
	if err != nil {
		return nil, err
	}
	limiter, maxRate, err := sesmail.Limiter(ctx, ses.NewFromConfig(a.AWS), a.Env.SenderConcurrency)
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	a.Log.Info("greeting sender paced", "sesMaxSendRate", maxRate, "perSender", float64(limiter.Limit()), "senders", a.Env.SenderConcurrency)
	return greeting.NewSender(a.DB, a.Mailer(), limiter, signer, a.Env.PublicBaseURL, a.Env.Sender, time.Now, a.Log), nil
}

// Consent returns the consent service (double opt-in, unsubscribe).
func (a *App) Consent(ctx context.Context) (*greeting.Consent, error) {
	signer, err := a.Signer(ctx)
	if err != nil {
		return nil, err
	}
	return greeting.NewConsent(a.DB, a.Mailer(), signer, a.Env.PublicBaseURL, time.Now, a.Log), nil
}

// Desk returns marketing's campaign desk (drafts, approval, preview, test
// sends).
func (a *App) Desk() *greeting.Desk {
	return greeting.NewDesk(a.DB, a.Mailer(), a.Env.PublicBaseURL, time.Now)
}

// Bucket returns a bucket (path-style addressing, which S3 and the local
// emulator both answer).
func (a *App) Bucket(name string) *s3bucket.Bucket {
	return s3bucket.New(s3.NewFromConfig(a.AWS, func(o *s3.Options) { o.UsePathStyle = true }), name)
}

// Ingesters returns the readers of scanned paper cards, one per bucket (the
// ScanFunction learns its bucket from each event). The signer, the mark
// reader (with its per-layout geometry), the card service (with its store
// cache) and the S3 client are made once and shared; an ingester is made
// once per bucket.
func (a *App) Ingesters(ctx context.Context) (func(bucket string) *ingest.Ingester, error) {
	signer, err := a.Signer(ctx)
	if err != nil {
		return nil, err
	}
	reader, cards := omr.NewCardReader(), card.NewService(a.DB, a.DB, time.Now)
	api := s3.NewFromConfig(a.AWS, func(o *s3.Options) { o.UsePathStyle = true })
	var mu sync.Mutex
	made := map[string]*ingest.Ingester{}
	return func(name string) *ingest.Ingester {
		mu.Lock()
		defer mu.Unlock()
		if in, ok := made[name]; ok {
			return in
		}
		in := ingest.NewIngester(s3bucket.New(api, name), reader, signer, cards, a.DB, a.Log)
		made[name] = in
		return in
	}, nil
}

// ScanBucket returns the bucket SCAN_BUCKET names, where scans land and
// their crops are kept.
func (a *App) ScanBucket() (*s3bucket.Bucket, error) {
	if a.Env.ScanBucket == "" {
		return nil, fmt.Errorf("setup: SCAN_BUCKET is not set")
	}
	return a.Bucket(a.Env.ScanBucket), nil
}

// Reviews returns the review queue of scanned cards; a decision stores its
// card through the same card service as every channel.
func (a *App) Reviews() *scan.Reviews {
	return scan.NewReviews(a.DB, a.DB, card.NewService(a.DB, a.DB, time.Now), time.Now)
}

// Paper returns the console's paper-card desk: printing a store's cards,
// uploading its scans.
func (a *App) Paper(ctx context.Context) (*paper.Paper, error) {
	signer, err := a.Signer(ctx)
	if err != nil {
		return nil, err
	}
	b, err := a.ScanBucket()
	if err != nil {
		return nil, err
	}
	return paper.NewPaper(a.DB, b, signer, a.Env.PublicBaseURL, time.Now), nil
}
