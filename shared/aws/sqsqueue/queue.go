// Package queue puts cardloop's jobs on Amazon SQS: JSON messages, sent in
// batches of ten (SendMessageBatch), with failed entries retried.
package sqsqueue

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// API is the part of the SQS client the queue calls.
type API interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// Queue sends values of type T to one queue.
type Queue[T any] struct {
	api API
	url string
}

// New returns the queue at url.
func New[T any](api API, url string) *Queue[T] {
	return &Queue[T]{api: api, url: url}
}

// MaxBatch is SQS's batch size.
const MaxBatch = 10

// Enqueue sends items, ten per call. Entries SQS reports as failed are sent
// again (three rounds) before Enqueue gives up with an error; an item may
// therefore arrive twice, which consumers must absorb anyway.
func (q *Queue[T]) Enqueue(ctx context.Context, items []T) error {
	for start := 0; start < len(items); start += MaxBatch {
		batch := items[start:min(start+MaxBatch, len(items))]
		entries := make([]types.SendMessageBatchRequestEntry, len(batch))
		for i, it := range batch {
			body, err := json.Marshal(it)
			if err != nil {
				return fmt.Errorf("encode queue message: %w", err)
			}
			entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(string(body))}
		}
		for round := 0; len(entries) > 0; round++ {
			out, err := q.api.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &q.url, Entries: entries})
			if err != nil {
				return fmt.Errorf("send %d messages: %w", len(entries), err)
			}
			if len(out.Failed) == 0 {
				break
			}
			if round == 2 {
				return fmt.Errorf("send messages: %d failed, first: %s", len(out.Failed), aws.ToString(out.Failed[0].Message))
			}
			failed := map[string]bool{}
			for _, f := range out.Failed {
				failed[aws.ToString(f.Id)] = true
			}
			var again []types.SendMessageBatchRequestEntry
			for _, e := range entries {
				if failed[aws.ToString(e.Id)] {
					again = append(again, e)
				}
			}
			entries = again
		}
	}
	return nil
}

// Delay hides a received message for d (at most 12 hours), so it is
// redelivered then rather than after the visibility timeout.
func (q *Queue[T]) Delay(ctx context.Context, receiptHandle string, d time.Duration) error {
	secs := int32(min(max(d, time.Second), 12*time.Hour) / time.Second)
	_, err := q.api.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &q.url, ReceiptHandle: &receiptHandle, VisibilityTimeout: secs})
	if err != nil {
		return fmt.Errorf("delay message: %w", err)
	}
	return nil
}
