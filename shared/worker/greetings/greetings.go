// Package greetings holds the event handlers of birthday and holiday
// greetings: the ConsentFunction on the table's stream, the PlannerFunction
// on its schedule, the SenderFunction on the greeting queue and the
// FeedbackFunction on SES's delivery events.
package greetings

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cardloop/cardloop/shared/aws/dynamo/greetstore"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/greeting"
)

// planner plans greetings (greeting.Planner).
type planner interface {
	Plan(ctx context.Context) (greeting.PlanReport, error)
}

// Plan is the PlannerFunction, run every hour.
//
// Idempotent: every store-day of a campaign is planned once (a plan record
// claimed before and finished after queuing); a re-run within the hour, or
// the next hour's run, skips it.
type Plan struct {
	planner planner
	log     *slog.Logger
}

// NewPlan returns the schedule handler.
func NewPlan(p planner, log *slog.Logger) *Plan { return &Plan{planner: p, log: log} }

// Handle runs one planning pass.
func (h *Plan) Handle(ctx context.Context, ev events.EventBridgeEvent) error {
	rep, err := h.planner.Plan(ctx)
	h.log.Info("planning pass", "event", ev.ID, "plans", rep.Plans, "due", rep.Due, "itemsRead", rep.ItemsRead, "jobs", rep.Jobs)
	if err != nil {
		return fmt.Errorf("planning pass: %w", err)
	}
	return nil
}

// deliverer sends a job's greetings (greeting.Sender).
type deliverer interface {
	Deliver(ctx context.Context, j greeting.Job) (greeting.Report, time.Time, error)
}

// delayer postpones a received message (sqsqueue.Queue).
type delayer interface {
	Delay(ctx context.Context, receiptHandle string, d time.Duration) error
}

// Send is the SenderFunction, fed by the greeting queue.
//
// Idempotent: every greeting is claimed by a conditional write keyed by
// diner, occasion and year before it is sent (greeting.Sender.Deliver), so
// duplicate deliveries of a message, and duplicate messages, send nothing
// more. Messages that fail are reported one by one
// (ReportBatchItemFailures) and redelivered; a message that keeps failing
// goes to the dead-letter queue. A message held by the store's quiet hours
// is handed back the same way, hidden until they end: it is held, not
// failed, and takes one receive of the queue's ten.
type Send struct {
	sender deliverer
	queue  delayer
	now    func() time.Time
	log    *slog.Logger
}

// NewSend returns the queue handler.
func NewSend(s deliverer, q delayer, now func() time.Time, log *slog.Logger) *Send {
	return &Send{sender: s, queue: q, now: now, log: log}
}

// Handle sends the greetings of every message in the batch.
func (h *Send) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	fail := func(m events.SQSMessage) {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
	}
	for _, m := range ev.Records {
		var j greeting.Job
		if err := json.Unmarshal([]byte(m.Body), &j); err != nil || j.CampaignID == "" {
			h.log.Error("greeting job is not readable; it will go to the dead-letter queue", "message", m.MessageId, "err", err)
			fail(m)
			continue
		}
		rep, later, err := h.sender.Deliver(ctx, j)
		switch {
		case err != nil:
			h.log.Error("greeting job failed; it will be retried", "message", m.MessageId, "campaign", j.CampaignID, "err", err)
			fail(m)
		case !later.IsZero():
			// Quiet hours at the store: not a failure. The message is hidden
			// until they end (one ChangeMessageVisibility, up to 12 hours,
			// rather than retries every visibility timeout) and handed back
			// through the batch response, the only way a Lambda SQS trigger
			// keeps a message; it counts in no result and its log line
			// names no diner.
			until := later.Format("15:04")
			if err := h.queue.Delay(ctx, m.ReceiptHandle, later.Sub(h.now())); err != nil {
				h.log.Error("could not hold a greeting job until quiet hours end; the queue redelivers it after its visibility timeout", "message", m.MessageId, "err", err)
			} else {
				h.log.Info("greeting job held until "+until+" store time (quiet hours); handed back to the queue", "message", m.MessageId, "campaign", j.CampaignID,
					"store", j.StoreID, "greetings", len(j.Diners), "heldUntil", later.Format(time.RFC3339))
			}
			fail(m)
		default:
			h.log.Info("greeting job done", "campaign", j.CampaignID, "store", j.StoreID, "sent", rep.Sent, "skipped", rep.Skipped, "duplicates", rep.Duplicates, "failed", rep.Failed)
		}
	}
	return resp, nil
}

