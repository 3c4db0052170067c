package greeting

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/link"
)

type consentRig struct {
	store   *fakeConsentStore
	mailer  *fakeMailer
	consent *Consent

	mu  sync.Mutex
	now time.Time
}

func newConsentRig(t *testing.T) *consentRig {
	t.Helper()
	r := &consentRig{
		store:  &fakeConsentStore{diners: map[string]diner.Profile{}, lease: map[string]time.Time{}},
		mailer: &fakeMailer{sent: map[string]int{}},
		now:    taipei1030,
	}
	signer, err := link.NewSigner([]byte(strings.Repeat("k", link.MinKeyBytes)), r.clock)
	if err != nil {
		t.Fatal(err)
	}
	r.consent = NewConsent(r.store, r.mailer, signer, "https://cards.test", r.clock, quiet)
	return r
}

func (r *consentRig) clock() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

func (r *consentRig) wait(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.now = r.now.Add(d)
}

// tick submits a card from diner "lin" with the box ticked now and returns
// the stream record's image.
func (r *consentRig) tick() diner.Profile { return r.store.tick("lin", r.clock()) }

func (r *consentRig) sync(t *testing.T, images ...diner.Profile) {
	t.Helper()
	for _, p := range images {
		if err := r.consent.Sync(context.Background(), p); err != nil {
			t.Fatalf("sync: %v", err)
		}
	}
}

// token is the confirmation token of the i-th e-mail sent.
func (r *consentRig) token(t *testing.T, i int) string {
	t.Helper()
	m := regexp.MustCompile(`/o/([A-Za-z0-9_-]+)`).FindStringSubmatch(r.mailer.texts[i])
	if m == nil {
		t.Fatalf("no confirmation link in e-mail %d", i)
	}
	return m[1]
}

// TestOneOptInMailAtATime: a diner has at most one confirmation e-mail
// awaiting an answer, however their cards and the stream's records come.
func TestOneOptInMailAtATime(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, r *consentRig)
		want int
	}{
		{"two cards within a minute, records in order", func(t *testing.T, r *consentRig) {
			first := r.tick()
			r.sync(t, first)
			r.wait(40 * time.Second)
			r.sync(t, r.tick())
		}, 1},
		{"two cards within a minute, both written before the first record is read", func(t *testing.T, r *consentRig) {
			first := r.tick()
			r.wait(40 * time.Second)
			second := r.tick()
			r.sync(t, first, second)
		}, 1},
		{"stream delivered again, oldest first", func(t *testing.T, r *consentRig) {
			first := r.tick()
			r.wait(time.Second)
			second := r.tick()
			r.sync(t, first, second, first, second, second, first)
		}, 1},
		{"second card just before the link expires", func(t *testing.T, r *consentRig) {
			r.sync(t, r.tick())
			r.wait(ConfirmTTL - time.Second)
			r.sync(t, r.tick())
		}, 1},
		{"second card once the link expired", func(t *testing.T, r *consentRig) {
			r.sync(t, r.tick())
			r.wait(ConfirmTTL)
			r.sync(t, r.tick())
		}, 2},
		{"no new card once the link expired", func(t *testing.T, r *consentRig) {
			first := r.tick()
			r.sync(t, first)
			r.wait(ConfirmTTL + time.Hour)
			r.sync(t, first)
		}, 1},
		{"withdrawn, then ticked again", func(t *testing.T, r *consentRig) {
			r.sync(t, r.tick())
			r.wait(time.Second)
			if _, err := r.consent.Withdraw(context.Background(), "wang", "lin", "unsubscribe-page", ""); err != nil {
				t.Fatal(err)
			}
			r.wait(time.Second)
			r.sync(t, r.tick())
		}, 2},
		{"a failed send is released and retried", func(t *testing.T, r *consentRig) {
			first := r.tick()
			r.mailer.fail = 1
			if err := r.consent.Sync(context.Background(), first); err == nil {
				t.Fatal("sync with SES down: got no error, want one (the stream retries)")
			}
			r.sync(t, first)
			r.wait(time.Second)
			r.sync(t, r.tick())
		}, 1},
		{"a claim running elsewhere", func(t *testing.T, r *consentRig) {
			first := r.tick()
			if err := r.store.ClaimOptInMail(context.Background(), first, r.clock(), time.Minute); err != nil {
				t.Fatal(err)
			}
			r.sync(t, first)
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newConsentRig(t)
			tt.run(t, r)
			if got := r.mailer.count("lin@example.net"); got != tt.want {
				t.Errorf("confirmation e-mails: got %d, want %d", got, tt.want)
			}
		})
	}
}

// TestConfirmLinkOfTheFirstCard: the e-mail sent for the first card
// confirms the diner after a second card re-stamped the consent; a link
// issued before a withdrawal confirms nothing, not even after the diner
// ticks the box again.
func TestConfirmLinkOfTheFirstCard(t *testing.T) {
	ctx := context.Background()
	t.Run("second card, first link", func(t *testing.T) {
		r := newConsentRig(t)
		r.sync(t, r.tick())
		r.wait(40 * time.Second)
		r.sync(t, r.tick())
		if a, err := r.consent.Confirm(ctx, r.token(t, 0)); err != nil || a.Result != "done" {
			t.Fatalf("confirm: got %+v %v, want done", a, err)
		}
		p, _ := r.store.Diner(ctx, "wang", "lin")
		if got := p.Marketing(true); got != diner.MarketingConfirmed {
			t.Errorf("state: got %q, want confirmed", got)
		}
	})
	t.Run("link from before a withdrawal", func(t *testing.T) {
		r := newConsentRig(t)
		r.sync(t, r.tick())
		r.wait(time.Second)
		if _, err := r.consent.Withdraw(ctx, "wang", "lin", "unsubscribe-page", ""); err != nil {
			t.Fatal(err)
		}
		r.wait(time.Second)
		r.sync(t, r.tick())
		if a, err := r.consent.Confirm(ctx, r.token(t, 0)); err != nil || a.Result != "withdrawn" {
			t.Fatalf("old link: got %+v %v, want withdrawn", a, err)
		}
		if a, err := r.consent.Confirm(ctx, r.token(t, 1)); err != nil || a.Result != "done" {
			t.Fatalf("new link: got %+v %v, want done", a, err)
		}
		p, _ := r.store.Diner(ctx, "wang", "lin")
		if got := p.Marketing(true); got != diner.MarketingConfirmed {
			t.Errorf("state: got %q, want confirmed", got)
		}
	})
}
