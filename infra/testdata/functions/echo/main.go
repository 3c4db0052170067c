// Command echo is a test Lambda function for the local runner. It answers an
// HTTP API event with a 200 whose JSON body holds the event and a few
// environment variables, and any other event with itself. Payloads with
// "error" return that error, with "crash" exit the process, and with
// "sleepMs" sleep first.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

type control struct {
	Error   string `json:"error"`
	Crash   bool   `json:"crash"`
	SleepMs int    `json:"sleepMs"`
	Body    string `json:"body"`
}

var envNames = []string{"TABLE_NAME", "STAGE", "QUEUE_URL", "BUCKET", "SUBBED", "PROD", "LOCAL_ONLY",
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION", "AWS_ENDPOINT_URL", "_HANDLER"}

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var c control
	_ = json.Unmarshal(raw, &c)
	var req events.APIGatewayV2HTTPRequest
	_ = json.Unmarshal(raw, &req)
	if req.RouteKey != "" && req.Body != "" {
		_ = json.Unmarshal([]byte(req.Body), &c)
	}
	fmt.Println("echo: got event", len(raw), "bytes")
	if c.SleepMs > 0 {
		// Ignores ctx on purpose: tests use it to make the function overrun.
		time.Sleep(time.Duration(c.SleepMs) * time.Millisecond)
	}
	if c.Crash {
		fmt.Fprintln(os.Stderr, "echo: crashing on purpose")
		os.Exit(3)
	}
	if c.Error != "" {
		return nil, errors.New(c.Error)
	}
	if req.RouteKey == "" {
		return raw, nil
	}
	env := map[string]string{}
	for _, n := range envNames {
		env[n] = os.Getenv(n)
	}
	body, err := json.Marshal(map[string]any{"event": req, "env": env})
	if err != nil {
		return nil, fmt.Errorf("encode body: %w", err)
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": "application/json", "X-Echo": "1"},
		Cookies:    []string{"a=1; Path=/", "b=2; Path=/"},
		Body:       string(body),
	}, nil
}

func main() {
	lambda.Start(handle)
}
