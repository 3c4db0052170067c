package greetings_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"golang.org/x/time/rate"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/aws/dynamo/greetstore"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/aws/sqsqueue"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/mail"
	"github.com/cardloop/cardloop/shared/worker/greetings"
)

// greetRig is the greeting pipeline against the emulator: real table,
// stream, queue and SES; the clock is the test's.
type greetRig struct {
	env     testenv.Env
	db      *allstores.Stores
	clock   *time.Time
	cards   *intake.Service
	consent *greeting.Consent
	planner *greeting.Planner
	sender  *greeting.Sender
	queue   *sqsqueue.Queue[greeting.Job]
	sqs     *sqs.Client
	qurl    string
	mailer  *flakyMailer
	signer  *link.Signer
	tag     string // makes this test's addresses unique in the shared SES
}

// flakyMailer fails the first fails sends with a throttling error, then
// sends through SES.
type flakyMailer struct {
	real  *sesmail.Mailer
	fails int
	tries int
}

func (m *flakyMailer) Send(ctx context.Context, msg mail.Message) (string, error) {
	m.tries++
	if m.fails > 0 {
		m.fails--
		return "", &fault.Error{Code: fault.Unavailable, Message: "E-mail is briefly unavailable.", Err: fmt.Errorf("Throttling: Maximum sending rate exceeded")}
	}
	return m.real.Send(ctx, msg)
}

func newGreetRig(t *testing.T, now time.Time) *greetRig {
	env := testenv.New(t)
	db := allstores.New(dynamodb.NewFromConfig(env.Config), env.Table())
	r := &greetRig{env: env, db: db, clock: &now, tag: fmt.Sprintf("%08x", rand.Uint32())}
	clock := func() time.Time { return *r.clock }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	signer, err := link.NewSigner([]byte(strings.Repeat("k", 32)), clock)
	if err != nil {
		t.Fatal(err)
	}
	r.signer = signer
	real := sesmail.New(sesv2.NewFromConfig(env.Config), env.Resources["SenderIdentity"].Name, "")
	r.mailer = &flakyMailer{real: real}
	r.sqs = sqs.NewFromConfig(env.Config)
	r.qurl = env.Resources["GreetingQueue"].URL
	r.queue = sqsqueue.New[greeting.Job](r.sqs, r.qurl)
	r.cards = intake.NewService(db, db, clock)
	r.consent = greeting.NewConsent(db, r.mailer, signer, "http://cards.test", clock, log)
	r.planner = greeting.NewPlanner(db, r.queue, clock, log)
	r.sender = greeting.NewSender(db, r.mailer, rate.NewLimiter(rate.Inf, 1), signer, "http://cards.test", "cards@example.com", clock, log)
	r.sender.Sleep = func(context.Context, time.Duration) error { return nil }
	return r
}

// diner submits a card at store with marketing consent (or not) and
// returns the diner's e-mail address and key.
func (r *greetRig) diner(t *testing.T, store, name, birthday string, marketing bool) (string, string) {
	t.Helper()
	email := fmt.Sprintf("%s.%s@example.net", strings.ToLower(name), r.tag)
	res, err := r.cards.Submit(context.Background(), card.Submission{
		SubmissionID: name + r.tag, StoreID: store, Ratings: map[string]int{"overall": 5, "service": 5},
		Diner:   card.DinerInput{Name: name, Email: email, Birthday: birthday},
		Consent: card.ConsentInput{Marketing: marketing},
	}, card.Meta{Source: card.SourceQR})
	if err != nil {
		t.Fatal(err)
	}
	return email, res.Card.Diner.Key
}

// syncStream runs the ConsentFunction's handler over the whole stream.
func (r *greetRig) syncStream(t *testing.T) {
	t.Helper()
	h := greetings.NewConsent(r.consent, slog.New(slog.NewTextHandler(io.Discard, nil)))
	resp, err := h.Handle(context.Background(), r.env.StreamEvent(t))
	if err != nil || len(resp.BatchItemFailures) > 0 {
		t.Fatalf("consent stream: %v %+v", err, resp.BatchItemFailures)
	}
}

