package diner

import (
	"testing"
	"time"
)

func TestMarketing(t *testing.T) {
	at := func(h int) *Consent { return &Consent{At: time.Date(2026, 1, 1, h, 0, 0, 0, time.UTC), Source: "qr"} }
	tests := []struct {
		name                   string
		given, conf, withdrawn *Consent
		doubleOptIn            bool
		want                   MarketingState
	}{
		{"never ticked", nil, nil, nil, true, MarketingNone},
		{"never ticked, withdrawn anyway", nil, nil, at(1), true, MarketingNone},
		{"ticked, not confirmed", at(1), nil, nil, true, MarketingPending},
		{"ticked, brand without double opt-in", at(1), nil, nil, false, MarketingConfirmed},
		{"ticked and confirmed", at(1), at(2), nil, true, MarketingConfirmed},
		{"confirmed, ticked again later", at(3), at(2), nil, true, MarketingConfirmed},
		{"confirmed then withdrawn", at(1), at(2), at(3), true, MarketingWithdrawn},
		{"withdrawn, no double opt-in", at(1), nil, at(3), false, MarketingWithdrawn},
		{"withdrawn at the same instant as ticked", at(1), nil, at(1), true, MarketingWithdrawn},
		{"withdrawn then ticked again: confirm again", at(4), at(2), at(3), true, MarketingPending},
		{"withdrawn, ticked, confirmed again", at(4), at(5), at(3), true, MarketingConfirmed},
		{"withdrawn, ticked again, no double opt-in", at(4), nil, at(3), false, MarketingConfirmed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Profile{MarketingConsent: tt.given, MarketingConfirmed: tt.conf, MarketingWithdrawn: tt.withdrawn}
			if got := p.Marketing(tt.doubleOptIn); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNeedsOptInMail(t *testing.T) {
	const ttl = 30 * 24 * time.Hour
	t1 := time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)
	t2 := t1.Add(time.Hour)
	sent := t1.Add(time.Second)
	pending := Profile{Email: "a@example.com", MarketingConsent: &Consent{At: t1}}
	mailed := func(p Profile) Profile { p.OptInMailFor, p.OptInMailAt = &t1, &sent; return p }
	tests := []struct {
		name string
		p    func(Profile) Profile
		now  time.Time
		want bool
	}{
		{"pending, never mailed", func(p Profile) Profile { return p }, t1, true},
		{"mailed for this consent", mailed, t2, false},
		{"mailed for this consent, link expired", mailed, sent.Add(ttl), false},
		{"ticked again within a minute", func(p Profile) Profile {
			p = mailed(p)
			p.MarketingConsent = &Consent{At: t1.Add(40 * time.Second)}
			return p
		}, t1.Add(41 * time.Second), false},
		{"ticked again just before the link expires", func(p Profile) Profile {
			p = mailed(p)
			p.MarketingConsent = &Consent{At: sent.Add(ttl - time.Second)}
			return p
		}, sent.Add(ttl - time.Second), false},
		{"ticked again once the link expired", func(p Profile) Profile {
			p = mailed(p)
			p.MarketingConsent = &Consent{At: sent.Add(ttl)}
			return p
		}, sent.Add(ttl), true},
		{"ticked again, a profile from before optInMailAt, expired", func(p Profile) Profile {
			p.OptInMailFor = &t1
			p.MarketingConsent = &Consent{At: t1.Add(ttl)}
			return p
		}, t1.Add(ttl), true},
		{"withdrawn, then ticked again", func(p Profile) Profile {
			p = mailed(p)
			p.MarketingWithdrawn = &Consent{At: t2}
			p.MarketingConsent = &Consent{At: t2.Add(time.Minute)}
			return p
		}, t2.Add(time.Minute), true},
		{"confirmed, withdrawn, ticked again", func(p Profile) Profile {
			p = mailed(p)
			p.MarketingConfirmed = &Consent{At: t2}
			p.MarketingWithdrawn = &Consent{At: t2.Add(time.Minute)}
			p.MarketingConsent = &Consent{At: t2.Add(2 * time.Minute)}
			return p
		}, t2.Add(2 * time.Minute), true},
		{"no address", func(p Profile) Profile { p.Email = ""; return p }, t1, false},
		{"confirmed", func(p Profile) Profile { p.MarketingConfirmed = &Consent{At: t2}; return p }, t2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p(pending).NeedsOptInMail(true, tt.now, ttl); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if pending.NeedsOptInMail(false, t1, ttl) {
		t.Error("a brand without double opt-in sends no confirmation e-mail")
	}
}

func TestOnHold(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	later, earlier := now.Add(time.Hour), now.Add(-time.Hour)
	tests := []struct {
		name string
		p    Profile
		want bool
	}{
		{"nothing", Profile{}, false},
		{"open case", Profile{OpenCases: []string{"k1"}}, true},
		{"quiet period running", Profile{HoldUntil: &later}, true},
		{"quiet period over", Profile{HoldUntil: &earlier}, false},
	}
	for _, tt := range tests {
		if got := tt.p.OnHold(now); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
