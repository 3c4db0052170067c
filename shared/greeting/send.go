package greeting

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/mail"
)

// Job is one message on the greeting queue: one campaign's greetings for a
// few diners of one store, due on one local date.
type Job struct {
	CampaignID string `json:"campaignId"`
	BrandID    string `json:"brandId"`
	StoreID    string `json:"storeId"`
	Occasion   string `json:"occasion"` // the never-twice key's occasion (see SendKey)
	Year       int    `json:"year"`
	Date       string `json:"date"` // the store's local date the greeting is due
	// TimeZone is the store's, so a held job's time can be shown as the
	// store's (the local outbox page); the sender reads the store itself.
	TimeZone string      `json:"timeZone,omitempty"`
	Diners   []Recipient `json:"diners"`
}

// JobSize is how many diners one queue message carries.
const JobSize = 25

// SendKey is what "never twice" counts: one greeting per diner per occasion
// per year. Custom occasions count per campaign.
func (c Campaign) SendKey() string {
	if c.Occasion == "custom" {
		return "custom-" + c.ID
	}
	return c.Occasion
}

// Intent is a greeting about to be sent, recorded before SES is called.
type Intent struct {
	BrandID, DinerKey, Email string
	// EmailHash is the address's keyed hash (link.Signer.Keyed "email"):
	// an erased diner's suppression is kept only as it.
	EmailHash  string
	Occasion   string
	Year       int
	CampaignID string
	Attempt    string    // this attempt's id, so only it can settle or release
	At         time.Time // now
	CapSince   time.Time // no other marketing e-mail to the diner since
	Lease      time.Duration
}

// Outcome is what claiming a send found.
type Outcome string

// Outcomes of a claim. Claimed is the only one that sends.
const (
	Claimed      Outcome = "claimed"
	AlreadySent  Outcome = "already_sent"  // this diner has this occasion's greeting this year (or one is in flight)
	NoConsent    Outcome = "no_consent"    // not confirmed, or withdrawn since planning
	OnHold       Outcome = "on_hold"       // an apology case is open, or a severe one recently closed
	FrequencyCap Outcome = "frequency_cap" // another marketing e-mail went out within the cap
	Suppressed   Outcome = "suppressed"    // the address bounced or complained
)

// SendStore keeps send records, the frequency cap and the results.
type SendStore interface {
	Campaign(ctx context.Context, id string) (Campaign, error)
	Brand(ctx context.Context, id string) (brand.Brand, error)
	Store(ctx context.Context, id string) (brand.Store, error)
	// ClaimSend writes the intent if, in one transaction, no greeting of
	// the occasion and year exists for the diner, the diner's consent is
	// confirmed and not on hold, the frequency cap allows it and the
	// address is not suppressed; otherwise it writes nothing and says why.
	ClaimSend(ctx context.Context, in Intent) (Outcome, error)
	// SettleSend marks the intent sent and counts it on the campaign.
	SettleSend(ctx context.Context, in Intent, messageID string) error
	// ReleaseSend removes an intent SES did not take, so a retry may send.
	ReleaseSend(ctx context.Context, in Intent) error
	// FailSend keeps an intent SES refused for good, and counts it.
	FailSend(ctx context.Context, in Intent, reason string) error
	// CountSkipped adds n to the campaign's skipped count.
	CountSkipped(ctx context.Context, campaignID string, n int) error
}

// Mailer sends one e-mail (sesmail.Mailer).
type Mailer interface {
	Send(ctx context.Context, msg mail.Message) (string, error)
}

// Limiter paces sends below SES's rate.
type Limiter interface {
	Wait(ctx context.Context) error
}

// Sender sends the greetings of queued jobs.
type Sender struct {
	store   SendStore
	mailer  Mailer
	limiter Limiter
	signer  *link.Signer
	baseURL string
	from    string
	now     func() time.Time
	log     *slog.Logger
	// Sleep waits between retries (a test makes it instant and watches it).
	Sleep func(context.Context, time.Duration) error
	// Retries is how often a throttled or failing SES is tried again, with
	// exponential backoff from Backoff, before the job is left for the
	// queue to redeliver.
	Retries int
	Backoff time.Duration
	Quiet   QuietHours
	// Cap is the frequency cap: no second marketing e-mail to a diner
	// within it (0: no cap).
	Cap time.Duration
}

