// Command bare is the smallest Go Lambda function: a no-op handler behind
// lambda.Start. The start-up benchmark builds it like the project's
// functions and measures them against it.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context) error { return nil })
}
