package occasion_test

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/occasion"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func find(t *testing.T, id string, year int, region string) string {
	t.Helper()
	o, err := occasion.Find(id, year, region)
	if err != nil {
		t.Fatalf("%s %d %s: %v", id, year, region, err)
	}
	return o.Day()
}

// readPublished reads testdata/lunar_festivals.txt: a header line of occasion
// ids, then one line per year with the published dates in that order.
func readPublished(t *testing.T) map[int]map[string]string {
	t.Helper()
	f, err := os.Open("testdata/lunar_festivals.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids []string
	rows := map[int]map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if fields[0] == "year" {
			ids = fields[1:]
			continue
		}
		year, err := strconv.Atoi(fields[0])
		if err != nil || len(fields) != len(ids)+1 {
			t.Fatalf("published table: bad line %q", sc.Text())
		}
		row := map[string]string{}
		for i, id := range ids {
			row[id] = fields[i+1]
		}
		rows[year] = row
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestLunarFestivalsPublishedTable compares every lunar occasion the package
// defines, in every supported year, with the published table
// (testdata/lunar_festivals.txt, see testdata/README.md).
func TestLunarFestivalsPublishedTable(t *testing.T) {
	published := readPublished(t)
	if got, want := len(published), occasion.MaxYear-occasion.MinYear+1; got != want {
		t.Errorf("published years: got %d, want %d (every year %d–%d)", got, want, occasion.MinYear, occasion.MaxYear)
	}
	for y := occasion.MinYear; y <= occasion.MaxYear; y++ {
		t.Run(strconv.Itoa(y), func(t *testing.T) {
			want, ok := published[y]
			if !ok {
				t.Fatalf("no published dates for %d", y)
			}
			for _, region := range []string{"TW", "CN", "SG"} {
				all, err := occasion.ForYear(y, region)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, o := range all {
					if o.Kind != occasion.Lunar {
						continue
					}
					n++
					w, ok := want[o.ID]
					if !ok {
						t.Errorf("%s %s: not in the published table", o.ID, region)
						continue
					}
					if got := o.Day(); got != w {
						t.Errorf("%s %s: got %s, want %s (published)", o.ID, region, got, w)
					}
				}
				if n != len(want) {
					t.Errorf("lunar occasions in %s: got %d, want %d (the published table's columns)", region, n, len(want))
				}
			}
		})
	}
}

// TestLunarAnchors pins the dates the 2033 issue was reported with.
func TestLunarAnchors(t *testing.T) {
	tests := []struct {
		id   string
		year int
		want string
	}{
		{"spring_festival", 2026, "2026-02-17"},
		{"dragon_boat", 2026, "2026-06-19"},
		{"mid_autumn", 2026, "2026-09-25"},
		{"spring_festival", 2033, "2033-01-31"},
		{"mid_autumn", 2033, "2033-09-08"}, // leap month after the 11th month, not the 7th
		{"double_ninth", 2033, "2033-10-01"},
		{"spring_festival", 2034, "2034-02-19"},
		{"mid_autumn", 1978, "1978-09-17"},
	}
	for _, tt := range tests {
		t.Run(tt.id+"/"+strconv.Itoa(tt.year), func(t *testing.T) {
			if got := find(t, tt.id, tt.year, "TW"); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestLunarInvariants holds for every supported year: the festivals fall in
// their seasons and keep their distances.
func TestLunarInvariants(t *testing.T) {
	var prev time.Time
	for y := occasion.MinYear; y <= occasion.MaxYear; y++ {
		sf := day(find(t, "spring_festival", y, "CN"))
		between := func(id string, from, to string) {
			d := day(find(t, id, y, "CN"))
			lo, hi := day(strconv.Itoa(y)+"-"+from), day(strconv.Itoa(y)+"-"+to)
			if d.Before(lo) || d.After(hi) {
				t.Errorf("%s %d: got %s, want between %s and %s", id, y, d.Format(time.DateOnly), from, to)
			}
		}
		between("spring_festival", "01-21", "02-20")
		between("dragon_boat", "05-27", "06-25") // 5/5 can fall on 27 May (2039, 2085)
		between("qixi", "07-31", "08-31")        // after a leap month it falls late (1987-08-30)
		between("mid_autumn", "09-07", "10-08")
		if got := day(find(t, "lantern_festival", y, "CN")).Sub(sf).Hours() / 24; got != 14 {
			t.Errorf("Lantern %d: got %v days after the Spring Festival, want 14", y, got)
		}
		if got := day(find(t, "lunar_new_years_eve", y, "CN")); !got.Equal(sf.AddDate(0, 0, -1)) {
			t.Errorf("New Year's Eve %d: got %s", y, got.Format(time.DateOnly))
		}
		if !prev.IsZero() {
			gap := int(sf.Sub(prev).Hours() / 24)
			if (gap < 353 || gap > 355) && (gap < 383 || gap > 385) {
				t.Errorf("Spring Festival %d: %d days after the last, want a lunar year (353–355, or 383–385 with a leap month)", y, gap)
			}
		}
		prev = sf
	}
}

func TestRuleBasedAndRegional(t *testing.T) {
	tests := []struct {
		id     string
		year   int
		region string
		want   string
	}{
		{"mothers_day", 2026, "TW", "2026-05-10"},
		{"mothers_day", 2027, "SG", "2027-05-09"},
		{"fathers_day", 2026, "TW", "2026-08-08"},
		{"fathers_day", 2026, "CN", "2026-06-21"},
		{"fathers_day", 2026, "SG", "2026-06-21"},
		{"fathers_day", 2027, "CN", "2027-06-20"},
		{"christmas", 2026, "SG", "2026-12-25"},
		{"valentines_day", 2026, "CN", "2026-02-14"},
	}
	for _, tt := range tests {
		if got := find(t, tt.id, tt.year, tt.region); got != tt.want {
			t.Errorf("%s %d %s: got %s, want %s", tt.id, tt.year, tt.region, got, tt.want)
		}
	}
	all, _ := occasion.ForYear(2026, "TW")
	n := 0
	for _, o := range all {
		if o.ID == "fathers_day" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("Father's Days in Taiwan 2026: got %d, want 1", n)
	}
	if _, err := occasion.ForYear(2101, "TW"); err == nil {
		t.Error("2101: got occasions, want an error (outside the checked range)")
	}
}

func TestBirthdays(t *testing.T) {
	tests := []struct {
		birthday, date string
		greeted        bool
	}{
		{"11-25", "2026-11-25", true},
		{"1990-11-25", "2026-11-25", true},
		{"11-25", "2026-11-24", false},
		{"02-29", "2027-02-28", true},  // common year: greeted the day before
		{"02-29", "2028-02-28", false}, // leap year: on the day itself
		{"02-29", "2028-02-29", true},
		{"1988-02-29", "2100-02-28", true}, // 2100 is not a leap year
		{"02-28", "2027-02-28", true},
	}
	for _, tt := range tests {
		if got := occasion.IsBirthday(tt.birthday, day(tt.date)); got != tt.greeted {
			t.Errorf("birthday %s on %s: got %v, want %v", tt.birthday, tt.date, got, tt.greeted)
		}
	}
	if got := strings.Join(occasion.BirthdayKeys(day("2027-02-28")), ","); got != "02-28,02-29" {
		t.Errorf("keys for 2027-02-28: got %s", got)
	}
}
