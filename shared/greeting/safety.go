package greeting

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/occasion"
)

// SendDay returns the local date on which the campaign's greeting goes out
// at store st (LeadDays before the occasion), and false when there is no
// such single day: birthday campaigns, a holiday the store's region does
// not keep.
func (c Campaign) SendDay(st brand.Store) (time.Time, bool) {
	if c.Birthday() {
		return time.Time{}, false
	}
	year := c.Year
	if c.Occasion == occasion.CustomID {
		d, err := time.Parse(time.DateOnly, c.CustomDate)
		if err != nil {
			return time.Time{}, false
		}
		year = d.Year()
	}
	o, ok, err := c.OccasionIn(year, st.Country)
	if err != nil || !ok {
		return time.Time{}, false
	}
	return o.Date.AddDate(0, 0, -c.LeadDays), true
}

// CheckNotPast refuses a campaign whose send day has already passed, in its
// own time zone, at any of the stores it reaches: such a campaign could
// never send there, and saying nothing would let it be approved and
// scheduled for nothing (today is still fine: the planner sends from the
// send hour on). The field named is the one that fixes it: the custom
// date, or the year of a holiday.
func (c Campaign) CheckNotPast(stores []brand.Store, now time.Time) error {
	for _, st := range stores {
		send, ok := c.SendDay(st)
		if !ok {
			continue
		}
		today, err := st.Today(now)
		if err != nil {
			return err
		}
		if today.After(send) {
			field := "year"
			if c.Occasion == occasion.CustomID {
				field = "customDate"
			}
			return &fault.Error{Code: fault.Invalid,
				Message: "The campaign's send day (" + send.Format(time.DateOnly) + ") has already passed at store " + st.ID + ".",
				Fields:  []fault.FieldError{{Field: field, Rule: "past", Params: map[string]string{"date": send.Format(time.DateOnly), "store": st.ID}}}}
		}
	}
	return nil
}

// Warning is something about a campaign that is allowed but will likely
// surprise its author; Code names it (campaign.warning.<code> in the
// catalogue) and the other fields fill its message.
type Warning struct {
	Code     string    `json:"code"`
	Store    string    `json:"store,omitempty"`
	Language i18n.Lang `json:"language,omitempty"` // the store's language the content lacks
	Fallback i18n.Lang `json:"fallback,omitempty"` // what its diners get instead
	Message  string    `json:"message"`
}

// Warning codes.
const (
	WarnStoreLanguage = "store_language_missing" // a store's language has no content
	WarnSegmentEmpty  = "segment_empty"          // the segment matches nobody today
	WarnNotKept       = "occasion_not_kept"      // a store's region does not keep the holiday
	WarnNotNotified   = "approvers_not_notified" // submitted, but the approvers are not e-mailed yet
)

// LanguageWarnings lists the reached stores whose own language the
// campaign has no content in (their diners who set no language of their
// own get another), and the stores whose region does not keep the holiday.
func (c Campaign) LanguageWarnings(stores []brand.Store) []Warning {
	var out []Warning
	for _, st := range stores {
		if _, ok := c.Content[st.Language]; !ok && len(c.Content) > 0 && st.Language != "" {
			out = append(out, Warning{Code: WarnStoreLanguage, Store: st.ID, Language: st.Language, Fallback: c.Language("", st.Language)})
		}
		if !c.Birthday() {
			if _, ok := c.SendDay(st); !ok {
				out = append(out, Warning{Code: WarnNotKept, Store: st.ID})
			}
		}
	}
	return out
}

// Submitted reports whether the campaign waits for approval.
func (c Campaign) Submitted() bool { return c.Status == Draft && c.SubmittedAt != nil }

// CanApprove reports whether by may approve the campaign now (a draft; by
// not its author when it reaches more than one store).
func (c Campaign) CanApprove(by string, brandStores int) bool {
	probe := c
	return probe.Approve(by, brandStores, time.Time{}) == nil
}

// ParseQuietHours reads quiet hours written "21-9" (from 21:00 to 09:00
// local time); "" is DefaultQuietHours, "off" none at all (a local demo
// that greets at any hour).
func ParseQuietHours(s string) (QuietHours, error) {
	switch strings.TrimSpace(s) {
	case "":
		return DefaultQuietHours, nil
	case "off":
		return QuietHours{}, nil
	}
	from, till, ok := strings.Cut(s, "-")
	f, err1 := strconv.Atoi(strings.TrimSpace(from))
	t, err2 := strconv.Atoi(strings.TrimSpace(till))
	if !ok || err1 != nil || err2 != nil || f < 0 || f > 23 || t < 0 || t > 23 {
		return QuietHours{}, fmt.Errorf("quiet hours %q: want FROM-TILL in hours (21-9), or off", s)
	}
	return QuietHours{From: f, Till: t}, nil
}
