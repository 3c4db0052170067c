package eventsource_test

import (
	"context"
	"encoding/json"
	"log"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/eventsource"
	"github.com/cardloop/cardloop/infra/provision"
	"github.com/cardloop/cardloop/infra/sam"
)

// batchFake plays BatchFunction: it records every invocation and reports
// as failed the stream records with fail = true and the messages whose body
// contains "fail".
type batchFake struct {
	mu     sync.Mutex
	stream [][]string // pk of each record, per invocation
	queue  [][]string // body of each message, per invocation
	s3     []events.S3EventRecord
}

func (f *batchFake) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	var head struct {
		Records []struct {
			EventSource string `json:"eventSource"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(payload, &head); err != nil || len(head.Records) == 0 {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var resp events.DynamoDBEventResponse
	switch head.Records[0].EventSource {
	case "aws:dynamodb":
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		var pks []string
		for _, r := range ev.Records {
			pks = append(pks, r.Change.Keys["pk"].String())
			if v, ok := r.Change.NewImage["fail"]; ok && v.Boolean() {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
			}
		}
		f.stream = append(f.stream, pks)
	case "aws:sqs":
		var ev events.SQSEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		var bodies []string
		for _, m := range ev.Records {
			bodies = append(bodies, m.Body)
			if strings.Contains(m.Body, "fail") {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: m.MessageId})
			}
		}
		f.queue = append(f.queue, bodies)
	case "aws:s3":
		var ev events.S3Event
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		f.s3 = append(f.s3, ev.Records...)
	}
	return json.Marshal(resp)
}

func (f *batchFake) snapshot() (stream, queue [][]string, s3 []events.S3EventRecord) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]string{}, f.stream...), append([][]string{}, f.queue...), append([]events.S3EventRecord{}, f.s3...)
}

type nop struct{}

func (nop) Invoke(context.Context, []byte) ([]byte, error) { return []byte("null"), nil }

// eventually waits for cond, failing the test after a generous limit.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 600; i++ {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("gave up waiting for %s", what)
}

func TestEventSources(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the emulator")
	}
	cfg := emulator.Ensure(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tpl, err := sam.Load("../testdata/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	prefix := emulator.Prefix(t)
	r, err := sam.NewResolver(tpl, nil, prefix)
	if err != nil {
		t.Fatal(err)
	}
	res, err := provision.Create(ctx, cfg, tpl, r, prefix)
	if err != nil {
		t.Fatal(err)
	}
	fake := &batchFake{}
	running, err := eventsource.Start(ctx, eventsource.Stack{
		Config: cfg, Template: tpl, Resolver: r, Resources: res, Prefix: prefix,
		Functions: map[string]eventsource.Invoker{"BatchFunction": fake, "EchoFunction": nop{}},
		Log:       log.New(os.Stderr, "[eventsource] ", 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		running.Wait()
	}()
	if len(running.Descriptions) != 3 {
		t.Errorf("event sources: got %v, want 3", running.Descriptions)
	}
	ddb := dynamodb.NewFromConfig(cfg)
	sq := sqs.NewFromConfig(cfg)

	t.Run("stream", func(t *testing.T) {
		item := func(pk string, fail bool) ddbtypes.WriteRequest {
			return ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: map[string]ddbtypes.AttributeValue{
				"pk": &ddbtypes.AttributeValueMemberS{Value: pk}, "sk": &ddbtypes.AttributeValueMemberS{Value: "x"},
				"fail": &ddbtypes.AttributeValueMemberBOOL{Value: fail},
			}}}
		}
		if _, err := ddb.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{
			res["Table"].Name: {item("a", false), item("b", true), item("c", false)},
		}}); err != nil {
			t.Fatal(err)
		}
		// b fails twice (MaximumRetryAttempts: 1): the batch from b on goes
		// to the on-failure queue.
		var failure struct {
			RequestContext struct {
				Condition string `json:"condition"`
			} `json:"requestContext"`
			Info struct {
				BatchSize int    `json:"batchSize"`
				StreamArn string `json:"streamArn"`
			} `json:"DDBStreamBatchInfo"`
		}
		eventually(t, "the on-failure record", func() bool {
			out, err := sq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(res["StreamFailures"].URL), WaitTimeSeconds: 1})
			if err != nil || len(out.Messages) == 0 {
				return false
			}
			return json.Unmarshal([]byte(aws.ToString(out.Messages[0].Body)), &failure) == nil
		})
		if failure.RequestContext.Condition != "RetryAttemptsExhausted" || failure.Info.StreamArn != res["Table"].StreamARN || failure.Info.BatchSize < 1 {
			t.Errorf("on-failure record: got %+v, want RetryAttemptsExhausted for the table's stream", failure)
		}
		stream, _, _ := fake.snapshot()
		var flat []string
		retriesFromB := 0
		for _, inv := range stream {
			flat = append(flat, inv...)
			if inv[0] == "b" {
				retriesFromB++
			}
		}
		if got := strings.Count(strings.Join(flat, ","), "a"); got != 1 {
			t.Errorf("a delivered %d times (%v), want once", got, stream)
		}
		if retriesFromB < 1 {
			t.Errorf("invocations %v: got no retry starting at b, want one", stream)
		}

		// The poller moves on past the failed records.
		if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(res["Table"].Name), Item: map[string]ddbtypes.AttributeValue{
			"pk": &ddbtypes.AttributeValueMemberS{Value: "d"}, "sk": &ddbtypes.AttributeValueMemberS{Value: "x"},
		}}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "record d", func() bool {
			stream, _, _ := fake.snapshot()
			last := stream[len(stream)-1]
			return last[len(last)-1] == "d"
		})
	})

	t.Run("queue", func(t *testing.T) {
		for _, body := range []string{"ok1", "fail1", "ok2"} {
			if _, err := sq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(res["Jobs"].URL), MessageBody: aws.String(body)}); err != nil {
				t.Fatal(err)
			}
		}
		// fail1 is reported failed on every delivery; after maxReceiveCount
		// (2) the queue's redrive policy moves it to the dead-letter queue.
		var dead string
		eventually(t, "fail1 in the dead-letter queue", func() bool {
			out, err := sq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(res["DeadLetters"].URL), WaitTimeSeconds: 1})
			if err != nil || len(out.Messages) == 0 {
				return false
			}
			dead = aws.ToString(out.Messages[0].Body)
			return true
		})
		if dead != "fail1" {
			t.Errorf("dead letter: got %q, want fail1", dead)
		}
		_, queue, _ := fake.snapshot()
		count := map[string]int{}
		for _, inv := range queue {
			for _, b := range inv {
				count[b]++
			}
		}
		if count["ok1"] != 1 || count["ok2"] != 1 || count["fail1"] < 2 {
			t.Errorf("deliveries: got %v, want ok1 and ok2 once, fail1 at least twice", count)
		}
	})

	t.Run("s3", func(t *testing.T) {
		s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
		for _, key := range []string{"other/x.csv", "in/y.txt", "in/a b.csv"} {
			if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(res["Uploads"].Name), Key: aws.String(key), Body: strings.NewReader("1,2")}); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, "the S3 event", func() bool {
			_, _, recs := fake.snapshot()
			return len(recs) > 0
		})
		time.Sleep(500 * time.Millisecond) // room for wrongly matched keys to show up
		_, _, recs := fake.snapshot()
		if len(recs) != 1 {
			t.Fatalf("S3 records: got %d, want 1 (only in/*.csv)", len(recs))
		}
		r := recs[0]
		if r.S3.Object.URLDecodedKey != "in/a b.csv" || r.S3.Bucket.Name != res["Uploads"].Name || !strings.HasPrefix(r.EventName, "ObjectCreated:") || r.EventSource != "aws:s3" || r.S3.Object.Size != 3 {
			t.Errorf("S3 record: got %+v, want ObjectCreated of in/a b.csv (3 bytes) in the bucket", r)
		}
	})
}
