package eventsource

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// queueAPI is what the queue poller needs of SQS.
type queueAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
}

// QueueConfig is an SQS event source mapping.
type QueueConfig struct {
	// Function is the function's logical id, for logs.
	Function string
	QueueURL string
	QueueARN string
	// BatchSize is at most this many messages per invocation (default 10).
	BatchSize int
	// BatchWindow is MaximumBatchingWindowInSeconds.
	BatchWindow time.Duration
	// ReportBatchItemFailures is FunctionResponseTypes: [ReportBatchItemFailures].
	ReportBatchItemFailures bool
	// WaitTime is the long-poll wait of each receive (default 1 s).
	WaitTime time.Duration
}

// QueuePoller delivers an SQS queue's messages to a function. Messages the
// function fails on are left in the queue: they come back after the
// visibility timeout, and the queue's redrive policy moves them to its
// dead-letter queue.
type QueuePoller struct {
	cfg QueueConfig
	sqs queueAPI
	fn  Invoker
	log *log.Logger
}

// NewQueuePoller returns a poller; logger may be nil.
func NewQueuePoller(cfg QueueConfig, api queueAPI, fn Invoker, logger *log.Logger) *QueuePoller {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 10
	}
	if cfg.WaitTime <= 0 {
		cfg.WaitTime = time.Second
	}
	if logger == nil {
		logger = log.New(discard{}, "", 0)
	}
	return &QueuePoller{cfg: cfg, sqs: api, fn: fn, log: logger}
}

// Run polls until ctx ends.
func (p *QueuePoller) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		msgs, err := p.receive(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if len(msgs) == 0 {
			continue
		}
		p.deliver(ctx, msgs)
	}
	return nil
}

// receive collects up to BatchSize messages, waiting up to BatchWindow
// for a full batch.
func (p *QueuePoller) receive(ctx context.Context) ([]sqstypes.Message, error) {
	var msgs []sqstypes.Message
	deadline := time.Now().Add(p.cfg.BatchWindow)
	for {
		out, err := p.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(p.cfg.QueueURL),
			MaxNumberOfMessages:         int32(min(10, p.cfg.BatchSize-len(msgs))),
			WaitTimeSeconds:             int32(p.cfg.WaitTime / time.Second),
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			return nil, fmt.Errorf("receive from %s: %w", p.cfg.QueueURL, err)
		}
		msgs = append(msgs, out.Messages...)
		if len(msgs) >= p.cfg.BatchSize || !time.Now().Before(deadline) || len(msgs) == 0 && p.cfg.BatchWindow == 0 {
			return msgs, nil
		}
		if len(out.Messages) == 0 && len(msgs) > 0 && !sleep(ctx, 100*time.Millisecond) {
			return msgs, nil
		}
	}
}

func (p *QueuePoller) deliver(ctx context.Context, msgs []sqstypes.Message) {
	ev := events.SQSEvent{Records: make([]events.SQSMessage, 0, len(msgs))}
	for _, m := range msgs {
		ev.Records = append(ev.Records, sqsMessage(m, p.cfg.QueueARN))
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		p.log.Printf("%s: encode sqs event: %v", p.cfg.Function, err)
		return
	}
	out, err := p.fn.Invoke(ctx, payload)
	if err != nil {
		p.log.Printf("%s: batch of %d messages failed, leaving them for redelivery: %v", p.cfg.Function, len(msgs), err)
		return
	}
	failed := map[string]bool{}
	if p.cfg.ReportBatchItemFailures && len(out) > 0 && string(out) != "null" {
		var resp events.SQSEventResponse
		if err := json.Unmarshal(out, &resp); err != nil {
			p.log.Printf("%s: decode batch response, treating the batch as failed: %v", p.cfg.Function, err)
			return
		}
		known := map[string]bool{}
		for _, m := range msgs {
			known[aws.ToString(m.MessageId)] = true
		}
		for _, f := range resp.BatchItemFailures {
			if !known[f.ItemIdentifier] {
				p.log.Printf("%s: batch item failure %q names no message, treating the batch as failed", p.cfg.Function, f.ItemIdentifier)
				return
			}
			failed[f.ItemIdentifier] = true
		}
	}
	var del []sqstypes.DeleteMessageBatchRequestEntry
	for i, m := range msgs {
		if failed[aws.ToString(m.MessageId)] {
			continue
		}
		del = append(del, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle})
	}
	if len(failed) > 0 {
		// Not "failed": a function also hands back messages it holds on
		// purpose (the sender in quiet hours); its own log says which and why.
		p.log.Printf("%s: %d of %d messages handed back for redelivery (see the function's log for why)", p.cfg.Function, len(failed), len(msgs))
	}
	for len(del) > 0 {
		n := min(10, len(del))
		if _, err := p.sqs.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(p.cfg.QueueURL), Entries: del[:n]}); err != nil {
			p.log.Printf("%s: delete messages: %v", p.cfg.Function, err)
		}
		del = del[n:]
	}
}

// sqsMessage converts a received message into the record Lambda delivers.
func sqsMessage(m sqstypes.Message, queueARN string) events.SQSMessage {
	attrs := map[string]string{}
	for k, v := range m.Attributes {
		attrs[k] = v
	}
	mattrs := map[string]events.SQSMessageAttribute{}
	for k, v := range m.MessageAttributes {
		mattrs[k] = events.SQSMessageAttribute{
			StringValue:      v.StringValue,
			BinaryValue:      v.BinaryValue,
			StringListValues: v.StringListValues,
			BinaryListValues: v.BinaryListValues,
			DataType:         aws.ToString(v.DataType),
		}
	}
	return events.SQSMessage{
		MessageId:              aws.ToString(m.MessageId),
		ReceiptHandle:          aws.ToString(m.ReceiptHandle),
		Body:                   aws.ToString(m.Body),
		Md5OfBody:              aws.ToString(m.MD5OfBody),
		Md5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
		Attributes:             attrs,
		MessageAttributes:      mattrs,
		EventSourceARN:         queueARN,
		EventSource:            "aws:sqs",
		AWSRegion:              "us-east-1",
	}
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