// confirm follows the confirmation link of the e-mail sent to email.
func (r *greetRig) confirm(t *testing.T, email string) {
	t.Helper()
	msgs := mailsTo(t, email)
	if len(msgs) != 1 {
		t.Fatalf("confirmation e-mails to %s: got %d, want 1", email, len(msgs))
	}
	m := regexp.MustCompile(`/o/([A-Za-z0-9_-]+)`).FindStringSubmatch(msgs[0])
	if m == nil {
		t.Fatalf("no confirmation link in %q", msgs[0])
	}
	if a, err := r.consent.Confirm(context.Background(), m[1]); err != nil || a.Result != "done" {
		t.Fatalf("confirm: %+v %v", a, err)
	}
	r.syncStream(t)
}

// plan runs the planner and returns what it queued, by draining the queue
// into SQS events (each message delivered as the event source would).
func (r *greetRig) plan(t *testing.T) (greeting.PlanReport, []events.SQSMessage) {
	t.Helper()
	pr, err := r.planner.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return pr, r.receive(t)
}

func (r *greetRig) receive(t *testing.T) []events.SQSMessage {
	t.Helper()
	var msgs []events.SQSMessage
	for {
		out, err := r.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &r.qurl, MaxNumberOfMessages: 10, VisibilityTimeout: 0})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return msgs
		}
		for _, m := range out.Messages {
			msgs = append(msgs, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body)})
			if _, err := r.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: &r.qurl, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// deliver runs the SenderFunction's handler over msgs.
