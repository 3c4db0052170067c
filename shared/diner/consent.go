package diner

import "time"

// MarketingState is where a diner stands on greetings and offers.
type MarketingState string

// Marketing states.
const (
	MarketingNone      MarketingState = ""          // never ticked the box
	MarketingPending   MarketingState = "pending"   // ticked, not yet confirmed (double opt-in)
	MarketingConfirmed MarketingState = "confirmed" // may be sent greetings
	MarketingWithdrawn MarketingState = "withdrawn" // unsubscribed, or complained
)

// Marketing derives the diner's state from the three consent events alone,
// so it cannot drift from them: a withdrawal newer than the last consent
// wins; otherwise a confirmation newer than the last withdrawal confirms
// (ticking the box again later does not ask a confirmed diner again); a
// brand that does not ask for confirmation (doubleOptIn false) treats the
// consent itself as confirmed.
func (p Profile) Marketing(doubleOptIn bool) MarketingState {
	given, conf, wd := p.MarketingConsent, p.MarketingConfirmed, p.MarketingWithdrawn
	switch {
	case given == nil:
		return MarketingNone
	case wd != nil && !wd.At.Before(given.At):
		return MarketingWithdrawn
	case !doubleOptIn:
		return MarketingConfirmed
	case conf != nil && (wd == nil || conf.At.After(wd.At)):
		return MarketingConfirmed
	}
	return MarketingPending
}

// NeedsOptInMail reports whether the diner should be sent a confirmation
// e-mail at now: consent pending, an address to send it to, no confirmation
// e-mail yet for this consent, and none awaiting an answer (linkTTL is how
// long a confirmation link works). Ticking the box again while an e-mail
// awaits an answer asks nothing more: that e-mail's link confirms the newer
// consent too.
func (p Profile) NeedsOptInMail(doubleOptIn bool, now time.Time, linkTTL time.Duration) bool {
	return p.Email != "" && p.Marketing(doubleOptIn) == MarketingPending &&
		(p.OptInMailFor == nil || !p.OptInMailFor.Equal(p.MarketingConsent.At)) &&
		!p.OptInMailAwaitsAnswer(now, linkTTL)
}

// OptInMailAwaitsAnswer reports whether the last confirmation e-mail can
// still be answered at now: its link has not expired (linkTTL from sending)
// and no confirmation or withdrawal has come since the consent it asked
// about. A profile written before OptInMailAt was kept counts from the
// consent's time, which the e-mail followed within moments.
func (p Profile) OptInMailAwaitsAnswer(now time.Time, linkTTL time.Duration) bool {
	if p.OptInMailFor == nil {
		return false
	}
	sent := *p.OptInMailFor
	if p.OptInMailAt != nil {
		sent = *p.OptInMailAt
	}
	if !now.Before(sent.Add(linkTTL)) {
		return false
	}
	for _, answer := range []*Consent{p.MarketingConfirmed, p.MarketingWithdrawn} {
		if answer != nil && !answer.At.Before(*p.OptInMailFor) {
			return false
		}
	}
	return true
}

// OnHold reports whether greetings must wait at now: an apology case is
// open, or a severe one was resolved less than the quiet period ago.
func (p Profile) OnHold(now time.Time) bool {
	return len(p.OpenCases) > 0 || p.HoldUntil != nil && now.Before(*p.HoldUntil)
}

// BirthdayMonthDay returns the birthday's "MM-DD", or "" when none is known.
func (p Profile) BirthdayMonthDay() string {
	switch len(p.Birthday) {
	case 5:
		return p.Birthday
	case 10:
		return p.Birthday[5:]
	}
	return ""
}
