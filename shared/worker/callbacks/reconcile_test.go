package callbacks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/cardloop/cardloop/infra/eventsource"
	"github.com/cardloop/cardloop/shared/aws/emf"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/triage"
	"github.com/cardloop/cardloop/shared/worker/callbacks"
)

// failingFor is the fault injected into the stream handler: the real case
// service, but every triage of one card fails, as it did when the emulator
// failed writes under load.
type failingFor struct {
	cases  *casework.Service
	cardID string
}

func (f failingFor) Triage(ctx context.Context, c card.Card) (triage.Decision, error) {
	if c.ID == f.cardID {
		return triage.Decision{}, errors.New("injected: storage failed the write")
	}
	return f.cases.Triage(ctx, c)
}

// lostCards stores three low cards of three diners — ok, then lost, then
// behind — and runs the table's stream through the TriageFunction's
// handler with the local event source, as template.yaml configures it but
// with 2 retries: ok is triaged; lost fails every attempt, so lost and
// behind (the rest of its batch) go to the TriageDeadLetterQueue. It
// returns the three cards once the queue holds the on-failure record.
func lostCards(t *testing.T, r *rig) (ok, lost, behind card.Card) {
	t.Helper()
	phone := func() string { return fmt.Sprintf("09%08d", rand.IntN(1e8)) }
	low := map[string]int{"main": 1, "overall": 3}
	ok = r.submitAs(t, "ok", phone(), low)
	lost = r.submitAs(t, "lost", phone(), low)
	behind = r.submitAs(t, "behind", phone(), low)

	h := callbacks.NewTriage(failingFor{r.cases, lost.ID}, r.db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	dlq := r.env.Resources["TriageDeadLetterQueue"].URL
	queue := sqs.NewFromConfig(r.env.Config)
	poller := eventsource.NewStreamPoller(eventsource.StreamConfig{
		Function: "TriageFunction", StreamARN: r.env.Resources["Table"].StreamARN,
		StartingPosition: "TRIM_HORIZON", BatchSize: 25, MaxRetryAttempts: 2, Bisect: true,
		ReportBatchItemFailures: true, OnFailureQueueURL: dlq, RetryDelay: 10 * time.Millisecond,
	}, dynamodbstreams.NewFromConfig(r.env.Config), queue, lambda.NewHandler(h.Handle), nil)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = poller.Run(ctx) }()
	defer func() { stop(); wg.Wait() }()
	for deadline := time.Now().Add(time.Minute); ; {
		attrs, err := queue.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(dlq),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}})
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := strconv.Atoi(attrs.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)]); n > 0 {
			return ok, lost, behind
		}
		if time.Now().After(deadline) {
			t.Fatal("the lost card's stream record never reached the dead-letter queue")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// caseOf returns a card's case, failing the test when it has none.
func (r *rig) caseOf(t *testing.T, c card.Card) casework.Record {
	t.Helper()
	rec, err := r.db.CaseRecord(context.Background(), casework.ID(c.StoreID, c.Diner.Key, c.ID, c.VisitDate))
	if err != nil {
		t.Fatalf("case of card %s: %v", c.ID, err)
	}
	return rec
}

// marked returns the ids of the cards still awaiting triage at the time
// the rig's clock shows, plus a day: every mark there is.
func (r *rig) marked(t *testing.T) map[string]bool {
	t.Helper()
	got, err := r.db.Untriaged(context.Background(), r.clock.Add(24*time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, a := range got {
		ids[a.Card.ID] = true
	}
	return ids
}

// reconciler is the ReconcileFunction's handler with the real case service,
// its clock at the rig's plus after, its metric lines in metrics.
func (r *rig) reconciler(after time.Duration, metrics *bytes.Buffer) *callbacks.Reconcile {
	at := r.clock.Add(after)
	return callbacks.NewReconcile(r.cases, r.db, emf.New(metrics, "cardloop", map[string]string{"Stage": "test"}),
		callbacks.ReconcileSettings{Grace: 5 * time.Minute, Limit: 100}, func() time.Time { return at }, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// untriagedMetric is the value of the last metric line written.
func untriagedMetric(t *testing.T, metrics *bytes.Buffer) int {
	t.Helper()
	lines := bytes.Split(bytes.TrimSpace(metrics.Bytes()), []byte("\n"))
	var m map[string]any
	if err := json.Unmarshal(lines[len(lines)-1], &m); err != nil {
		t.Fatalf("metric line %q: %v", lines[len(lines)-1], err)
	}
	n, ok := m[callbacks.UntriagedMetric].(float64)
	if !ok {
		t.Fatalf("metric line %s has no %s", lines[len(lines)-1], callbacks.UntriagedMetric)
	}
	return int(n)
}

// redrive replays the rig's TriageDeadLetterQueue through the stream
// handler, as `cardloop redrive triage` does.
func (r *rig) redrive(t *testing.T) eventsource.RedriveResult {
	t.Helper()
	var out bytes.Buffer
	res, err := eventsource.Redrive{
		Streams:  dynamodbstreams.NewFromConfig(r.env.Config),
		Queue:    sqs.NewFromConfig(r.env.Config),
		QueueURL: r.env.Resources["TriageDeadLetterQueue"].URL,
		Function: lambda.NewHandler(r.triage.Handle), Out: &out,
	}.Run(context.Background())
	if err != nil {
		t.Fatalf("redrive: %v (%s)", err, out.String())
	}
	return res
}

// TestLostStreamRecordsReconciled is issue 12's acceptance test: a card
// whose stream record is dropped (the triage handler failing past its
// retries) gets its case and one e-mail from the reconciler, and so does
// the card dropped with it; a second run changes nothing, and nor does
// replaying the dropped records afterwards (a redrive).
func TestLostStreamRecordsReconciled(t *testing.T) {
	r := newRig(t)
	ok, lost, behind := lostCards(t, r)
	ctx := context.Background()
	if got := r.marked(t); len(got) != 2 || !got[lost.ID] || !got[behind.ID] {
		t.Fatalf("cards awaiting triage after the stream: got %v, want the lost one and the one behind it", got)
	}
	for _, c := range []card.Card{lost, behind} {
		if _, err := r.db.CaseRecord(ctx, casework.ID(c.StoreID, c.Diner.Key, c.ID, c.VisitDate)); err == nil {
			t.Fatalf("card %s has a case before the reconciler ran", c.ID)
		}
	}

	var metrics bytes.Buffer
	early, err := r.reconciler(time.Minute, &metrics).Handle(ctx, events.EventBridgeEvent{ID: "early"})
	if err != nil || early != (callbacks.ReconcileReport{}) || untriagedMetric(t, &metrics) != 0 {
		t.Fatalf("a run within the grace period: got %+v, %v, metric %d; want nothing found", early, err, untriagedMetric(t, &metrics))
	}
	h := r.reconciler(6*time.Minute, &metrics)
	first, err := h.Handle(ctx, events.EventBridgeEvent{ID: "first"})
	if err != nil || first != (callbacks.ReconcileReport{Untriaged: 2, Triaged: 2}) {
		t.Fatalf("first run: got %+v, %v; want 2 found and triaged", first, err)
	}
	if got := untriagedMetric(t, &metrics); got != 2 {
		t.Errorf("first run's %s: got %d, want 2", callbacks.UntriagedMetric, got)
	}
	before := map[string]casework.Record{}
	for _, c := range []card.Card{ok, lost, behind} {
		rec := r.caseOf(t, c)
		before[c.ID] = rec
		if len(rec.Notices) != 1 || rec.Notices[0].Status != "sent" {
			t.Errorf("card %s: got notices %+v, want the store manager's alert sent", c.ID, rec.Notices)
		}
		if got := sesMessages(t, rec.Case.ID); got != 1 {
			t.Errorf("card %s: got %d e-mails, want 1 (failed sends: %q)", c.ID, got, r.sender.failed())
		}
	}
	if got := r.marked(t); len(got) != 0 {
		t.Errorf("cards awaiting triage after the run: got %v, want none", got)
	}

	second, err := h.Handle(ctx, events.EventBridgeEvent{ID: "second"})
	if err != nil || second != (callbacks.ReconcileReport{}) || untriagedMetric(t, &metrics) != 0 {
		t.Errorf("second run: got %+v, %v, metric %d; want nothing found", second, err, untriagedMetric(t, &metrics))
	}
	for _, c := range []card.Card{ok, lost, behind} {
		rec := r.caseOf(t, c)
		if rec.Case.Version != before[c.ID].Case.Version || len(rec.Events) != len(before[c.ID].Events) {
			t.Errorf("card %s: the second run changed its case: version %d → %d, %d → %d events",
				c.ID, before[c.ID].Case.Version, rec.Case.Version, len(before[c.ID].Events), len(rec.Events))
		}
		if got := sesMessages(t, rec.Case.ID); got != 1 {
			t.Errorf("card %s after the second run: got %d e-mails, want 1 (failed sends: %q)", c.ID, got, r.sender.failed())
		}
	}

	if res := r.redrive(t); res.Replayed != 1 {
		t.Fatalf("redrive after the reconciler: got %+v, want the message replayed", res)
	}
	for _, c := range []card.Card{lost, behind} {
		if got := sesMessages(t, r.caseOf(t, c).Case.ID); got != 1 {
			t.Errorf("card %s after the redrive: got %d e-mails, want 1 (failed sends: %q)", c.ID, got, r.sender.failed())
		}
	}
}

// TestRedriveReplaysTheDeadLetterQueue: `cardloop redrive triage`'s work —
// the on-failure record's range read back from the stream and sent to the
// TriageFunction's handler — triages the dropped cards, deletes the
// message and leaves the reconciler nothing; redriving again finds no
// message.
func TestRedriveReplaysTheDeadLetterQueue(t *testing.T) {
	r := newRig(t)
	_, lost, behind := lostCards(t, r)
	ctx := context.Background()
	if res := r.redrive(t); res.Messages != 1 || res.Replayed != 1 || res.Failed != 0 || res.Records < 2 {
		t.Fatalf("redrive: got %+v, want the one message replayed (the two cards' records at least)", res)
	}
	for _, c := range []card.Card{lost, behind} {
		if got := sesMessages(t, r.caseOf(t, c).Case.ID); got != 1 {
			t.Errorf("card %s: got %d e-mails, want 1 (failed sends: %q)", c.ID, got, r.sender.failed())
		}
	}
	if got := r.marked(t); len(got) != 0 {
		t.Errorf("cards awaiting triage after the redrive: got %v, want none", got)
	}
	var metrics bytes.Buffer
	if rep, err := r.reconciler(6*time.Minute, &metrics).Handle(ctx, events.EventBridgeEvent{ID: "after"}); err != nil || rep != (callbacks.ReconcileReport{}) {
		t.Errorf("reconciler after the redrive: got %+v, %v; want nothing found", rep, err)
	}
	if res := r.redrive(t); res.Messages != 0 {
		t.Errorf("second redrive: got %+v, want no message", res)
	}
}