func (r *greetRig) deliver(t *testing.T, msgs []events.SQSMessage) events.SQSEventResponse {
	t.Helper()
	h := greetings.NewSend(r.sender, r.queue, func() time.Time { return *r.clock }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	resp, err := h.Handle(context.Background(), events.SQSEvent{Records: msgs})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// mailsTo returns the raw messages SES holds for an address, decoded from
// quoted-printable, oldest first.
func mailsTo(t *testing.T, addr string) []string {
	t.Helper()
	out, err := emulator.MailTo(emulator.EnsureEndpoint(t), addr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func countGreetings(msgs []string) int {
	n := 0
	for _, m := range msgs {
		if strings.Contains(m, "List-Unsubscribe-Post: List-Unsubscribe=One-Click") {
			n++
		}
	}
	return n
}

// taipei10 is 10:30 in Taipei on 1 December 2026; the standing birthday
// campaign (3 days ahead, 10:00) greets birthdays on 4 December.
var taipei10 = time.Date(2026, 12, 1, 2, 30, 0, 0, time.UTC)

// TestBirthdayGreetingOnce follows one diner from the card to the greeting:
// one confirmation e-mail, nothing before confirming, one birthday e-mail
// with the RFC 8058 headers at the send hour, and nothing more however the
// job is redelivered or the planner re-run.
func TestBirthdayGreetingOnce(t *testing.T) {
	r := newGreetRig(t, taipei10.Add(-3*time.Hour))
	email, key := r.diner(t, "S001", "Mei", "1990-12-04", true)
	r.syncStream(t)
	r.syncStream(t) // a replayed stream sends no second confirmation
	if n := len(mailsTo(t, email)); n != 1 {
		t.Fatalf("confirmation e-mails: got %d, want 1", n)
	}

	// Before the send hour nothing is planned; unconfirmed, nobody is due.
	if rep, _ := r.plan(t); rep.Plans != 0 {
		t.Fatalf("before the send hour: planned %+v", rep)
	}
	*r.clock = taipei10
	if rep, msgs := r.plan(t); rep.Due != 0 || len(msgs) != 0 {
		t.Fatalf("unconfirmed diner planned: %+v", rep)
	}
	// That plan is finished for the day: confirm, and use a fresh day.
	r.confirm(t, email)
	*r.clock = taipei10.AddDate(1, 0, 0) // 1 December 2027: birthday 4 December again
	rep, msgs := r.plan(t)
	if rep.Due != 1 || rep.ItemsRead != 1 || len(msgs) != 1 {
		t.Fatalf("plan: got %+v and %d messages, want 1 due, 1 read, 1 message", rep, len(msgs))
	}
	if resp := r.deliver(t, msgs); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("deliver: %+v", resp)
	}
	r.deliver(t, msgs) // the same message again (at-least-once delivery)
	if rep, again := r.plan(t); rep.Plans != 0 || len(again) != 0 {
		t.Fatalf("planner re-run: %+v", rep)
	}
	all := mailsTo(t, email)
	if n := countGreetings(all); n != 1 {
		t.Fatalf("birthday e-mails: got %d, want 1", n)
	}
	g := all[len(all)-1]
	for _, want := range []string{"List-Unsubscribe: <http://cards.test/u/", ", <mailto:cards@example.com?subject=unsubscribe", "List-Unsubscribe-Post: List-Unsubscribe=One-Click", "Mei"} {
		if !strings.Contains(g, want) {
			t.Errorf("greeting lacks %q", want)
		}
	}
	c, err := r.db.Campaign(context.Background(), "birthday-wang")
	if err != nil || c.Results.Sent != 1 || c.Results.Planned != 1 {
		t.Errorf("campaign results: %+v %v", c.Results, err)
	}

	// One-click unsubscribe from the greeting's header.
	tok := regexp.MustCompile(`/u/([A-Za-z0-9_-]+)`).FindStringSubmatch(g)
	if tok == nil {
		t.Fatal("no unsubscribe token")
	}
	if _, err := r.consent.Unsubscribe(context.Background(), tok[1], "one-click"); err != nil {
		t.Fatal(err)
	}
	p, err := r.db.Diner(context.Background(), "wang", key)
	if err != nil || p.MarketingStatus != diner.MarketingWithdrawn || p.MarketingWithdrawn == nil || p.MarketingWithdrawn.Source != "one-click" {
		t.Fatalf("after unsubscribing: %+v %v", p, err)
	}
	if c, _ := r.db.Campaign(context.Background(), "birthday-wang"); c.Results.Unsubscribed != 1 {
		t.Errorf("unsubscribed count: %+v", c.Results)
	}
	// A later card with the box unticked changes nothing about it.
	r.cards.Submit(context.Background(), card.Submission{SubmissionID: "again" + r.tag, StoreID: "S001", Ratings: map[string]int{"overall": 4},
		Diner: card.DinerInput{Name: "Mei", Email: email}}, card.Meta{Source: card.SourceQR})
	r.syncStream(t)
	if p, _ := r.db.Diner(context.Background(), "wang", key); p.MarketingStatus != diner.MarketingWithdrawn || p.MarketingConsent == nil {
		t.Errorf("after an unticked card: %+v", p)
	}
}

// TestRedeliveredJobsSendOnce queues the same diners three times (a planner
// re-run after a crash, and duplicate SQS deliveries) and sends once — by
// the never-twice record alone (the frequency cap is off), then checks the
// cap on its own: another occasion within seven days is not sent.
func TestRedeliveredJobsSendOnce(t *testing.T) {
	r := newGreetRig(t, taipei10)
	r.sender.Cap = 0
	email, key := r.diner(t, "S001", "Ken", "12-04", true)
	r.syncStream(t)
	r.confirm(t, email)
	// A planner run that crashed after claiming today's plan for S001: the
	// next run plans it again, whole.
	k := greeting.PlanKey{CampaignID: "birthday-wang", StoreID: "S001", Date: "2026-12-01"}
	if ok, err := r.db.StartPlan(context.Background(), k, *r.clock); !ok || err != nil {
		t.Fatal(ok, err)
	}
	rep, planned := r.plan(t)
	if rep.Due != 1 || len(planned) != 1 {
		t.Fatalf("re-run of a crashed plan: %+v", rep)
	}
	job := greeting.Job{CampaignID: "birthday-wang", BrandID: "wang", StoreID: "S001", Occasion: "birthday", Year: 2026, Date: "2026-12-01",
		Diners: []greeting.Recipient{{Key: key, Email: email, Name: "Ken"}}}
	if err := r.queue.Enqueue(context.Background(), []greeting.Job{job, job}); err != nil {
		t.Fatal(err)
	}
	msgs := append(planned, r.receive(t)...)
	if len(msgs) != 3 {
		t.Fatalf("queued: %d", len(msgs))
	}
	r.deliver(t, msgs[:2])
	r.deliver(t, msgs[1:])
	if n := countGreetings(mailsTo(t, email)); n != 1 {
		t.Fatalf("greetings: got %d, want 1", n)
	}

	r.sender.Cap = greeting.FrequencyCapPeriod
	*r.clock = r.clock.Add(6 * 24 * time.Hour)
	other := job
	other.Occasion, other.Date = "christmas", "2026-12-07"
	if rep, _, err := r.sender.Deliver(context.Background(), other); err != nil || rep.Skipped != 1 {
		t.Fatalf("another occasion within the cap: %+v %v, want skipped", rep, err)
	}
	*r.clock = r.clock.Add(2 * 24 * time.Hour)
	if rep, _, err := r.sender.Deliver(context.Background(), other); err != nil || rep.Sent != 1 {
		t.Fatalf("another occasion after the cap: %+v %v, want sent", rep, err)
	}
}

// TestNoGreetingFor checks each diner who must get nothing.
func TestNoGreetingFor(t *testing.T) {
	r := newGreetRig(t, taipei10)
	ctx := context.Background()
	confirmed := func(name string) (string, string) {
		email, key := r.diner(t, "S001", name, "12-04", true)
		r.syncStream(t)
		r.confirm(t, email)
		return email, key
	}
	unconfirmedEmail, unconfirmedKey := r.diner(t, "S001", "Unconfirmed", "12-04", true)
	noConsentEmail, noConsentKey := r.diner(t, "S001", "Nobox", "12-04", false)
	suppressedEmail, suppressedKey := confirmed("Bounced")
	if err := r.db.Suppress(ctx, suppressedEmail, "bounce", *r.clock); err != nil {
		t.Fatal(err)
	}
	unsubEmail, unsubKey := confirmed("Unsub")
	if _, err := r.consent.Withdraw(ctx, "wang", unsubKey, "unsubscribe-page", ""); err != nil {
		t.Fatal(err)
	}
	caseEmail, caseKey := confirmed("Upset")
	// An open apology case: a 1 on a later card, triaged.
	k := casework.Case{ID: "k_" + r.tag, BrandID: "wang", StoreID: "S001", Status: casework.Open, DinerKey: caseKey, VisitDate: "2026-11-30", OpenedAt: *r.clock, DueAt: r.clock.Add(24 * time.Hour)}
	if _, err := r.db.SaveCase(ctx, casework.Change{Case: k, Created: true, Events: []casework.Event{{At: *r.clock, By: "triage", Action: "opened"}}}); err != nil {
		t.Fatal(err)
	}
	r.syncStream(t)

	job := greeting.Job{CampaignID: "birthday-wang", BrandID: "wang", StoreID: "S001", Occasion: "birthday", Year: 2026, Date: "2026-12-01"}
	for _, d := range []struct{ email, key string }{
		{unconfirmedEmail, unconfirmedKey}, {noConsentEmail, noConsentKey}, {suppressedEmail, suppressedKey}, {unsubEmail, unsubKey}, {caseEmail, caseKey},
	} {
		job.Diners = append(job.Diners, greeting.Recipient{Key: d.key, Email: d.email})
	}
	rep, _, err := r.sender.Deliver(ctx, job)
	if err != nil || rep.Sent != 0 || rep.Skipped != 5 {
		t.Fatalf("deliver: %+v %v, want 5 skipped", rep, err)
	}
	for _, e := range []string{unconfirmedEmail, noConsentEmail, suppressedEmail, unsubEmail, caseEmail} {
		if n := countGreetings(mailsTo(t, e)); n != 0 {
			t.Errorf("%s got %d greetings", e, n)
		}
	}
	// Nor does the planner find them: only confirmed diners are indexed,
	// and the sender re-checks the rest.
	pr, msgs := r.plan(t)
	if pr.Due != 2 { // Bounced and Upset, whom the sender turns away; not the unconfirmed nor the unsubscribed
		t.Errorf("planned %+v, want 2 due", pr)
	}
	r.deliver(t, msgs)
	for _, e := range []string{unconfirmedEmail, noConsentEmail, suppressedEmail, unsubEmail, caseEmail} {
		if n := countGreetings(mailsTo(t, e)); n != 0 {
			t.Errorf("%s got %d greetings after planning", e, n)
		}
	}
	// Resolving the case lets the greeting through on a later occasion.
	now := r.clock.Add(time.Hour)
	k.Version = 1
	k.Status, k.ResolvedAt = casework.Resolved, &now
	if _, err := r.db.SaveCase(ctx, casework.Change{Case: k, Events: []casework.Event{{At: now, By: "m", Action: "resolved"}}}); err != nil {
		t.Fatal(err)
	}
	if p, _ := r.db.Diner(ctx, "wang", caseKey); p.OnHold(now) {
		t.Errorf("still on hold after the apology case was resolved: %+v", p)
	}
}

// TestThrottledSESBacksOff: SES throttles the first three attempts; the
// sender backs off and the greeting goes out once.
func TestThrottledSESBacksOff(t *testing.T) {
	r := newGreetRig(t, taipei10)
	email, key := r.diner(t, "S001", "Tao", "12-04", true)
	r.syncStream(t)
	r.confirm(t, email)
	var waits []time.Duration
	r.sender.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	r.mailer.fails, r.mailer.tries = 3, 0
	job := greeting.Job{CampaignID: "birthday-wang", BrandID: "wang", StoreID: "S001", Occasion: "birthday", Year: 2026, Date: "2026-12-01",
		Diners: []greeting.Recipient{{Key: key, Email: email}}}
	rep, _, err := r.sender.Deliver(context.Background(), job)
	if err != nil || rep.Sent != 1 {
		t.Fatalf("deliver: %+v %v", rep, err)
	}
	if len(waits) != 3 || waits[1] != 2*waits[0] || waits[2] != 2*waits[1] {
		t.Errorf("backoff: got %v, want three doubling waits", waits)
	}
	// SES stays down past the retries: the claim is released and the job
	// fails, so the queue redelivers it; the redelivery sends.
	email2, key2 := r.diner(t, "S001", "Yun", "12-04", true)
	r.syncStream(t)
	r.confirm(t, email2)
	r.mailer.fails = 100
	job.Diners = []greeting.Recipient{{Key: key2, Email: email2}}
	if _, _, err := r.sender.Deliver(context.Background(), job); err == nil {
		t.Fatal("deliver with SES down: want an error")
	}
	r.mailer.fails = 0
	if rep, _, err := r.sender.Deliver(context.Background(), job); err != nil || rep.Sent != 1 {
		t.Fatalf("redelivery: %+v %v", rep, err)
	}
	if n := countGreetings(mailsTo(t, email2)); n != 1 {
		t.Errorf("greetings after SES came back: %d", n)
	}
}

// TestGreetingFixtures runs the planner's, the sender's and the consent
// stream's sample events through their handlers.
func TestGreetingFixtures(t *testing.T) {
	r := newGreetRig(t, taipei10)
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	var tick events.EventBridgeEvent
	testenv.Fixture(t, "planner/hourly.json", &tick)
	if err := greetings.NewPlan(r.planner, log).Handle(ctx, tick); err != nil {
		t.Fatalf("planner: %v", err)
	}

	var jobs events.SQSEvent
	testenv.Fixture(t, "sender/greeting-job.json", &jobs)
	if resp := r.deliver(t, jobs.Records); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("sender: %+v", resp)
	}
	if n := countGreetings(mailsTo(t, "mei.lin@example.com")); n != 0 {
		t.Errorf("a diner the table does not know was greeted %d times", n)
	}

	// The consent fixture's diner, stored as the record says, is asked to
	// confirm once, however often the record comes.
	var rec events.DynamoDBEvent
	testenv.Fixture(t, "consent/diner-consented.json", &rec)
	p, ok, err := greetstore.DinerFromStream(rec.Records[0])
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	p.Email = "mei." + r.tag + "@example.net"
	if err := r.db.PutDiner(ctx, p); err != nil {
		t.Fatal(err)
	}
	h := greetings.NewConsent(r.consent, log)
	for range 2 {
		if resp, err := h.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{withEmail(rec.Records[0], p.Email)}}); err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("consent: %+v %v", resp, err)
		}
	}
	if n := len(mailsTo(t, p.Email)); n != 1 {
		t.Errorf("confirmation e-mails: got %d, want 1", n)
	}
}

