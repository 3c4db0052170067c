// Package occasion is the greeting calendar: birthdays, Gregorian holidays,
// rule-based ones (Mother's Day, Father's Day by region) and lunar festivals
// (Spring Festival, Lantern, Dragon Boat, Qixi, Mid-Autumn, Double Ninth),
// plus custom dates. Lunar dates are converted by carbon
// (github.com/golang-module/carbon/v2), corrected for the years its table gets
// wrong (lunar.go), and checked against a published table for every year
// 1950–2100 (docs/occasions.md).
package occasion

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Kind says how an occasion's date is found.
type Kind string

// The kinds.
const (
	Birthday Kind = "birthday" // the diner's own day
	Fixed    Kind = "fixed"    // the same Gregorian day every year
	Rule     Kind = "rule"     // e.g. the second Sunday of May
	Lunar    Kind = "lunar"    // a day of the Chinese lunar calendar
	Custom   Kind = "custom"   // a one-off date set by marketing
)

// The supported years (the lunar tables' range, narrowed to what was checked).
const (
	MinYear = 1950
	MaxYear = 2100
)

// Occasion is an occasion on its date in one year. Its names are in the i18n
// catalogue under "occasion.<ID>" (custom occasions carry their own).
type Occasion struct {
	ID    string            `json:"id"`
	Kind  Kind              `json:"kind"`
	Date  time.Time         `json:"date"` // midnight UTC of the civil date
	Rule  string            `json:"rule"`
	Names map[string]string `json:"names,omitempty"` // custom occasions only
}

// Day returns the date as YYYY-MM-DD.
func (o Occasion) Day() string { return o.Date.Format(time.DateOnly) }

// definition is how to find one occasion's date in a year.
type definition struct {
	id, rule string
	kind     Kind
	regions  []string // only these regions (empty: every region)
	except   []string // not these regions
	date     func(year int) (time.Time, error)
}

func fixed(month time.Month, day int) func(int) (time.Time, error) {
	return func(y int) (time.Time, error) { return civil(y, month, day), nil }
}

// nthWeekday is the n-th given weekday of a month.
func nthWeekday(n int, wd time.Weekday, month time.Month) func(int) (time.Time, error) {
	return func(y int) (time.Time, error) {
		first := civil(y, month, 1)
		offset := (int(wd) - int(first.Weekday()) + 7) % 7
		return first.AddDate(0, 0, offset+7*(n-1)), nil
	}
}

var definitions = []definition{
	{id: "new_year", kind: Fixed, rule: "1 January", date: fixed(time.January, 1)},
	{id: "lunar_new_years_eve", kind: Lunar, rule: "the day before the Spring Festival", date: lunarNewYearsEve},
	{id: "spring_festival", kind: Lunar, rule: "lunar 1/1", date: lunar(1, 1)},
	{id: "lantern_festival", kind: Lunar, rule: "lunar 1/15", date: lunar(1, 15)},
	{id: "valentines_day", kind: Fixed, rule: "14 February", date: fixed(time.February, 14)},
	{id: "mothers_day", kind: Rule, rule: "second Sunday of May", date: nthWeekday(2, time.Sunday, time.May)},
	{id: "dragon_boat", kind: Lunar, rule: "lunar 5/5", date: lunar(5, 5)},
	{id: "fathers_day", kind: Fixed, rule: "8 August (Taiwan)", regions: []string{"TW"}, date: fixed(time.August, 8)},
	{id: "fathers_day", kind: Rule, rule: "third Sunday of June", except: []string{"TW"}, date: nthWeekday(3, time.Sunday, time.June)},
	{id: "qixi", kind: Lunar, rule: "lunar 7/7", date: lunar(7, 7)},
	{id: "mid_autumn", kind: Lunar, rule: "lunar 8/15", date: lunar(8, 15)},
	{id: "double_ninth", kind: Lunar, rule: "lunar 9/9", date: lunar(9, 9)},
	{id: "christmas_eve", kind: Fixed, rule: "24 December", date: fixed(time.December, 24)},
	{id: "christmas", kind: Fixed, rule: "25 December", date: fixed(time.December, 25)},
}

// IDs lists every holiday id (birthdays and custom dates aside).
func IDs() []string {
	var ids []string
	for _, d := range definitions {
		if len(ids) == 0 || ids[len(ids)-1] != d.id {
			ids = append(ids, d.id)
		}
	}
	return ids
}

// ForYear returns the year's holidays for a region (ISO 3166 code of the
// store's country: TW, CN, SG…), sorted by date.
func ForYear(year int, region string) ([]Occasion, error) {
	if year < MinYear || year > MaxYear {
		return nil, fmt.Errorf("year %d is outside %d–%d", year, MinYear, MaxYear)
	}
	region = strings.ToUpper(region)
	var out []Occasion
	for _, d := range definitions {
		if (len(d.regions) > 0 && !contains(d.regions, region)) || contains(d.except, region) {
			continue
		}
		date, err := d.date(year)
		if err != nil {
			return nil, fmt.Errorf("occasions of %d: %w", year, err)
		}
		out = append(out, Occasion{ID: d.id, Kind: d.kind, Date: date, Rule: d.rule})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out, nil
}

// On returns the holidays falling on date in a region.
func On(date time.Time, region string) ([]Occasion, error) {
	all, err := ForYear(date.Year(), region)
	if err != nil {
		return nil, err
	}
	day := civil(date.Year(), date.Month(), date.Day())
	var out []Occasion
	for _, o := range all {
		if o.Date.Equal(day) {
			out = append(out, o)
		}
	}
	return out, nil
}

// Find returns one holiday of a year in a region.
func Find(id string, year int, region string) (Occasion, error) {
	all, err := ForYear(year, region)
	if err != nil {
		return Occasion{}, err
	}
	for _, o := range all {
		if o.ID == id {
			return o, nil
		}
	}
	return Occasion{}, fmt.Errorf("no occasion %q", id)
}

// CustomID is the id of custom occasions.
const CustomID = "custom"

// NewCustom returns a one-off occasion set by marketing.
func NewCustom(id string, date time.Time, names map[string]string) Occasion {
	return Occasion{ID: id, Kind: Custom, Date: civil(date.Year(), date.Month(), date.Day()), Rule: "custom date", Names: names}
}

// BirthdayKeys returns the month-day keys (MM-DD) whose birthdays are greeted
// on date: 29 February birthdays are greeted on 28 February in common years.
func BirthdayKeys(date time.Time) []string {
	keys := []string{date.Format("01-02")}
	if date.Month() == time.February && date.Day() == 28 && !isLeap(date.Year()) {
		keys = append(keys, "02-29")
	}
	return keys
}

// IsBirthday reports whether a birthday (MM-DD or YYYY-MM-DD) is greeted on
// date.
func IsBirthday(birthday string, date time.Time) bool {
	if len(birthday) == 10 {
		birthday = birthday[5:]
	}
	return contains(BirthdayKeys(date), birthday)
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func civil(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
