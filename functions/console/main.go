// Command console is the ConsoleFunction Lambda: the staff console's static
// pages and the signed-in API behind them.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/web"
)

func main() {
	ctx := context.Background()
	app, err := setup.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	crops, err := app.ScanBucket()
	if err != nil {
		log.Fatal(err)
	}
	paper, err := app.Paper(ctx)
	if err != nil {
		log.Fatal(err)
	}
	h := web.NewConsoleHandler(app.DB, app.DB, app.Desk(), app.Reviews(), crops, app.Env.SigninURL, app.Env.DefaultBrand, app.Log).WithPaper(paper)
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
