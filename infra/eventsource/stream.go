package eventsource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Invoker runs a function with a JSON event and returns its response.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// streamsAPI is what the stream poller needs of DynamoDB Streams.
type streamsAPI interface {
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// sendAPI sends on-failure records to an SQS destination.
type sendAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// StreamConfig is a DynamoDB event source mapping.
type StreamConfig struct {
	// Function is the function's logical id, for logs; FunctionARN goes into
	// on-failure records.
	Function    string
	FunctionARN string
	StreamARN   string
	// StartingPosition is TRIM_HORIZON or LATEST.
	StartingPosition string
	// BatchSize is at most this many records per invocation (default 100).
	BatchSize int
	// BatchWindow is MaximumBatchingWindowInSeconds.
	BatchWindow time.Duration
	// MaxRetryAttempts is MaximumRetryAttempts; -1 retries until the records
	// expire (forever here).
	MaxRetryAttempts int
	// Bisect is BisectBatchOnFunctionError.
	Bisect bool
	// ReportBatchItemFailures is FunctionResponseTypes: [ReportBatchItemFailures].
	ReportBatchItemFailures bool
	// OnFailureQueueURL is the SQS on-failure destination, if any.
	OnFailureQueueURL string
	// PollInterval is the pause between empty reads (default 250 ms).
	PollInterval time.Duration
	// RetryDelay is the pause before a retry (default 200 ms).
	RetryDelay time.Duration
}

// StreamPoller delivers a DynamoDB stream's records to a function.
type StreamPoller struct {
	cfg     StreamConfig
	streams streamsAPI
	sqs     sendAPI
	fn      Invoker
	log     *log.Logger
}

// NewStreamPoller returns a poller; sqs may be nil without an on-failure
// destination, logger may be nil.
func NewStreamPoller(cfg StreamConfig, streams streamsAPI, sqsAPI sendAPI, fn Invoker, logger *log.Logger) *StreamPoller {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 100
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 250 * time.Millisecond
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = 200 * time.Millisecond
	}
	if cfg.StartingPosition == "" {
		cfg.StartingPosition = string(streamtypes.ShardIteratorTypeLatest)
	}
	if logger == nil {
		logger = log.New(discard{}, "", 0)
	}
	return &StreamPoller{cfg: cfg, streams: streams, sqs: sqsAPI, fn: fn, log: logger}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// Run polls every shard of the stream until ctx ends.
func (p *StreamPoller) Run(ctx context.Context) error {
	desc, err := p.streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(p.cfg.StreamARN)})
	if err != nil {
		return fmt.Errorf("describe stream %s: %w", p.cfg.StreamARN, err)
	}
	shards := desc.StreamDescription.Shards
	if len(shards) == 0 {
		return fmt.Errorf("describe stream %s: no shards", p.cfg.StreamARN)
	}
	errs := make(chan error, len(shards))
	for _, s := range shards {
		go func() { errs <- p.shard(ctx, aws.ToString(s.ShardId)) }()
	}
	var first error
	for range shards {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (p *StreamPoller) iterator(ctx context.Context, shard string, typ streamtypes.ShardIteratorType, after string) (*string, error) {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(p.cfg.StreamARN), ShardId: aws.String(shard), ShardIteratorType: typ}
	if after != "" {
		in.SequenceNumber = aws.String(after)
	}
	out, err := p.streams.GetShardIterator(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("get shard iterator %s of %s: %w", shard, p.cfg.StreamARN, err)
	}
	return out.ShardIterator, nil
}

