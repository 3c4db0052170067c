package callbacks_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/mail"
	"github.com/cardloop/cardloop/shared/triage"
	"github.com/cardloop/cardloop/shared/worker/callbacks"
)

// sesSender sends each notice as a short e-mail through the real SES client
// (the emulator's), failing the first failFirst sends as SES would when it
// throttles. The full e-mails are casemail's; here only their number counts.
type sesSender struct {
	mailer    *sesmail.Mailer
	failFirst atomic.Int32
	sends     atomic.Int32
	// failures are the errors of real sends (not the simulated ones), for
	// a test's message: a notice left pending says why.
	mu       sync.Mutex
	failures []string
}

// failed lists the real sends' errors so far.
func (s *sesSender) failed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.failures)
}

func (s *sesSender) SendNotice(ctx context.Context, n casework.Notice, k casework.Case) (string, error) {
	if s.failFirst.Add(-1) >= 0 {
		return "", &fault.Error{Code: fault.Unavailable, Message: "throttled", Err: errors.New("Throttling: Maximum sending rate exceeded")}
	}
	s.sends.Add(1)
	id, err := s.mailer.Send(ctx, mail.Message{To: []string{n.To}, Subject: n.Kind + " " + k.ID, Text: "case " + k.ID,
		Headers: map[string]string{"X-Cardloop-Case": k.ID, "X-Cardloop-Notice": n.Kind}})
	if err != nil {
		s.mu.Lock()
		s.failures = append(s.failures, err.Error())
		s.mu.Unlock()
	}
	return id, err
}

type rig struct {
	env    testenv.Env
	db     *allstores.Stores
	calls  *testenv.CountingDynamo
	cards  *intake.Service
	cases  *casework.Service
	sender *sesSender
	triage *callbacks.Triage
	clock  *time.Time
	phone  string // each test's diner is its own, as the emulator is shared
}

