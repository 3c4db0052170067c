package occasion

import (
	"fmt"
	"time"

	"github.com/golang-module/carbon/v2"
)

// lunar is the Gregorian date of a lunar month and day of year y (never in a
// leap month: festivals are kept in the ordinary month).
func lunar(month, day int) func(int) (time.Time, error) {
	return func(y int) (time.Time, error) { return lunarDate(y, month, day, false) }
}

// lunarNewYearsEve is the day before the Spring Festival (the twelfth lunar
// month has 29 or 30 days, so it is not a fixed lunar day).
func lunarNewYearsEve(y int) (time.Time, error) {
	sf, err := lunar(1, 1)(y)
	if err != nil {
		return time.Time{}, err
	}
	return sf.AddDate(0, 0, -1), nil
}

// lunarDate converts a date of lunar year y to the Gregorian calendar (midnight
// UTC of the civil date). Years in corrections are read from that table; the
// others are converted by carbon. carbon computes in China Standard Time:
// taking the date there keeps the result independent of the machine's zone
// (Lambda runs in UTC, where the unconverted value falls on the previous day).
func lunarDate(y, month, day int, leap bool) (time.Time, error) {
	if c, ok := corrections[y]; ok {
		return c.date(y, month, day, leap)
	}
	c := carbon.CreateFromLunar(y, month, day, 0, 0, 0, leap).SetTimezone(carbon.PRC)
	if c.Error != nil {
		return time.Time{}, fmt.Errorf("lunar %d/%d of %d: %w", month, day, y, c.Error)
	}
	s := c.ToDateString()
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("lunar %d/%d of %d: no date (%q)", month, day, y, s)
	}
	return t, nil
}

// lunarYear is one lunar year as published: the Gregorian date each month
// begins on, in order (a leap month right after the month it repeats), then
// the next year's Spring Festival, which ends the twelfth month.
type lunarYear struct {
	leap   int      // the month that is repeated, 0 if none
	starts []string // YYYY-MM-DD
}

// corrections replaces carbon (v2.3.12) for the supported years where its
// table disagrees with the published calendar: the Hong Kong Observatory's
// Gregorian–Lunar conversion tables and GB/T 33661-2017, as encoded in the
// lunarInfo table of calendar.js, with every month start 1950–2100 checked
// against an astronomical new-moon computation (shared/occasion/testdata).
// Every other month of 1950–2100 carbon gets right; the tests compare all of
// them (TestLunarMonthStarts) and every lunar festival
// (TestLunarFestivalsPublishedTable) with testdata.
var corrections = map[int]lunarYear{
	// carbon starts the 11th month on 26 November (a day late).
	1954: {starts: []string{"1954-02-03", "1954-03-05", "1954-04-03", "1954-05-03", "1954-06-01", "1954-06-30", "1954-07-30", "1954-08-28", "1954-09-27", "1954-10-27", "1954-11-25", "1954-12-25", "1955-01-24"}},
	// carbon starts the 11th month on 3 December (a day late).
	1956: {starts: []string{"1956-02-12", "1956-03-12", "1956-04-11", "1956-05-10", "1956-06-09", "1956-07-08", "1956-08-06", "1956-09-05", "1956-10-04", "1956-11-03", "1956-12-02", "1957-01-01", "1957-01-31"}},
	// carbon starts the 8th month on 2 September, a day early, which puts
	// Mid-Autumn on 16 September; published: 17 September.
	1978: {starts: []string{"1978-02-07", "1978-03-09", "1978-04-07", "1978-05-07", "1978-06-06", "1978-07-05", "1978-08-04", "1978-09-03", "1978-10-02", "1978-11-01", "1978-11-30", "1978-12-30", "1979-01-28"}},
	// carbon puts the leap month after the 7th month; GB/T 33661-2017 and the
	// Hong Kong Observatory put it after the 11th, so Mid-Autumn is 8 September
	// (not 7 October) and the Double Ninth 1 October (not 31 October).
	2033: {leap: 11, starts: []string{"2033-01-31", "2033-03-01", "2033-03-31", "2033-04-29", "2033-05-28", "2033-06-27", "2033-07-26", "2033-08-25", "2033-09-23", "2033-10-23", "2033-11-22", "2033-12-22", "2034-01-20", "2034-02-19"}},
	// The new moon of the 9th month falls at midnight (Beijing time). The Hong
	// Kong Observatory's table starts the month on 28 September (Double Ninth
	// 6 October) and notes it may be a day off; carbon and an astronomical
	// computation start it on the 29th (7 October). We follow the published
	// table.
	2057: {starts: []string{"2057-02-04", "2057-03-05", "2057-04-04", "2057-05-04", "2057-06-02", "2057-07-02", "2057-07-31", "2057-08-30", "2057-09-28", "2057-10-28", "2057-11-26", "2057-12-26", "2058-01-24"}},
	// carbon starts the 4th month on 1 May (a day late).
	2060: {starts: []string{"2060-02-02", "2060-03-03", "2060-04-01", "2060-04-30", "2060-05-30", "2060-06-28", "2060-07-27", "2060-08-26", "2060-09-24", "2060-10-24", "2060-11-23", "2060-12-23", "2061-01-21"}},
}

// date converts a date of lunar year y, month (1–12, leap for the repeated
// month) and day (1–30) with the published month starts.
func (ly lunarYear) date(y, month, day int, leap bool) (time.Time, error) {
	if month < 1 || month > 12 || (leap && month != ly.leap) {
		return time.Time{}, fmt.Errorf("lunar %d of %d: no such month (leap %v)", month, y, leap)
	}
	i := month - 1
	if leap || (ly.leap > 0 && month > ly.leap) {
		i++
	}
	if i+1 >= len(ly.starts) {
		return time.Time{}, fmt.Errorf("lunar %d of %d: correction table too short", month, y)
	}
	start, err := time.Parse(time.DateOnly, ly.starts[i])
	if err != nil {
		return time.Time{}, fmt.Errorf("lunar %d of %d: correction table: %w", month, y, err)
	}
	next, err := time.Parse(time.DateOnly, ly.starts[i+1])
	if err != nil {
		return time.Time{}, fmt.Errorf("lunar %d of %d: correction table: %w", month, y, err)
	}
	d := start.AddDate(0, 0, day-1)
	if day < 1 || !d.Before(next) {
		return time.Time{}, fmt.Errorf("lunar %d/%d of %d: no such day", month, day, y)
	}
	return d, nil
}