func withEmail(r events.DynamoDBEventRecord, email string) events.DynamoDBEventRecord {
	img := map[string]events.DynamoDBAttributeValue{}
	for k, v := range r.Change.NewImage {
		img[k] = v
	}
	img["email"] = events.NewStringAttribute(email)
	r.Change.NewImage = img
	return r
}

// TestFeedbackFixture: a permanent bounce suppresses the address, a
// complaint suppresses it and withdraws the diner's consent; each counts on
// the campaign once, however often the events come.
func TestFeedbackFixture(t *testing.T) {
	r := newGreetRig(t, taipei10)
	ctx := context.Background()
	res, err := r.cards.Submit(ctx, card.Submission{SubmissionID: "annoyed", StoreID: "S001", Ratings: map[string]int{"overall": 5},
		Diner: card.DinerInput{Name: "A", Email: "annoyed@example.com"}, Consent: card.ConsentInput{Marketing: true}}, card.Meta{Source: card.SourceQR})
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	testenv.Fixture(t, "feedback/bounce-and-complaint.json", &ev)
	h := greetings.NewFeedback(greeting.NewFeedback(r.db, r.consent), slog.New(slog.NewTextHandler(io.Discard, nil)))
	for range 2 {
		if resp, err := h.Handle(ctx, ev); err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("feedback: %+v %v", resp, err)
		}
	}
	for _, addr := range []string{"gone@example.com", "annoyed@example.com"} {
		if ok, err := r.db.Suppressed(ctx, addr); !ok || err != nil {
			t.Errorf("%s suppressed: %v %v", addr, ok, err)
		}
	}
	p, err := r.db.Diner(ctx, "wang", res.Card.Diner.Key)
	if err != nil || p.MarketingWithdrawn == nil || p.MarketingWithdrawn.Source != "complaint" || p.MarketingStatus != diner.MarketingWithdrawn {
		t.Errorf("complaining diner: %+v %v", p, err)
	}
	c, err := r.db.Campaign(ctx, "birthday-wang")
	if err != nil || c.Results.Bounced != 1 || c.Results.Complained != 1 {
		t.Errorf("results: %+v %v", c.Results, err)
	}
	if _, err := greetings.ParseSESEvent([]byte(`{"eventType":"Bounce"}`)); err == nil {
		t.Error("an event without a message id: want an error")
	}
}

