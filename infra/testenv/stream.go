package testenv

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/cardloop/cardloop/infra/eventsource"
)

// StreamEvent reads every record the table's stream holds so far, from the
// start, and returns them as the DynamoDB event a stream-triggered function
// receives — built the same way the local runner builds it.
func (e Env) StreamEvent(t testing.TB) events.DynamoDBEvent {
	t.Helper()
	ctx := context.Background()
	api := dynamodbstreams.NewFromConfig(e.Config)
	arn := e.Resources["Table"].StreamARN
	desc, err := api.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("describe stream: %v", err)
	}
	var ev events.DynamoDBEvent
	for _, shard := range desc.StreamDescription.Shards {
		it, err := api.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: aws.String(arn), ShardId: shard.ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			t.Fatalf("shard iterator: %v", err)
		}
		iter := it.ShardIterator
		for iter != nil {
			out, err := api.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatalf("get records: %v", err)
			}
			for _, r := range out.Records {
				ev.Records = append(ev.Records, record(t, arn, r))
			}
			if len(out.Records) == 0 {
				break
			}
			iter = out.NextShardIterator
		}
	}
	return ev
}

func record(t testing.TB, arn string, r streamtypes.Record) events.DynamoDBEventRecord {
	t.Helper()
	img := func(m map[string]streamtypes.AttributeValue) map[string]events.DynamoDBAttributeValue {
		out, err := eventsource.Image(m)
		if err != nil {
			t.Fatalf("convert stream image: %v", err)
		}
		return out
	}
	return events.DynamoDBEventRecord{
		EventID: aws.ToString(r.EventID), EventName: string(r.EventName), EventSource: "aws:dynamodb",
		EventVersion: "1.1", AWSRegion: "us-east-1", EventSourceArn: arn,
		Change: events.DynamoDBStreamRecord{
			Keys: img(r.Dynamodb.Keys), NewImage: img(r.Dynamodb.NewImage), OldImage: img(r.Dynamodb.OldImage),
			SequenceNumber: aws.ToString(r.Dynamodb.SequenceNumber), StreamViewType: string(r.Dynamodb.StreamViewType),
		},
	}
}