// syncer keeps a diner's greeting state in step (greeting.Consent).
type syncer interface {
	Sync(ctx context.Context, p diner.Profile) error
}

// Consent is the ConsentFunction, on the table's stream: each written diner
// profile gets its marketing state and greeting indexes brought up to date
// and, when its consent awaits confirmation, the confirmation e-mail.
//
// Idempotent: see greeting.Consent.Sync — the state is a function of the
// profile, and the e-mail is claimed for the consent it confirms.
type Consent struct {
	consent syncer
	log     *slog.Logger
}

// NewConsent returns the stream handler.
func NewConsent(c syncer, log *slog.Logger) *Consent { return &Consent{consent: c, log: log} }

// Handle syncs every diner profile a batch wrote, stopping at the first
// failure so the stream retries from there.
func (h *Consent) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	for _, r := range ev.Records {
		p, ok, err := greetstore.DinerFromStream(r)
		if err == nil && ok {
			err = h.consent.Sync(ctx, p)
		}
		if err != nil {
			h.log.Error("consent sync failed", "event", r.EventID, "seq", r.Change.SequenceNumber, "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
			return resp, nil
		}
	}
	return resp, nil
}

// feedbacker applies SES events (greeting.Feedback).
type feedbacker interface {
	Handle(ctx context.Context, ev greeting.Event) error
}

// Feedback is the FeedbackFunction: SES bounce, complaint and delivery
// events, through SNS into SQS.
//
// Idempotent: see greeting.Feedback.Handle.
type Feedback struct {
	feedback feedbacker
	log      *slog.Logger
}

// NewFeedback returns the queue handler.
func NewFeedback(f feedbacker, log *slog.Logger) *Feedback { return &Feedback{feedback: f, log: log} }

// Handle applies each event of the batch.
func (h *Feedback) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, m := range ev.Records {
		e, err := ParseSESEvent([]byte(m.Body))
		if err == nil {
			err = h.feedback.Handle(ctx, e)
		}
		if err != nil {
			h.log.Error("SES event failed", "message", m.MessageId, "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp, nil
}

// sesEvent is SES's event publishing record (and its older notification
// format, which names the type notificationType).
type sesEvent struct {
	EventType        string `json:"eventType"`
	NotificationType string `json:"notificationType"`
	Mail             struct {
		MessageID string              `json:"messageId"`
		Tags      map[string][]string `json:"tags"`
		Timestamp time.Time           `json:"timestamp"`
	} `json:"mail"`
	Bounce *struct {
		BounceType        string `json:"bounceType"`
		BouncedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"bouncedRecipients"`
		Timestamp time.Time `json:"timestamp"`
	} `json:"bounce"`
	Complaint *struct {
		ComplainedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
		Timestamp time.Time `json:"timestamp"`
	} `json:"complaint"`
}

// ParseSESEvent reads an SES event from an SQS message body: the event
// itself (SNS raw message delivery) or wrapped in an SNS notification.
func ParseSESEvent(body []byte) (greeting.Event, error) {
	var env struct {
		Type    string `json:"Type"`
		Message string `json:"Message"`
	}
	if json.Unmarshal(body, &env) == nil && env.Type == "Notification" && env.Message != "" {
		body = []byte(env.Message)
	}
	var s sesEvent
	if err := json.Unmarshal(body, &s); err != nil {
		return greeting.Event{}, fmt.Errorf("parse SES event: %w", err)
	}
	e := greeting.Event{Type: s.EventType, MessageID: s.Mail.MessageID, At: s.Mail.Timestamp}
	if e.Type == "" {
		e.Type = s.NotificationType
	}
	if e.Type == "" || e.MessageID == "" {
		return greeting.Event{}, fmt.Errorf("parse SES event: no event type or message id")
	}
	if v := s.Mail.Tags["campaign"]; len(v) > 0 {
		e.Campaign = v[0]
	}
	if v := s.Mail.Tags["brand"]; len(v) > 0 {
		e.Brand = v[0]
	}
	if s.Bounce != nil {
		e.BounceType = s.Bounce.BounceType
		for _, r := range s.Bounce.BouncedRecipients {
			e.Recipients = append(e.Recipients, r.EmailAddress)
		}
	}
	if s.Complaint != nil {
		for _, r := range s.Complaint.ComplainedRecipients {
			e.Recipients = append(e.Recipients, r.EmailAddress)
		}
	}
	return e, nil
}