// tick submits a card from the diner with address email, with the
// greetings box ticked, under its own submission id.
func (r *greetRig) tick(t *testing.T, id, email string) string {
	t.Helper()
	res, err := r.cards.Submit(context.Background(), card.Submission{
		SubmissionID: id + r.tag, StoreID: "S001", Ratings: map[string]int{"overall": 5},
		Diner: card.DinerInput{Name: "Lin", Email: email}, Consent: card.ConsentInput{Marketing: true},
	}, card.Meta{Source: card.SourceQR})
	if err != nil {
		t.Fatal(err)
	}
	return res.Card.Diner.Key
}

// TestOneConfirmationPerDiner: a diner who ticks greetings on two cards
// within a minute is asked to confirm once, however the stream delivers the
// two profile records; the first e-mail's link confirms them. A new e-mail
// goes out only once the first has expired, or after a withdrawal and a new
// tick.
func TestOneConfirmationPerDiner(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// between runs after the first confirmation e-mail and before the
		// next card; it returns how many confirmation e-mails the diner
		// should have in the end.
		between func(t *testing.T, r *greetRig, key string) int
	}{
		{"second card within a minute", func(t *testing.T, r *greetRig, key string) int {
			*r.clock = r.clock.Add(40 * time.Second)
			return 1
		}},
		{"second card after the link expired", func(t *testing.T, r *greetRig, key string) int {
			*r.clock = r.clock.Add(greeting.ConfirmTTL + time.Hour)
			return 2
		}},
		{"second card after withdrawing", func(t *testing.T, r *greetRig, key string) int {
			*r.clock = r.clock.Add(20 * time.Second)
			if _, err := r.consent.Withdraw(ctx, "wang", key, "unsubscribe-page", ""); err != nil {
				t.Fatal(err)
			}
			*r.clock = r.clock.Add(20 * time.Second)
			return 2
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newGreetRig(t, taipei10)
			email := "lin." + r.tag + "@example.net"
			key := r.tick(t, "first", email)
			r.syncStream(t)
			if n := len(mailsTo(t, email)); n != 1 {
				t.Fatalf("confirmation e-mails after the first card: got %d, want 1", n)
			}
			want := tt.between(t, r, key)
			r.tick(t, "second", email)
			r.syncStream(t)
			r.syncStream(t) // the stream delivered again
			if n := len(mailsTo(t, email)); n != want {
				t.Fatalf("confirmation e-mails after the second card: got %d, want %d", n, want)
			}
			confirmNewest(t, r, email, key)
			if n := len(mailsTo(t, email)); n != want {
				t.Errorf("confirmation e-mails after confirming: got %d, want %d", n, want)
			}
		})
	}
	// Both cards written before the ConsentFunction reads either record.
	t.Run("both cards before the stream is read", func(t *testing.T) {
		r := newGreetRig(t, taipei10)
		email := "lin." + r.tag + "@example.net"
		key := r.tick(t, "first", email)
		*r.clock = r.clock.Add(40 * time.Second)
		r.tick(t, "second", email)
		r.syncStream(t)
		r.syncStream(t)
		if n := len(mailsTo(t, email)); n != 1 {
			t.Fatalf("confirmation e-mails: got %d, want 1", n)
		}
		confirmNewest(t, r, email, key)
	})
}

