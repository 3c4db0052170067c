package greetings_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cardloop/cardloop/shared/aws/sqsqueue"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/worker/greetings"
)

// recordingDelayer is the greeting queue, remembering the delays asked for.
type recordingDelayer struct {
	*sqsqueue.Queue[greeting.Job]
	delays []time.Duration
}

func (q *recordingDelayer) Delay(ctx context.Context, receiptHandle string, d time.Duration) error {
	q.delays = append(q.delays, d)
	return q.Queue.Delay(ctx, receiptHandle, d)
}

// receiveKept receives the queue's visible messages without deleting them,
// as the event source does before the handler answers.
func (r *greetRig) receiveKept(t *testing.T) []events.SQSMessage {
	t.Helper()
	out, err := r.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &r.qurl, MaxNumberOfMessages: 10, VisibilityTimeout: 30})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []events.SQSMessage
	for _, m := range out.Messages {
		msgs = append(msgs, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body)})
	}
	return msgs
}

// TestQuietHoursHoldNotFail: a greeting job that reaches the sender at
// 23:21 in Taipei is held, not failed: nothing is sent or counted failed,
// the log says "held until 09:00 store time" and names no diner, and the
// message is hidden until 09:00 with one visibility change (not retried
// meanwhile). When it comes back after 09:00 the greeting is sent, once.
func TestQuietHoursHoldNotFail(t *testing.T) {
	r := newGreetRig(t, taipei10)
	r.sender.Cap = 0
	email, key := r.diner(t, "S001", "Mei", "12-04", true)
	r.syncStream(t)
	r.confirm(t, email)
	ctx := context.Background()

	*r.clock = time.Date(2026, 12, 1, 15, 21, 0, 0, time.UTC) // 23:21 in Taipei
	job := greeting.Job{CampaignID: "birthday-wang", BrandID: "wang", StoreID: "S001", Occasion: "birthday", Year: 2026, Date: "2026-12-01",
		TimeZone: "Asia/Taipei", Diners: []greeting.Recipient{{Key: key, Email: email, Name: "Mei"}}}
	if err := r.queue.Enqueue(ctx, []greeting.Job{job}); err != nil {
		t.Fatal(err)
	}
	msgs := r.receiveKept(t)
	if len(msgs) != 1 {
		t.Fatalf("queued: %d", len(msgs))
	}
	var logs bytes.Buffer
	q := &recordingDelayer{Queue: r.queue}
	h := greetings.NewSend(r.sender, q, func() time.Time { return *r.clock }, slog.New(slog.NewTextHandler(&logs, nil)))
	resp, err := h.Handle(ctx, events.SQSEvent{Records: msgs})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 {
		t.Errorf("held message not handed back to the queue: %+v", resp)
	}
	if want := 9*time.Hour + 39*time.Minute; len(q.delays) != 1 || q.delays[0] != want {
		t.Errorf("delays %v, want one of %v (until 09:00 in Taipei)", q.delays, want)
	}
	log := logs.String()
	if !strings.Contains(log, "held until 09:00 store time") || strings.Contains(strings.ToLower(log), "fail") ||
		strings.Contains(log, email) || strings.Contains(log, "Mei") {
		t.Errorf("log of a held job:\n%s", log)
	}
	if n := countGreetings(mailsTo(t, email)); n != 0 {
		t.Fatalf("greetings in quiet hours: %d", n)
	}
	if again := r.receiveKept(t); len(again) != 0 {
		t.Errorf("a held message is visible again at once: %d", len(again))
	}
	c, err := r.db.Campaign(ctx, "birthday-wang")
	if err != nil {
		t.Fatal(err)
	}
	if c.Results.Failed != 0 || c.Results.Skipped != 0 {
		t.Errorf("results after a hold: %+v", c.Results)
	}

	// 09:05: the hours have passed (the test makes the message visible
	// instead of waiting them out).
	*r.clock = time.Date(2026, 12, 2, 1, 5, 0, 0, time.UTC)
	if _, err := r.sqs.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &r.qurl, ReceiptHandle: &msgs[0].ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	back := r.receive(t)
	if len(back) != 1 {
		t.Fatalf("after quiet hours: %d messages", len(back))
	}
	if resp := r.deliver(t, back); len(resp.BatchItemFailures) != 0 {
		t.Errorf("after quiet hours: %+v", resp)
	}
	r.deliver(t, back) // redelivered once more
	if n := countGreetings(mailsTo(t, email)); n != 1 {
		t.Errorf("greetings after quiet hours: %d, want 1", n)
	}
}

// TestParseQuietHours reads the GREETING_QUIET_HOURS setting.
func TestParseQuietHours(t *testing.T) {
	tests := []struct {
		in      string
		want    greeting.QuietHours
		wantErr bool
		quietAt []int
	}{
		{"", greeting.DefaultQuietHours, false, []int{21, 23, 0, 8}},
		{"off", greeting.QuietHours{}, false, nil},
		{"23-7", greeting.QuietHours{From: 23, Till: 7}, false, []int{23, 0, 6}},
		{"9", greeting.QuietHours{}, true, nil},
		{"25-3", greeting.QuietHours{}, true, nil},
	}
	for _, tt := range tests {
		got, err := greeting.ParseQuietHours(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseQuietHours(%q) = %+v, %v", tt.in, got, err)
			continue
		}
		for h := range 24 {
			want := false
			for _, q := range tt.quietAt {
				want = want || q == h
			}
			if got.Contains(h) != want && (want || tt.in == "off") {
				t.Errorf("%q: hour %d quiet %v, want %v", tt.in, h, got.Contains(h), want)
			}
		}
	}
}
