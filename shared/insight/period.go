package insight

import (
	"fmt"
	"time"
)

// Levels of the periods counters are kept for. A store's counters are kept
// per visit day, per "week" of a month (days 1–7, 8–14, 15–21, 22–28 and
// 29–end, so weeks nest in months) and per month: every card is added to
// one period of each level, and any range of days is read as a few months,
// weeks and days (see Cover).
const (
	Day   = "D"
	Week  = "W"
	Month = "M"
)

// Period is one day, month-week or month, named by Key: "2026-11-27",
// "2026-11-W4" or "2026-11".
type Period struct {
	Level string
	Key   string
}

func (p Period) String() string { return p.Level + "#" + p.Key }

// PeriodsOf returns the day, week and month a visit date falls in.
func PeriodsOf(day time.Time) [3]Period {
	return [3]Period{
		{Day, day.Format(time.DateOnly)},
		{Week, weekKey(day)},
		{Month, day.Format("2006-01")},
	}
}

func weekKey(d time.Time) string {
	w := (d.Day()-1)/7 + 1
	return fmt.Sprintf("%s-W%d", d.Format("2006-01"), w)
}

// weekSpan returns the first and last day of the month-week holding d.
func weekSpan(d time.Time) (time.Time, time.Time) {
	w := (d.Day() - 1) / 7
	first := time.Date(d.Year(), d.Month(), 1+7*w, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 0, 6)
	if w == 4 || last.Month() != d.Month() {
		last = monthEnd(d)
	}
	return first, last
}

func monthEnd(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC)
}

// Cover returns the fewest periods that add up to the days from..to
// (inclusive, dates at UTC midnight): whole months where they fit, then
// whole weeks, then days. A year is at most 12 months, 8 weeks and 12 days;
// 90 days at most 3 months, 8 weeks and 12 days.
func Cover(from, to time.Time) []Period { return cover(from, to, true) }

// WeekCover is Cover without months: whole month-weeks, and days where a
// week is cut by the range.
func WeekCover(from, to time.Time) []Period { return cover(from, to, false) }

func cover(from, to time.Time, months bool) []Period {
	var out []Period
	for d := from; !d.After(to); {
		if me := monthEnd(d); months && d.Day() == 1 && !me.After(to) {
			out = append(out, Period{Month, d.Format("2006-01")})
			d = me.AddDate(0, 0, 1)
			continue
		}
		if first, last := weekSpan(d); first.Equal(d) && !last.After(to) {
			out = append(out, Period{Week, weekKey(d)})
			d = last.AddDate(0, 0, 1)
			continue
		}
		out = append(out, Period{Day, d.Format(time.DateOnly)})
		d = d.AddDate(0, 0, 1)
	}
	return out
}

// Days returns every date from..to, inclusive.
func Days(from, to time.Time) []Period {
	var out []Period
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		out = append(out, Period{Day, d.Format(time.DateOnly)})
	}
	return out
}

// MaxRangeDays is the longest range a figure is asked for.
const MaxRangeDays = 400

// Range is a span of visit dates, inclusive, in the store's calendar.
type Range struct {
	From, To time.Time // UTC midnight of the first and last visit day
}

// ParseRange reads two YYYY-MM-DD dates; it refuses malformed dates, from
// after to, and ranges over MaxRangeDays.
func ParseRange(from, to string) (Range, error) {
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return Range{}, fmt.Errorf("from %q is not a date (YYYY-MM-DD)", from)
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return Range{}, fmt.Errorf("to %q is not a date (YYYY-MM-DD)", to)
	}
	r := Range{From: f, To: t}
	switch {
	case t.Before(f):
		return Range{}, fmt.Errorf("from %s is after to %s", from, to)
	case r.Len() > MaxRangeDays:
		return Range{}, fmt.Errorf("the range is %d days; at most %d", r.Len(), MaxRangeDays)
	}
	return r, nil
}

// Len is the number of days in the range.
func (r Range) Len() int { return int(r.To.Sub(r.From).Hours()/24) + 1 }

// Previous is the range of the same length just before r: the comparison
// period.
func (r Range) Previous() Range {
	n := r.Len()
	return Range{From: r.From.AddDate(0, 0, -n), To: r.From.AddDate(0, 0, -1)}
}

func (r Range) String() string {
	return r.From.Format(time.DateOnly) + ".." + r.To.Format(time.DateOnly)
}
