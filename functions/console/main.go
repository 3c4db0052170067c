// Command console is the ConsoleFunction Lambda: the staff console's static
// pages and the signed-in API behind them.
package main

import (
	"context"
	"log"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/shared/dynamo"
	"github.com/cardloop/cardloop/shared/web"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatalf("load AWS config: %v", err)
	}
	db := dynamo.New(dynamodb.NewFromConfig(cfg), os.Getenv("TABLE_NAME"))
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	h := web.NewConsoleHandler(db, db, os.Getenv("SIGNIN_URL"), os.Getenv("DEFAULT_BRAND"), logger)
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