func newRig(t *testing.T) *rig {
	env := testenv.New(t)
	calls := &testenv.CountingDynamo{DynamoAPI: dynamodb.NewFromConfig(env.Config)}
	db := allstores.New(calls, env.Table())
	now := time.Now()
	r := &rig{env: env, db: db, calls: calls, clock: &now, phone: fmt.Sprintf("09%08d", rand.IntN(1e8))}
	r.sender = &sesSender{mailer: sesmail.New(sesv2.NewFromConfig(env.Config), env.Resources["SenderIdentity"].Name, "")}
	clock := func() time.Time { return *r.clock }
	r.cards = intake.NewService(db, db, clock)
	r.cases = casework.NewService(db, db, r.sender, clock)
	r.triage = callbacks.NewTriage(r.cases, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return r
}

func (r *rig) submit(t *testing.T, id string, ratings map[string]int, comment string) card.Card {
	t.Helper()
	res, err := r.cards.Submit(context.Background(), card.Submission{
		SubmissionID: id, StoreID: "S001", Ratings: ratings, Comment: comment,
		Diner:   card.DinerInput{Name: "林小姐", Phone: r.phone},
		Consent: card.ConsentInput{Contact: true},
	}, card.Meta{Source: card.SourceQR})
	if err != nil {
		t.Fatal(err)
	}
	return res.Card
}

// sesMessages counts the messages the emulator's SES holds for a case.
func sesMessages(t *testing.T, caseID string) int {
	t.Helper()
	raw, err := emulator.SentRaw(emulator.EnsureEndpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range raw {
		if strings.Contains(m, "X-Cardloop-Case: "+caseID) {
			n++
		}
	}
	return n
}

func (r *rig) handle(t *testing.T, ev events.DynamoDBEvent) events.DynamoDBEventResponse {
	t.Helper()
	resp, err := r.triage.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestSameBatchTwiceGivesOneCaseOneEmail(t *testing.T) {
	r := newRig(t)
	c := r.submit(t, "low-1", map[string]int{"main": 1, "overall": 3}, "")
	ev := r.env.StreamEvent(t)
	if resp := r.handle(t, ev); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("first delivery: got failures %+v", resp.BatchItemFailures)
	}
	if resp := r.handle(t, ev); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("second delivery: got failures %+v", resp.BatchItemFailures)
	}
	id := casework.ID("S001", c.Diner.Key, c.ID, c.VisitDate)
	rec, err := r.db.CaseRecord(context.Background(), id)
	if err != nil {
		t.Fatalf("case: %v", err)
	}
	if rec.Case.Severity != triage.Apology || len(rec.Case.CardIDs) != 1 || len(rec.Events) != 1 {
		t.Errorf("case: got %+v with %d events, want one apology case with one event", rec.Case, len(rec.Events))
	}
	if got := sesMessages(t, id); got != 1 {
		t.Errorf("e-mails for the case: got %d, want 1", got)
	}
	if len(rec.Notices) != 1 || rec.Notices[0].Status != "sent" || rec.Notices[0].To != "manager.s001@example.com" {
		t.Errorf("notices: got %+v, want one sent to the store manager", rec.Notices)
	}
}

func TestSESErrorThenRetrySendsExactlyOnce(t *testing.T) {
	r := newRig(t)
	c := r.submit(t, "low-2", map[string]int{"main": 1, "overall": 3}, "")
	r.sender.failFirst.Store(1)
	ev := r.env.StreamEvent(t)
	resp := r.handle(t, ev)
	if len(resp.BatchItemFailures) != 1 {
		t.Fatalf("first attempt with SES failing: got failures %+v, want the card's record", resp.BatchItemFailures)
	}
	id := casework.ID("S001", c.Diner.Key, c.ID, c.VisitDate)
	if got := sesMessages(t, id); got != 0 {
		t.Fatalf("after the failed attempt: got %d e-mails, want 0", got)
	}
	if resp := r.handle(t, ev); len(resp.BatchItemFailures) != 0 { // Lambda retries the batch
		t.Fatalf("retry: got failures %+v", resp.BatchItemFailures)
	}
	r.handle(t, ev) // and a late duplicate delivery
	if got := sesMessages(t, id); got != 1 {
		t.Errorf("after retries: got %d e-mails, want exactly 1", got)
	}
}

func TestSevereChineseCommentOpensVisitAndTellsAreaManager(t *testing.T) {
	r := newRig(t)
	c := r.submit(t, "severe-1", map[string]int{"main": 4, "overall": 4}, "吃完回家就拉肚子，湯裡還有頭髮")
	r.handle(t, r.env.StreamEvent(t))
	id := casework.ID("S001", c.Diner.Key, c.ID, c.VisitDate)
	rec, err := r.db.CaseRecord(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Case.Severity != triage.Visit {
		t.Errorf("severity: got %q, want in-person visit", rec.Case.Severity)
	}
	to := map[string]bool{}
	for _, n := range rec.Notices {
		to[n.To] = n.Status == "sent"
	}
	if !to["area.taiwan@example.com"] || !to["manager.s001@example.com"] {
		t.Errorf("notices: got %+v, want the area and store managers told", rec.Notices)
	}
}

func TestLowCardsOfOneDinerOneDayMakeOneCase(t *testing.T) {
	r := newRig(t)
	a := r.submit(t, "same-day-1", map[string]int{"main": 1, "overall": 3}, "")
	b := r.submit(t, "same-day-2", map[string]int{"overall": 1}, "")
	r.handle(t, r.env.StreamEvent(t))
	id := casework.ID("S001", a.Diner.Key, a.ID, a.VisitDate)
	rec, err := r.db.CaseRecord(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Case.CardIDs) != 2 || rec.Case.CardIDs[1] != b.ID || rec.Case.Severity != triage.Visit {
		t.Errorf("case: got cards %v severity %q, want both cards and visit severity", rec.Case.CardIDs, rec.Case.Severity)
	}
	if got := sesMessages(t, id); got != 2 {
		t.Errorf("e-mails: got %d, want 2 (store manager once, area manager once when it became a visit)", got)
	}
}

// TestNoCaseNoCalls checks the cost of triaging a good card: once the store's
// rules are cached, one query for a known diner's card (has the diner a
// recent case this card recovers?), nothing else for an anonymous one —
// but for each card the one conditional write that clears its triage mark.
func TestNoCaseNoCalls(t *testing.T) {
	r := newRig(t)
	r.submit(t, "good-1", map[string]int{"main": 5, "overall": 5}, "")
	r.submit(t, "good-2", map[string]int{"main": 4, "overall": 4}, "")
	r.submitAs(t, "good-anonymous", "", map[string]int{"main": 4, "overall": 4})
	ev := r.env.StreamEvent(t)
	r.handle(t, ev) // loads and caches S001's rules (one call)
	r.calls.Reset()
	r.handle(t, ev)
	if got := r.calls.Calls.Load(); got != 5 {
		t.Errorf("AWS calls triaging cards that need no case: got %d, want 5 (one look-up of recent cases per known diner's card, one mark cleared per card)", got)
	}
}

func TestEscalatesOnceAndOnlyOnce(t *testing.T) {
	r := newRig(t)
	c := r.submit(t, "overdue-1", map[string]int{"main": 1, "overall": 3}, "")
	r.handle(t, r.env.StreamEvent(t))
	id := casework.ID("S001", c.Diner.Key, c.ID, c.VisitDate)
	esc := callbacks.NewEscalate(r.cases, 100, slog.New(slog.NewTextHandler(io.Discard, nil)))
	run := func() {
		if err := esc.Handle(context.Background(), events.EventBridgeEvent{ID: "tick"}); err != nil {
			t.Fatal(err)
		}
	}
	run() // not yet due
	later := r.clock.Add(25 * time.Hour)
	r.clock = &later
	run()
	run() // a re-run at the same time
	rec, err := r.db.CaseRecord(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Case.Level != casework.LevelArea {
		t.Fatalf("level after overdue: got %d, want %d (area manager)", rec.Case.Level, casework.LevelArea)
	}
	escalations := 0
	for _, ev := range rec.Events {
		if ev.Action == "escalated" {
			escalations++
		}
	}
	if escalations != 1 {
		t.Errorf("escalation events: got %d, want 1", escalations)
	}
	if got := sesMessages(t, id); got != 3 {
		t.Errorf("e-mails: got %d, want 3 (alert, area manager escalation, store reminder)", got)
	}
	// Once contacted, the case leaves the overdue index and is never escalated again.
	if _, err := r.cases.Act(context.Background(), id, casework.Action{Kind: "contact", By: "manager.s001@example.com", Version: rec.Case.Version,
		Contact: casework.Contact{Outcome: casework.Reached, ApologyGiven: true}}); err != nil {
		t.Fatal(err)
	}
	much := later.Add(100 * time.Hour)
	r.clock = &much
	run()
	rec, _ = r.db.CaseRecord(context.Background(), id)
	if rec.Case.Level != casework.LevelArea {
		t.Errorf("after contact: got level %d, want still %d", rec.Case.Level, casework.LevelArea)
	}
}
