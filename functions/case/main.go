// Command case is the CaseFunction Lambda: the case page that the signed
// links of case e-mails open, where the store manager records the call.
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
	cases, err := app.Cases(ctx)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := app.Signer(ctx)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(httpadapter.NewV2(web.NewCaseHandler(cases, app.DB, signer, app.Log)).ProxyWithContext)
}
