// Command scan is the ScanFunction Lambda: paper card scans uploaded under
// scans/ in the scan bucket are read into cards, or queued for review.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker"
)

func main() {
	ctx := context.Background()
	app, err := setup.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	ingesters, err := app.Ingesters(ctx)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(worker.NewScan(func(bucket string) worker.FileIngester { return ingesters(bucket) }, app.Log).Handle)
}
