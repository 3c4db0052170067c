// Command card is the CardFunction Lambda: the diner's feedback card, as an
// HTML form and a JSON API, behind the HTTP API.
package main

import (
	"context"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/shared/card"
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
	h := web.NewCardHandler(card.NewService(db, db, time.Now), db, logger)
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
