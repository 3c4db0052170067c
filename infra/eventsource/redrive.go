package eventsource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// StreamFailure is the on-failure record Lambda sends to a stream event
// source's destination when a batch runs out of retries or ages out (and
// the local StreamPoller sends alike): where the batch was, not its records.
type StreamFailure struct {
	RequestContext struct {
		RequestID              string `json:"requestId"`
		FunctionARN            string `json:"functionArn"`
		Condition              string `json:"condition"`
		ApproximateInvokeCount int    `json:"approximateInvokeCount"`
	} `json:"requestContext"`
	Batch struct {
		ShardID             string `json:"shardId"`
		StartSequenceNumber string `json:"startSequenceNumber"`
		EndSequenceNumber   string `json:"endSequenceNumber"`
		BatchSize           int    `json:"batchSize"`
		StreamARN           string `json:"streamArn"`
	} `json:"DDBStreamBatchInfo"`
}

// redriveQueueAPI is what a redrive needs of the dead-letter queue.
type redriveQueueAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
}

// Redrive replays the stream batches a dead-letter queue names through a
// function, while the stream still holds them (24 hours).
type Redrive struct {
	Streams streamsAPI
	Queue   redriveQueueAPI
	// QueueURL is the stream event source's on-failure queue.
	QueueURL string
	// Function gets the batch's records as Lambda would send them.
	Function Invoker
	// Out receives a line per message: what was replayed, or why not.
	Out io.Writer
	// Visibility hides a message while it is replayed (default 300 s); a
	// message not replayed reappears after it, for the next redrive.
	Visibility int32
}

// RedriveResult counts what a redrive did.
type RedriveResult struct {
	Messages int // on-failure records read
	Replayed int // of those, whose records all went through and that were deleted
	Records  int // stream records sent to the function
	Failed   int // messages kept: the function failed again, or the records are gone
}

// Run reads every message of the queue once and replays its batch: the
// records from the start to the end sequence number of its shard, read
// with an AT_SEQUENCE_NUMBER iterator, sent to the function in one
// invocation per read page. A message is deleted once its every record has
// gone through (no error, no batch item failure); otherwise it is kept,
// and the error says why. The function must be idempotent, as for any
// stream delivery: a redrive delivers records the function may have seen.
func (rd Redrive) Run(ctx context.Context) (RedriveResult, error) {
	var res RedriveResult
	var errs []error
	visibility := rd.Visibility
	if visibility <= 0 {
		visibility = 300
	}
	for {
		out, err := rd.Queue.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(rd.QueueURL), MaxNumberOfMessages: 10, VisibilityTimeout: visibility,
		})
		if err != nil {
			return res, fmt.Errorf("read dead-letter queue %s: %w", rd.QueueURL, err)
		}
		if len(out.Messages) == 0 {
			break
		}
		for _, m := range out.Messages {
			res.Messages++
			n, err := rd.replay(ctx, aws.ToString(m.Body))
			res.Records += n
			if err != nil {
				res.Failed++
				errs = append(errs, fmt.Errorf("message %s: %w", aws.ToString(m.MessageId), err))
				fmt.Fprintf(rd.Out, "message %s: kept: %v\n", aws.ToString(m.MessageId), err)
				continue
			}
			if _, err := rd.Queue.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(rd.QueueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				res.Failed++
				errs = append(errs, fmt.Errorf("delete message %s: %w", aws.ToString(m.MessageId), err))
				continue
			}
			res.Replayed++
			fmt.Fprintf(rd.Out, "message %s: %d records replayed, message deleted\n", aws.ToString(m.MessageId), n)
		}
	}
	return res, errors.Join(errs...)
}

// replay sends one on-failure record's batch to the function and returns
// how many records it sent.
func (rd Redrive) replay(ctx context.Context, body string) (int, error) {
	var f StreamFailure
	if err := json.Unmarshal([]byte(body), &f); err != nil {
		return 0, fmt.Errorf("not a stream on-failure record: %w", err)
	}
	b := f.Batch
	end, ok := new(big.Int).SetString(b.EndSequenceNumber, 10)
	if b.ShardID == "" || b.StreamARN == "" || b.StartSequenceNumber == "" || !ok {
		return 0, fmt.Errorf("not a stream on-failure record: no shard, stream or sequence range")
	}
	it, err := rd.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(b.StreamARN), ShardId: aws.String(b.ShardID),
		ShardIteratorType: streamtypes.ShardIteratorTypeAtSequenceNumber, SequenceNumber: aws.String(b.StartSequenceNumber),
	})
	if err != nil {
		return 0, fmt.Errorf("records %s–%s of shard %s are no longer in the stream (it keeps them 24 hours): %w",
			b.StartSequenceNumber, b.EndSequenceNumber, b.ShardID, err)
	}
	sent, empty := 0, 0
	for iter := it.ShardIterator; iter != nil && ctx.Err() == nil; {
		out, err := rd.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
		if err != nil {
			return sent, fmt.Errorf("read records of shard %s: %w", b.ShardID, err)
		}
		iter = out.NextShardIterator
		var batch []streamtypes.Record
		past := false
		for _, r := range out.Records {
			seq, ok := new(big.Int).SetString(aws.ToString(r.Dynamodb.SequenceNumber), 10)
			if !ok {
				return sent, fmt.Errorf("read records of shard %s: sequence number %q", b.ShardID, aws.ToString(r.Dynamodb.SequenceNumber))
			}
			if seq.Cmp(end) > 0 {
				past = true
				break
			}
			batch = append(batch, r)
			past = seq.Cmp(end) == 0
		}
		if len(batch) > 0 {
			resp, err := invokeStream(ctx, rd.Function, b.StreamARN, batch, true)
			if err != nil {
				return sent, fmt.Errorf("replay records of shard %s: %w", b.ShardID, err)
			}
			if len(resp.BatchItemFailures) > 0 {
				return sent, fmt.Errorf("replay records of shard %s: the function failed record %s again", b.ShardID, resp.BatchItemFailures[0].ItemIdentifier)
			}
			sent += len(batch)
		}
		if past {
			return sent, nil
		}
		// An open shard may answer an empty page before its next records;
		// a few in a row mean the range's end is not there.
		if len(out.Records) == 0 {
			if empty++; empty == 5 {
				break
			}
		} else {
			empty = 0
		}
	}
	if err := ctx.Err(); err != nil {
		return sent, err
	}
	return sent, fmt.Errorf("shard %s ended before sequence number %s (%d records replayed)", b.ShardID, b.EndSequenceNumber, sent)
}