func (p *StreamPoller) shard(ctx context.Context, shard string) error {
	it, err := p.iterator(ctx, shard, streamtypes.ShardIteratorType(p.cfg.StartingPosition), "")
	if err != nil {
		return err
	}
	var last string // sequence number of the last record read
	for ctx.Err() == nil {
		var batch []streamtypes.Record
		deadline := time.Now().Add(p.cfg.BatchWindow)
		for ctx.Err() == nil && it != nil {
			out, err := p.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it, Limit: aws.Int32(int32(p.cfg.BatchSize - len(batch)))})
			var expired *streamtypes.ExpiredIteratorException
			if errors.As(err, &expired) {
				typ, after := streamtypes.ShardIteratorType(p.cfg.StartingPosition), ""
				if last != "" {
					typ, after = streamtypes.ShardIteratorTypeAfterSequenceNumber, last
				}
				if it, err = p.iterator(ctx, shard, typ, after); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("get records of %s: %w", p.cfg.StreamARN, err)
			}
			it = out.NextShardIterator
			batch = append(batch, out.Records...)
			if len(out.Records) > 0 {
				last = aws.ToString(out.Records[len(out.Records)-1].Dynamodb.SequenceNumber)
			}
			if len(batch) >= p.cfg.BatchSize || len(batch) > 0 && !time.Now().Before(deadline) {
				break
			}
			if len(out.Records) == 0 {
				if !sleep(ctx, p.cfg.PollInterval) {
					return nil
				}
				if len(batch) == 0 {
					deadline = time.Now().Add(p.cfg.BatchWindow)
				}
			}
		}
		if len(batch) > 0 {
			p.deliver(ctx, shard, batch, 0)
		}
		if it == nil { // shard closed
			return nil
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// deliver invokes the function with records until they succeed, are
// reported done, or run out of retries (then go to the on-failure
// destination). A partial failure retries from the first failed record; a
// function error bisects the batch when configured.
func (p *StreamPoller) deliver(ctx context.Context, shard string, records []streamtypes.Record, attempts int) {
	pending := records
	for len(pending) > 0 && ctx.Err() == nil {
		failedFrom, err := p.invoke(ctx, pending)
		if ctx.Err() != nil {
			return
		}
		if err == nil && failedFrom == len(pending) {
			return
		}
		if err == nil {
			pending = pending[failedFrom:]
		} else if p.cfg.Bisect && len(pending) > 1 {
			half := len(pending) / 2
			p.log.Printf("%s: stream batch of %d failed (%v), bisecting", p.cfg.Function, len(pending), err)
			p.deliver(ctx, shard, pending[:half], attempts)
			p.deliver(ctx, shard, pending[half:], attempts)
			return
		} else {
			p.log.Printf("%s: stream batch of %d failed: %v", p.cfg.Function, len(pending), err)
		}
		attempts++
		if p.cfg.MaxRetryAttempts >= 0 && attempts > p.cfg.MaxRetryAttempts {
			p.onFailure(ctx, shard, pending, attempts, err)
			return
		}
		if !sleep(ctx, p.cfg.RetryDelay) {
			return
		}
	}
}

// invoke delivers records once and returns the index of the first record
// to retry (len(records) when all succeeded), or the function's error.
func (p *StreamPoller) invoke(ctx context.Context, records []streamtypes.Record) (int, error) {
	resp, err := invokeStream(ctx, p.fn, p.cfg.StreamARN, records, p.cfg.ReportBatchItemFailures)
	if err != nil {
		return 0, err
	}
	if !p.cfg.ReportBatchItemFailures {
		return len(records), nil
	}
	first := len(records)
	for _, f := range resp.BatchItemFailures {
		idx := -1
		for i, r := range records {
			if aws.ToString(r.Dynamodb.SequenceNumber) == f.ItemIdentifier {
				idx = i
			}
		}
		if idx < 0 {
			return 0, fmt.Errorf("batch item failure %q names no record of the batch", f.ItemIdentifier)
		}
		first = min(first, idx)
	}
	if first < len(records) {
		p.log.Printf("%s: %d of %d stream records reported failed, retrying from %s", p.cfg.Function, len(records)-first, len(records), aws.ToString(records[first].Dynamodb.SequenceNumber))
	}
	return first, nil
}

// invokeStream sends records to fn as the DynamoDB event Lambda sends for
// the stream streamARN and, with report (ReportBatchItemFailures), returns
// the function's batch response (empty when it answers none).
func invokeStream(ctx context.Context, fn Invoker, streamARN string, records []streamtypes.Record, report bool) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	ev := events.DynamoDBEvent{Records: make([]events.DynamoDBEventRecord, 0, len(records))}
	for _, r := range records {
		er, err := eventRecord(streamARN, r)
		if err != nil {
			return resp, err
		}
		ev.Records = append(ev.Records, er)
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return resp, fmt.Errorf("encode dynamodb event: %w", err)
	}
	out, err := fn.Invoke(ctx, payload)
	if err != nil {
		return resp, err
	}
	if report && len(out) > 0 && string(out) != "null" {
		if err := json.Unmarshal(out, &resp); err != nil {
			return resp, fmt.Errorf("decode batch response: %w", err)
		}
	}
	return resp, nil
}

