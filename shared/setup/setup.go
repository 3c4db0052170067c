// Package setup builds, once per cold start, what cardloop's functions share:
// the AWS clients, the table, the mailer, the link signer and the case
// service. Configuration is read from the environment here and nowhere else.
package setup

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/cardloop/cardloop/shared/casemail"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/dynamo"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/mail"
	"github.com/cardloop/cardloop/shared/secret"
)

// Env is the functions' configuration (README, "Configuration").
type Env struct {
	Table            string // TABLE_NAME
	Sender           string // SENDER_EMAIL
	PublicBaseURL    string // PUBLIC_BASE_URL
	LinkKeyParameter string // LINK_KEY_PARAMETER
	SigninURL        string // SIGNIN_URL
	DefaultBrand     string // DEFAULT_BRAND
}

// FromEnv reads the configuration.
func FromEnv() Env {
	return Env{
		Table:            os.Getenv("TABLE_NAME"),
		Sender:           os.Getenv("SENDER_EMAIL"),
		PublicBaseURL:    os.Getenv("PUBLIC_BASE_URL"),
		LinkKeyParameter: os.Getenv("LINK_KEY_PARAMETER"),
		SigninURL:        os.Getenv("SIGNIN_URL"),
		DefaultBrand:     os.Getenv("DEFAULT_BRAND"),
	}
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
	key, err := secret.Load(ctx, ssm.NewFromConfig(a.AWS), a.Env.LinkKeyParameter)
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
	mailer := mail.New(sesv2.NewFromConfig(a.AWS), a.Env.Sender, "")
	sender := casemail.New(mailer, a.DB, a.DB, a.DB, signer, a.Env.PublicBaseURL, link.DefaultTTL)
	return casework.NewService(a.DB, a.DB, sender, time.Now), nil
}
