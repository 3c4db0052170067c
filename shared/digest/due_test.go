package digest_test

import (
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/digest"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestLatestNight: the summary of a day is due at the store's closing time
// in its own zone, on both sides of Sydney's daylight-saving changes; a
// closing time after midnight belongs to the day before.
func TestLatestNight(t *testing.T) {
	tests := []struct {
		name    string
		zone    string
		closing string
		now     string
		day     string
		due     string
	}{
		{"Taipei a minute before closing", "Asia/Taipei", "", "2026-11-27T14:29:00Z", "2026-11-26", "2026-11-26T14:30:00Z"},
		{"Taipei at closing", "Asia/Taipei", "", "2026-11-27T14:30:00Z", "2026-11-27", "2026-11-27T14:30:00Z"},
		{"Taipei after midnight", "Asia/Taipei", "", "2026-11-27T16:05:00Z", "2026-11-27", "2026-11-27T14:30:00Z"},
		{"Taipei early closing", "Asia/Taipei", "21:00", "2026-11-27T13:00:00Z", "2026-11-27", "2026-11-27T13:00:00Z"},
		// Daylight saving starts in Sydney on Sunday 2026-10-04 at 02:00
		// (+10 → +11): 22:30 that evening is 11:30 UTC, the evening before
		// 12:30 UTC.
		{"Sydney the day DST starts, before closing", "Australia/Sydney", "", "2026-10-04T11:29:00Z", "2026-10-03", "2026-10-03T12:30:00Z"},
		{"Sydney the day DST starts, at closing", "Australia/Sydney", "", "2026-10-04T11:30:00Z", "2026-10-04", "2026-10-04T11:30:00Z"},
		// It ends on Sunday 2026-04-05 at 03:00 (+11 → +10).
		{"Sydney the day DST ends, before closing", "Australia/Sydney", "", "2026-04-05T12:29:00Z", "2026-04-04", "2026-04-04T11:30:00Z"},
		{"Sydney the day DST ends, at closing", "Australia/Sydney", "", "2026-04-05T12:30:00Z", "2026-04-05", "2026-04-05T12:30:00Z"},
		// A bar closing at 01:00: Saturday's summary is due at 01:00 on
		// Sunday; 02:30 on the night DST starts does not exist and comes
		// an hour later, 03:30 AEDT.
		{"Sydney closing after midnight", "Australia/Sydney", "01:00", "2026-11-27T14:00:00Z", "2026-11-27", "2026-11-27T14:00:00Z"},
		{"Sydney closing in the skipped hour", "Australia/Sydney", "02:30", "2026-10-03T16:30:00Z", "2026-10-03", "2026-10-03T16:30:00Z"},
		{"Sydney closing in the skipped hour, before", "Australia/Sydney", "02:30", "2026-10-03T16:29:00Z", "2026-10-02", "2026-10-02T16:30:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := digest.ParseClock(tt.closing)
			if err != nil {
				t.Fatal(err)
			}
			p := digest.LatestNight(utc(tt.now), mustLoc(t, tt.zone), c)
			if got := p.Key(); got != tt.day || !p.To.Equal(p.From) {
				t.Errorf("day: got %s..%s, want %s", p.Key(), p.To.Format(time.DateOnly), tt.day)
			}
			if !p.DueAt.Equal(utc(tt.due)) {
				t.Errorf("due: got %s, want %s", p.DueAt.UTC().Format(time.RFC3339), tt.due)
			}
		})
	}
}

// TestLatestWeek: the weekly digest covers Monday–Sunday and is due the
// Monday after at 09:00 store time.
func TestLatestWeek(t *testing.T) {
	tests := []struct {
		name, zone, now, from, to, due string
	}{
		{"Taipei Monday 08:59", "Asia/Taipei", "2026-11-30T00:59:00Z", "2026-11-16", "2026-11-22", "2026-11-23T01:00:00Z"},
		{"Taipei Monday 09:00", "Asia/Taipei", "2026-11-30T01:00:00Z", "2026-11-23", "2026-11-29", "2026-11-30T01:00:00Z"},
		{"Taipei Sunday night", "Asia/Taipei", "2026-12-06T15:00:00Z", "2026-11-23", "2026-11-29", "2026-11-30T01:00:00Z"},
		// Monday 2026-10-05 09:00 in Sydney is the first Monday of
		// daylight saving: 22:00 UTC on Sunday.
		{"Sydney first DST Monday, before", "Australia/Sydney", "2026-10-04T21:59:00Z", "2026-09-21", "2026-09-27", "2026-09-27T23:00:00Z"},
		{"Sydney first DST Monday", "Australia/Sydney", "2026-10-04T22:00:00Z", "2026-09-28", "2026-10-04", "2026-10-04T22:00:00Z"},
		{"Sydney first Monday after DST", "Australia/Sydney", "2026-04-05T23:00:00Z", "2026-03-30", "2026-04-05", "2026-04-05T23:00:00Z"},
		{"Sydney first Monday after DST, before", "Australia/Sydney", "2026-04-05T22:59:00Z", "2026-03-23", "2026-03-29", "2026-03-29T22:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := digest.LatestWeek(utc(tt.now), mustLoc(t, tt.zone))
			if p.From.Format(time.DateOnly) != tt.from || p.To.Format(time.DateOnly) != tt.to {
				t.Errorf("week: got %s..%s, want %s..%s", p.From.Format(time.DateOnly), p.To.Format(time.DateOnly), tt.from, tt.to)
			}
			if p.From.Weekday() != time.Monday || len(p.Days()) != 7 {
				t.Errorf("week: got %s, %d days; want a Monday and 7 days", p.From.Weekday(), len(p.Days()))
			}
			if !p.DueAt.Equal(utc(tt.due)) {
				t.Errorf("due: got %s, want %s", p.DueAt.UTC().Format(time.RFC3339), tt.due)
			}
		})
	}
}

func TestParseClock(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string
		ok   bool
	}{{"", "22:30", true}, {"23:15", "23:15", true}, {"7:00", "07:00", true}, {"25:00", "", false}, {"noon", "", false}} {
		c, err := digest.ParseClock(tt.in)
		if (err == nil) != tt.ok || (tt.ok && c.String() != tt.want) {
			t.Errorf("ParseClock(%q): got %s, %v; want %s, ok %v", tt.in, c, err, tt.want, tt.ok)
		}
	}
}