// NewSender returns a Sender. baseURL is the public site for unsubscribe
// links; from the sender address (the mailto alternative).
func NewSender(store SendStore, mailer Mailer, limiter Limiter, signer *link.Signer, baseURL, from string, now func() time.Time, log *slog.Logger) *Sender {
	return &Sender{store: store, mailer: mailer, limiter: limiter, signer: signer, baseURL: baseURL, from: from, now: now,
		Sleep: sleepCtx, log: log, Retries: 4, Backoff: time.Second, Quiet: DefaultQuietHours, Cap: FrequencyCapPeriod}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// UnsubscribeTTL is how long an unsubscribe link works: long, because
// people unsubscribe from old mail too.
const UnsubscribeTTL = 3 * 365 * 24 * time.Hour

// Report says what one job did.
type Report struct {
	Sent, Skipped, Duplicates, Failed int
}

// Deliver sends a job's greetings. It returns, besides what it did, a time
// before which the job must not be retried (quiet hours at the store), or
// an error when SES stayed unavailable: greetings already sent are settled
// and the queue redelivers the job for the rest.
//
// Idempotent: each greeting is claimed with a conditional write keyed by
// diner, occasion and year before SES is called, so a redelivered job, a
// second planner run or a concurrent sender finds the claim and skips; a
// claim SES did not take is released, so a retry sends it. A crash after SES
// took the message but before it was settled leaves the claim in place: that
// greeting is never resent (never twice wins over at least once).
func (s *Sender) Deliver(ctx context.Context, j Job) (Report, time.Time, error) {
	var rep Report
	c, err := s.store.Campaign(ctx, j.CampaignID)
	if fault.CodeOf(err) == fault.NotFound {
		s.log.Warn("greeting job for a campaign that does not exist", "campaign", j.CampaignID)
		return rep, time.Time{}, nil
	}
	if err != nil {
		return rep, time.Time{}, fmt.Errorf("deliver job: %w", err)
	}
	if !c.Status.Active() {
		rep.Skipped = len(j.Diners)
		return rep, time.Time{}, s.store.CountSkipped(ctx, c.ID, rep.Skipped)
	}
	st, err := s.store.Store(ctx, j.StoreID)
	if err != nil {
		return rep, time.Time{}, fmt.Errorf("deliver job: %w", err)
	}
	b, err := s.store.Brand(ctx, j.BrandID)
	if err != nil {
		return rep, time.Time{}, fmt.Errorf("deliver job: %w", err)
	}
	loc, err := st.Location()
	if err != nil {
		return rep, time.Time{}, err
	}
	now := s.now().In(loc)
	if s.Quiet.Contains(now.Hour()) {
		return rep, s.Quiet.End(now), nil
	}
	for _, r := range j.Diners {
		o, err := s.sendOne(ctx, c, b, st, j, r)
		switch {
		case err != nil:
			rep.Failed++
			return rep, time.Time{}, err
		case o == Claimed:
			rep.Sent++
		case o == AlreadySent:
			rep.Duplicates++
		case o == "failed":
			rep.Failed++
		default:
			rep.Skipped++
		}
	}
	if rep.Skipped > 0 {
		if err := s.store.CountSkipped(ctx, c.ID, rep.Skipped); err != nil {
			return rep, time.Time{}, err
		}
	}
	return rep, time.Time{}, nil
}

func (s *Sender) sendOne(ctx context.Context, c Campaign, b brand.Brand, st brand.Store, j Job, r Recipient) (Outcome, error) {
	now := s.now()
	in := Intent{
		BrandID: j.BrandID, DinerKey: r.Key, Email: r.Email, Occasion: j.Occasion, Year: j.Year,
		CampaignID: c.ID, Attempt: newAttempt(), At: now,
		CapSince: now.Add(-s.Cap), Lease: 10 * time.Minute,
	}
	if s.signer != nil && r.Email != "" {
		in.EmailHash = s.signer.Keyed("email", strings.ToLower(r.Email)) // an erased diner's opt-out (privacy)
	}
	if s.Cap <= 0 {
		in.CapSince = now.Add(time.Second) // any earlier e-mail is before it
	}
	o, err := s.store.ClaimSend(ctx, in)
	if err != nil || o != Claimed {
		return o, err
	}
	lang := c.Language(r.Language, st.Language)
	token, err := s.signer.Seal(link.Token{Action: "unsubscribe", Brand: j.BrandID, Subject: r.Key, Ref: c.ID}, UnsubscribeTTL)
	if err != nil {
		return o, errors.Join(err, s.store.ReleaseSend(ctx, in))
	}
	msg := c.Message(r, lang, Letter{
		Brand: b.DisplayName(lang), Store: st.DisplayName(lang),
		UnsubscribeURL: s.baseURL + "/u/" + token, UnsubscribeMailto: UnsubscribeMailto(s.from, token),
		MyDataURL: MyDataURL(s.baseURL, j.BrandID, lang),
	})
	backoff := s.Backoff
	for attempt := 0; ; attempt++ {
		if err := s.limiter.Wait(ctx); err != nil {
			return o, errors.Join(fmt.Errorf("wait for SES rate: %w", err), s.store.ReleaseSend(context.WithoutCancel(ctx), in))
		}
		id, err := s.mailer.Send(ctx, msg)
		if err == nil {
			return Claimed, s.store.SettleSend(ctx, in, id)
		}
		if fault.CodeOf(err) == fault.Invalid {
			s.log.Warn("SES refused a greeting", "campaign", c.ID, "err", err)
			return "failed", s.store.FailSend(ctx, in, "rejected")
		}
		if attempt >= s.Retries {
			return o, errors.Join(fmt.Errorf("send greeting: SES unavailable after %d attempts: %w", attempt+1, err), s.store.ReleaseSend(context.WithoutCancel(ctx), in))
		}
		s.log.Info("SES throttled or failed; backing off", "wait", backoff, "err", err)
		if err := s.Sleep(ctx, backoff); err != nil {
			return o, errors.Join(err, s.store.ReleaseSend(context.WithoutCancel(ctx), in))
		}
		backoff *= 2
	}
}

// newAttempt returns a random id for one claim (also the transaction's
// idempotency token, so it must differ between claims).
func newAttempt() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// FrequencyCapPeriod is the default cap: one marketing e-mail per diner per
// seven days, across campaigns.
const FrequencyCapPeriod = 7 * 24 * time.Hour
