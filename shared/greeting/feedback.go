package greeting

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/fault"
)

// Event is one SES event about a message cardloop sent, as the
// configuration set publishes it (only the fields used).
type Event struct {
	Type       string   // Delivery, Bounce, Complaint, Send…
	MessageID  string   // SES's message id
	BounceType string   // Permanent, Transient, Undetermined
	Recipients []string // the bounced or complaining addresses
	Campaign   string   // the message's campaign tag, if any
	Brand      string   // the message's brand tag, if any
	At         time.Time
}

// FeedbackStore keeps the suppression list and counts events.
type FeedbackStore interface {
	Suppress(ctx context.Context, email, reason string, at time.Time) error
	CountFeedback(ctx context.Context, messageID, event, campaignID, field string, at time.Time) error
	DinerByEmail(ctx context.Context, brandID, email string) (diner.Profile, error)
}

// withdrawer withdraws a diner's consent (Consent.Withdraw).
type withdrawer interface {
	Withdraw(ctx context.Context, brandID, dinerKey, source, campaignID string) (Answer, error)
}

// Feedback turns SES events into suppression and campaign results.
type Feedback struct {
	store   FeedbackStore
	consent withdrawer
}

// NewFeedback returns the feedback service.
func NewFeedback(store FeedbackStore, consent withdrawer) *Feedback {
	return &Feedback{store: store, consent: consent}
}

// Handle applies one event: a permanent bounce suppresses the address; a
// complaint suppresses it and withdraws the diner's consent; deliveries,
// bounces and complaints are counted on the campaign.
//
// Idempotent: suppression and withdrawal are states (setting them twice
// changes nothing), and each count is written with a marker keyed by the
// message and event type in one transaction, so a redelivered event is not
// counted twice.
func (f *Feedback) Handle(ctx context.Context, ev Event) error {
	var field string
	switch ev.Type {
	case "Delivery":
		field = "delivered"
	case "Bounce":
		field = "bounced"
		if ev.BounceType != "Permanent" {
			return nil // transient: SES retries; nothing to suppress
		}
		for _, r := range ev.Recipients {
			if err := f.store.Suppress(ctx, strings.ToLower(r), "bounce", ev.At); err != nil {
				return err
			}
		}
	case "Complaint":
		field = "complained"
		for _, r := range ev.Recipients {
			if err := f.store.Suppress(ctx, strings.ToLower(r), "complaint", ev.At); err != nil {
				return err
			}
			if ev.Brand == "" {
				continue
			}
			p, err := f.store.DinerByEmail(ctx, ev.Brand, r)
			if fault.CodeOf(err) == fault.NotFound {
				continue
			}
			if err != nil {
				return err
			}
			if _, err := f.consent.Withdraw(ctx, ev.Brand, p.Key, "complaint", ""); err != nil {
				return fmt.Errorf("withdraw consent after a complaint: %w", err)
			}
		}
	default:
		return nil
	}
	if ev.MessageID == "" {
		return nil
	}
	return f.store.CountFeedback(ctx, ev.MessageID, ev.Type, ev.Campaign, field, ev.At)
}