// eventRecord is stream record r of the stream streamARN as Lambda passes
// it to a function.
func eventRecord(streamARN string, r streamtypes.Record) (events.DynamoDBEventRecord, error) {
	d := r.Dynamodb
	keys, err := Image(d.Keys)
	if err != nil {
		return events.DynamoDBEventRecord{}, fmt.Errorf("convert keys: %w", err)
	}
	newImage, err := Image(d.NewImage)
	if err != nil {
		return events.DynamoDBEventRecord{}, fmt.Errorf("convert new image: %w", err)
	}
	oldImage, err := Image(d.OldImage)
	if err != nil {
		return events.DynamoDBEventRecord{}, fmt.Errorf("convert old image: %w", err)
	}
	rec := events.DynamoDBEventRecord{
		AWSRegion:      or(aws.ToString(r.AwsRegion), "us-east-1"),
		EventID:        aws.ToString(r.EventID),
		EventName:      string(r.EventName),
		EventSource:    "aws:dynamodb",
		EventVersion:   or(aws.ToString(r.EventVersion), "1.1"),
		EventSourceArn: streamARN,
		Change: events.DynamoDBStreamRecord{
			Keys:           keys,
			NewImage:       newImage,
			OldImage:       oldImage,
			SequenceNumber: aws.ToString(d.SequenceNumber),
			SizeBytes:      aws.ToInt64(d.SizeBytes),
			StreamViewType: string(d.StreamViewType),
		},
	}
	if d.ApproximateCreationDateTime != nil {
		rec.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
	}
	return rec, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// onFailure sends the on-failure record Lambda sends for a stream batch
// that ran out of retries, then the records are skipped.
func (p *StreamPoller) onFailure(ctx context.Context, shard string, records []streamtypes.Record, attempts int, cause error) {
	first, last := records[0], records[len(records)-1]
	p.log.Printf("%s: %d stream records failed after %d attempts; skipping them", p.cfg.Function, len(records), attempts)
	if p.cfg.OnFailureQueueURL == "" || p.sqs == nil {
		return
	}
	response := map[string]any{"statusCode": 200, "executedVersion": "$LATEST"}
	if cause != nil {
		response["functionError"] = "Unhandled"
	}
	arrival := func(r streamtypes.Record) string {
		if t := r.Dynamodb.ApproximateCreationDateTime; t != nil {
			return t.UTC().Format("2006-01-02T15:04:05.000Z")
		}
		return ""
	}
	doc := map[string]any{
		"requestContext": map[string]any{
			"requestId":              newID(),
			"functionArn":            p.cfg.FunctionARN,
			"condition":              "RetryAttemptsExhausted",
			"approximateInvokeCount": attempts,
		},
		"responseContext": response,
		"version":         "1.0",
		"timestamp":       time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"DDBStreamBatchInfo": map[string]any{
			"shardId":                         shard,
			"startSequenceNumber":             aws.ToString(first.Dynamodb.SequenceNumber),
			"endSequenceNumber":               aws.ToString(last.Dynamodb.SequenceNumber),
			"approximateArrivalOfFirstRecord": arrival(first),
			"approximateArrivalOfLastRecord":  arrival(last),
			"batchSize":                       len(records),
			"streamArn":                       p.cfg.StreamARN,
		},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		p.log.Printf("%s: encode on-failure record: %v", p.cfg.Function, err)
		return
	}
	if _, err := p.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(p.cfg.OnFailureQueueURL), MessageBody: aws.String(string(b))}); err != nil {
		p.log.Printf("%s: send on-failure record: %v", p.cfg.Function, err)
	}
}
