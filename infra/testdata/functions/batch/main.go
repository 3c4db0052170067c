// Command batch is a test Lambda function for stream, queue and S3 events:
// it reports as failed every SQS message whose body contains "fail" and every
// DynamoDB record whose new image has fail = true, and returns an error when
// any of them says "boom".
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

type anyEvent struct {
	Records []json.RawMessage `json:"Records"`
}

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var ev anyEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	var resp events.DynamoDBEventResponse
	for _, r := range ev.Records {
		var head struct {
			EventSource string `json:"eventSource"`
		}
		_ = json.Unmarshal(r, &head)
		switch head.EventSource {
		case "aws:sqs":
			var m events.SQSMessage
			if err := json.Unmarshal(r, &m); err != nil {
				return nil, fmt.Errorf("decode sqs message: %w", err)
			}
			if strings.Contains(m.Body, "boom") {
				return nil, errors.New("boom")
			}
			if strings.Contains(m.Body, "fail") {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: m.MessageId})
			}
		case "aws:dynamodb":
			var d events.DynamoDBEventRecord
			if err := json.Unmarshal(r, &d); err != nil {
				return nil, fmt.Errorf("decode stream record: %w", err)
			}
			if v, ok := d.Change.NewImage["fail"]; ok && v.DataType() == events.DataTypeBoolean && v.Boolean() {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: d.Change.SequenceNumber})
			}
		case "aws:s3":
			var s events.S3EventRecord
			if err := json.Unmarshal(r, &s); err != nil {
				return nil, fmt.Errorf("decode s3 record: %w", err)
			}
			fmt.Println("batch: object", s.S3.Bucket.Name, s.S3.Object.Key)
		default:
			return nil, fmt.Errorf("unknown event source %q", head.EventSource)
		}
	}
	return resp, nil
}

func main() {
	lambda.Start(handle)
}
