// Package schedule runs a template's Schedule (EventBridge rule) and
// ScheduleV2 (EventBridge Scheduler) events on a local clock, since the
// emulator stores schedules but never fires them, and lets them be
// triggered on demand.
package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Expression is a parsed schedule expression.
type Expression interface {
	// Next returns the first firing time strictly after t, or the zero
	// time when there is none.
	Next(t time.Time) time.Time
}

// Parse parses rate(…), cron(…) and at(…) expressions; cron and at are
// evaluated in loc (UTC when nil).
func Parse(expr string, loc *time.Location) (Expression, error) {
	if loc == nil {
		loc = time.UTC
	}
	expr = strings.TrimSpace(expr)
	open, close := strings.Index(expr, "("), strings.LastIndex(expr, ")")
	if open < 0 || close != len(expr)-1 {
		return nil, fmt.Errorf("parse schedule %q: want rate(...), cron(...) or at(...)", expr)
	}
	kind, body := expr[:open], strings.TrimSpace(expr[open+1:close])
	switch kind {
	case "rate":
		return parseRate(body)
	case "cron":
		c, err := parseCron(body, loc)
		if err != nil {
			return nil, fmt.Errorf("parse schedule %q: %w", expr, err)
		}
		return c, nil
	case "at":
		t, err := time.ParseInLocation("2006-01-02T15:04:05", body, loc)
		if err != nil {
			return nil, fmt.Errorf("parse schedule %q: %w", expr, err)
		}
		return at(t), nil
	}
	return nil, fmt.Errorf("parse schedule %q: unknown kind %q", expr, kind)
}

// Rate fires every Period, counted from Start.
type Rate struct {
	Period time.Duration
	Start  time.Time
}

func parseRate(body string) (*Rate, error) {
	f := strings.Fields(body)
	if len(f) != 2 {
		return nil, fmt.Errorf("parse rate(%s): want a value and a unit", body)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n <= 0 {
		return nil, fmt.Errorf("parse rate(%s): value must be a positive integer", body)
	}
	unit := map[string]time.Duration{
		"minute": time.Minute, "minutes": time.Minute,
		"hour": time.Hour, "hours": time.Hour,
		"day": 24 * time.Hour, "days": 24 * time.Hour,
	}[f[1]]
	if unit == 0 {
		return nil, fmt.Errorf("parse rate(%s): unit must be minute(s), hour(s) or day(s)", body)
	}
	if (n == 1) != !strings.HasSuffix(f[1], "s") {
		return nil, fmt.Errorf("parse rate(%s): use the singular unit for 1 and the plural otherwise", body)
	}
	return &Rate{Period: time.Duration(n) * unit}, nil
}

// Next returns the next multiple of Period after Start that follows t.
func (r *Rate) Next(t time.Time) time.Time {
	start := r.Start
	if start.IsZero() {
		start = t
	}
	if t.Before(start) {
		return start.Add(r.Period)
	}
	n := t.Sub(start)/r.Period + 1
	return start.Add(n * r.Period)
}

type at time.Time

func (a at) Next(t time.Time) time.Time {
	if time.Time(a).After(t) {
		return time.Time(a)
	}
	return time.Time{}
}

// Cron is an EventBridge cron expression: minutes hours day-of-month month
// day-of-week year, with ? L W and # as EventBridge defines them.
type Cron struct {
	loc                                *time.Location
	minutes, hours, months, dows, doms []bool
	years                              map[int]bool // nil: every year
	anyDOM, anyDOW                     bool
	lastDOM                            bool // L in day-of-month
	weekdayNear                        int  // nW in day-of-month; 0 if unused
	lastWeekday                        bool // LW
	lastDOW                            int  // nL in day-of-week (1-7); 0 if unused
	nthDOW, nth                        int  // d#n in day-of-week
}

var monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
var dayNames = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}

