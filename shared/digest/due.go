// Package digest is the store managers' and area managers' regular e-mails:
// the nightly summary of a store's day, sent after its closing time, and the
// weekly digest of the week Monday–Sunday, sent Mondays at 09:00 store time
// to each store manager (their store) and each area manager (their stores
// ranked). It says what is due when in a store's own time zone, composes
// what each e-mail tells from the insight counters, the day's cards and the
// store's cases, and sends each e-mail once per recipient and period behind
// a claim. The e-mails themselves are rendered by shared/digestmail.
package digest

import (
	"fmt"
	"time"
)

// Kinds of digest.
const (
	Nightly = "nightly" // a store's day, to its manager
	Weekly  = "weekly"  // a store's week, to its manager
	Area    = "area"    // an area manager's stores' week, ranked
)

// Clock is a time of day in a store's time zone.
type Clock struct{ Hour, Minute int }

// DefaultClosing is a store's closing time unless its settings say another.
var DefaultClosing = Clock{22, 30}

// WeeklyAt is when the weekly digest is due, on Mondays, in store time.
var WeeklyAt = Clock{9, 0}

// nextDayBefore: a closing time before 06:00 is after midnight, so the
// summary of a day is due early on the next calendar day.
const nextDayBefore = 6

// ParseClock reads "HH:MM" (24-hour); "" is DefaultClosing.
func ParseClock(s string) (Clock, error) {
	if s == "" {
		return DefaultClosing, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return Clock{}, fmt.Errorf("closing time %q is not HH:MM", s)
	}
	return Clock{t.Hour(), t.Minute()}, nil
}

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

// Period is the span one digest covers, in the store's calendar: a day or
// a Monday–Sunday week (dates at UTC midnight, inclusive), and the instant
// it became due.
type Period struct {
	From, To time.Time
	DueAt    time.Time
}

// Key names the period in claims: its first day, YYYY-MM-DD.
func (p Period) Key() string { return p.From.Format(time.DateOnly) }

// at is the instant of a date's clock time in loc. On a day that skips the
// hour (daylight saving starts), Go moves the time forward by the gap.
func at(day time.Time, c Clock, loc *time.Location) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), c.Hour, c.Minute, 0, 0, loc)
}

// localDate is the date of instant now in loc, at UTC midnight.
func localDate(now time.Time, loc *time.Location) time.Time {
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// LatestNight returns the latest day whose nightly summary is due at now: the
// last day whose closing time in loc has passed. Only the latest is ever
// due, so a run after an outage sends last night's summary, not a backlog.
func LatestNight(now time.Time, loc *time.Location, closing Clock) Period {
	today := localDate(now, loc)
	for back := 0; ; back++ {
		day := today.AddDate(0, 0, -back)
		dueDay := day
		if closing.Hour < nextDayBefore {
			dueDay = day.AddDate(0, 0, 1)
		}
		if due := at(dueDay, closing, loc); !due.After(now) {
			return Period{From: day, To: day, DueAt: due}
		}
	}
}

// LatestWeek returns the latest Monday–Sunday week whose digest is due at
// now: the week before the last Monday whose 09:00 in loc has passed.
func LatestWeek(now time.Time, loc *time.Location) Period {
	today := localDate(now, loc)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	due := at(monday, WeeklyAt, loc)
	if due.After(now) {
		monday = monday.AddDate(0, 0, -7)
		due = at(monday, WeeklyAt, loc)
	}
	return Period{From: monday.AddDate(0, 0, -7), To: monday.AddDate(0, 0, -1), DueAt: due}
}

// Days lists the dates of a period.
func (p Period) Days() []time.Time {
	var out []time.Time
	for d := p.From; !d.After(p.To); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}
