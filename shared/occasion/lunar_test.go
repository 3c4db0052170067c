package occasion

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLunarMonthStarts compares the first day of every lunar month 1950–2100,
// leap months included, with the published table
// (testdata/lunar_month_starts.txt), so a correction can't hide a wrong month
// that no festival falls in.
func TestLunarMonthStarts(t *testing.T) {
	f, err := os.Open("testdata/lunar_month_starts.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	years := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		y, err := strconv.Atoi(fields[0])
		if err != nil {
			t.Fatalf("bad line %q", sc.Text())
		}
		years++
		t.Run(fields[0], func(t *testing.T) {
			var prev time.Time
			for _, f := range fields[1:] {
				month, want, ok := strings.Cut(f, ":")
				leap := strings.HasPrefix(month, "L")
				m, err := strconv.Atoi(strings.TrimPrefix(month, "L"))
				if !ok || err != nil {
					t.Fatalf("bad entry %q", f)
				}
				d, err := lunarDate(y, m, 1, leap)
				if err != nil {
					t.Errorf("%s: %v", month, err)
					continue
				}
				if got := d.Format(time.DateOnly); got != want {
					t.Errorf("month %s: got %s, want %s (published)", month, got, want)
				}
				if !prev.IsZero() {
					if days := int(d.Sub(prev).Hours() / 24); days != 29 && days != 30 {
						t.Errorf("month before %s: got %d days, want 29 or 30", month, days)
					}
				}
				prev = d
			}
		})
	}
	if want := MaxYear - MinYear + 1; years != want {
		t.Errorf("years in the table: got %d, want %d", years, want)
	}
}

// TestCorrections checks the correction table's shape: 12 months (13 with a
// leap month) plus the next Spring Festival, each month 29 or 30 days, and days
// past a month's end refused.
func TestCorrections(t *testing.T) {
	for y, ly := range corrections {
		t.Run(strconv.Itoa(y), func(t *testing.T) {
			want := 13
			if ly.leap > 0 {
				want = 14
			}
			if got := len(ly.starts); got != want {
				t.Fatalf("entries: got %d, want %d", got, want)
			}
			for i := 1; i < len(ly.starts); i++ {
				a, _ := time.Parse(time.DateOnly, ly.starts[i-1])
				b, err := time.Parse(time.DateOnly, ly.starts[i])
				if err != nil {
					t.Fatal(err)
				}
				if days := int(b.Sub(a).Hours() / 24); days != 29 && days != 30 {
					t.Errorf("month %d: got %d days, want 29 or 30", i, days)
				}
			}
			if _, err := ly.date(y, 1, 31, false); err == nil {
				t.Error("1/31: got a date, want an error")
			}
			if ly.leap == 0 {
				if _, err := ly.date(y, 5, 1, true); err == nil {
					t.Error("leap 5/1: got a date, want an error (no leap month)")
				}
			}
		})
	}
}