// confirmNewest follows the link of the newest confirmation e-mail to email
// and checks that it confirms the diner.
func confirmNewest(t *testing.T, r *greetRig, email, key string) {
	t.Helper()
	ctx := context.Background()
	msgs := mailsTo(t, email)
	m := regexp.MustCompile(`/o/([A-Za-z0-9_-]+)`).FindStringSubmatch(msgs[len(msgs)-1])
	if m == nil {
		t.Fatal("no confirmation link")
	}
	if a, err := r.consent.Confirm(ctx, m[1]); err != nil || a.Result != "done" {
		t.Fatalf("confirm: got %+v %v, want done", a, err)
	}
	r.syncStream(t)
	p, err := r.db.Diner(ctx, "wang", key)
	if err != nil || p.MarketingStatus != diner.MarketingConfirmed {
		t.Fatalf("after confirming: got state %q (%v), want confirmed", p.MarketingStatus, err)
	}
}

// TestOneConfirmationPerAddress: one diner, known under two keys — a card
// with a mobile number and the address, another card with the address
// alone, within a minute — is two profiles with one address; they get one
// confirmation e-mail, however the stream delivers the records, and its
// link confirms both profiles.
func TestOneConfirmationPerAddress(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// syncFirst reads the stream between the two cards.
		syncFirst bool
	}{
		{"stream read between the cards", true},
		{"both cards before the stream is read", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newGreetRig(t, taipei10)
			email := "twokeys." + r.tag + "@example.net"
			submit := func(id, phone string) string {
				res, err := r.cards.Submit(ctx, card.Submission{
					SubmissionID: id + r.tag, StoreID: "S001", Ratings: map[string]int{"overall": 5},
					Diner: card.DinerInput{Name: "Lin", Email: email, Phone: phone}, Consent: card.ConsentInput{Marketing: true},
				}, card.Meta{Source: card.SourceQR})
				if err != nil {
					t.Fatal(err)
				}
				return res.Card.Diner.Key
			}
			withPhone := submit("phone", "0912 345 678")
			if tt.syncFirst {
				r.syncStream(t)
			}
			*r.clock = r.clock.Add(40 * time.Second)
			alone := submit("alone", "")
			if withPhone == alone {
				t.Fatalf("one key %q for both cards: the test needs two profiles", alone)
			}
			r.syncStream(t)
			r.syncStream(t) // the stream delivered again
			msgs := mailsTo(t, email)
			if len(msgs) != 1 {
				t.Fatalf("confirmation e-mails to one address from two profiles: got %d, want 1", len(msgs))
			}
			m := regexp.MustCompile(`/o/([A-Za-z0-9_-]+)`).FindStringSubmatch(msgs[0])
			if m == nil {
				t.Fatal("no confirmation link")
			}
			*r.clock = r.clock.Add(5 * time.Minute) // the diner opens the e-mail
			if a, err := r.consent.Confirm(ctx, m[1]); err != nil || a.Result != "done" {
				t.Fatalf("confirm: got %+v %v, want done", a, err)
			}
			r.syncStream(t)
			for _, key := range []string{withPhone, alone} {
				p, err := r.db.Diner(ctx, "wang", key)
				if err != nil || p.MarketingStatus != diner.MarketingConfirmed {
					t.Errorf("profile %s after confirming: got %q (%v), want confirmed", key[:4], p.MarketingStatus, err)
				}
			}
			if n := len(mailsTo(t, email)); n != 1 {
				t.Errorf("confirmation e-mails after confirming: got %d, want 1", n)
			}
		})
	}
}