func parseCron(body string, loc *time.Location) (*Cron, error) {
	f := strings.Fields(body)
	if len(f) != 6 {
		return nil, fmt.Errorf("got %d fields, want 6 (minutes hours day-of-month month day-of-week year)", len(f))
	}
	c := &Cron{loc: loc}
	var err error
	if c.minutes, err = field(f[0], 0, 59, nil); err != nil {
		return nil, fmt.Errorf("minutes: %w", err)
	}
	if c.hours, err = field(f[1], 0, 23, nil); err != nil {
		return nil, fmt.Errorf("hours: %w", err)
	}
	if c.months, err = field(f[3], 1, 12, monthNames); err != nil {
		return nil, fmt.Errorf("month: %w", err)
	}
	dom, dow := strings.ToUpper(f[2]), strings.ToUpper(f[4])
	if dom == "?" && dow == "?" {
		return nil, fmt.Errorf("day-of-month and day-of-week cannot both be ?")
	}
	if dom != "?" && dow != "?" {
		return nil, fmt.Errorf("one of day-of-month and day-of-week must be ?")
	}
	switch {
	case dom == "?":
		c.anyDOM = true
	case dom == "L":
		c.lastDOM = true
	case dom == "LW":
		c.lastWeekday = true
	case strings.HasSuffix(dom, "W"):
		n, err := strconv.Atoi(strings.TrimSuffix(dom, "W"))
		if err != nil || n < 1 || n > 31 {
			return nil, fmt.Errorf("day-of-month %q", f[2])
		}
		c.weekdayNear = n
	default:
		if c.doms, err = field(dom, 1, 31, nil); err != nil {
			return nil, fmt.Errorf("day-of-month: %w", err)
		}
	}
	switch {
	case dow == "?":
		c.anyDOW = true
	case strings.Contains(dow, "#"):
		d, n, _ := strings.Cut(dow, "#")
		dv, err1 := dayValue(d)
		nv, err2 := strconv.Atoi(n)
		if err1 != nil || err2 != nil || nv < 1 || nv > 5 {
			return nil, fmt.Errorf("day-of-week %q", f[4])
		}
		c.nthDOW, c.nth = dv, nv
	case len(dow) > 1 && strings.HasSuffix(dow, "L"):
		dv, err := dayValue(strings.TrimSuffix(dow, "L"))
		if err != nil {
			return nil, fmt.Errorf("day-of-week %q", f[4])
		}
		c.lastDOW = dv
	default:
		if c.dows, err = field(dow, 1, 7, dayNames); err != nil {
			return nil, fmt.Errorf("day-of-week: %w", err)
		}
	}
	if f[5] != "*" {
		ys, err := field(f[5], 1970, 2199, nil)
		if err != nil {
			return nil, fmt.Errorf("year: %w", err)
		}
		c.years = map[int]bool{}
		for i, ok := range ys {
			if ok {
				c.years[i] = true
			}
		}
	}
	return c, nil
}

func dayValue(s string) (int, error) {
	if v, ok := dayNames[s]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 || v > 7 {
		return 0, fmt.Errorf("day %q", s)
	}
	return v, nil
}

// field parses a comma list of *, values, ranges a-b and steps x/n into a
// set indexed by value.
func field(s string, lo, hi int, names map[string]int) ([]bool, error) {
	set := make([]bool, hi+1)
	value := func(v string) (int, error) {
		if n, ok := names[strings.ToUpper(v)]; ok {
			return n, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return 0, fmt.Errorf("value %q not in %d-%d", v, lo, hi)
		}
		return n, nil
	}
	for _, part := range strings.Split(s, ",") {
		rng, stepS, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepS)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("step %q", stepS)
			}
			step = n
		}
		from, to := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var err error
			if from, err = value(a); err != nil {
				return nil, err
			}
			if to, err = value(b); err != nil {
				return nil, err
			}
		default:
			v, err := value(rng)
			if err != nil {
				return nil, err
			}
			from = v
			if !hasStep {
				to = v
			}
		}
		if to < from {
			// Wrapping range, e.g. FRI-MON.
			for v := from; v <= hi; v += step {
				set[v] = true
			}
			for v := lo; v <= to; v += step {
				set[v] = true
			}
			continue
		}
		for v := from; v <= to; v += step {
			set[v] = true
		}
	}
	return set, nil
}

// Next returns the first matching minute strictly after t.
func (c *Cron) Next(t time.Time) time.Time {
	t = t.In(c.loc)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, c.loc)
	for i := 0; i < 366*5; i++ {
		d := day.AddDate(0, 0, i)
		if !c.dayMatches(d) {
			continue
		}
		for h := 0; h < 24; h++ {
			if !c.hours[h] {
				continue
			}
			for m := 0; m < 60; m++ {
				if !c.minutes[m] {
					continue
				}
				cand := time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, c.loc)
				if cand.After(t) {
					return cand
				}
			}
		}
	}
	return time.Time{}
}

func (c *Cron) dayMatches(d time.Time) bool {
	if c.years != nil && !c.years[d.Year()] {
		return false
	}
	if !c.months[int(d.Month())] {
		return false
	}
	last := time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, c.loc).Day()
	dow := int(d.Weekday()) + 1 // EventBridge: SUN=1
	switch {
	case c.lastDOM:
		return d.Day() == last
	case c.lastWeekday:
		return d.Day() == nearestWeekday(d, last, last)
	case c.weekdayNear > 0:
		return d.Day() == nearestWeekday(d, c.weekdayNear, last)
	case c.doms != nil:
		return c.doms[d.Day()]
	case c.lastDOW > 0:
		return dow == c.lastDOW && d.Day()+7 > last
	case c.nth > 0:
		return dow == c.nthDOW && (d.Day()-1)/7+1 == c.nth
	case c.dows != nil:
		return c.dows[dow]
	}
	return true
}

// nearestWeekday returns the weekday of d's month nearest to day n, not
// leaving the month.
func nearestWeekday(d time.Time, n, last int) int {
	if n > last {
		n = last
	}
	t := time.Date(d.Year(), d.Month(), n, 0, 0, 0, 0, d.Location())
	switch t.Weekday() {
	case time.Saturday:
		if n == 1 {
			return 3
		}
		return n - 1
	case time.Sunday:
		if n == last {
			return n - 2
		}
		return n + 1
	}
	return n
}
