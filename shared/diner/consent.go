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
// e-mail now: consent pending, an address to send it to, and no
// confirmation e-mail yet for this consent.
func (p Profile) NeedsOptInMail(doubleOptIn bool) bool {
	return p.Email != "" && p.Marketing(doubleOptIn) == MarketingPending &&
		(p.OptInMailFor == nil || !p.OptInMailFor.Equal(p.MarketingConsent.At))
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
