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

// TestSpringFestivalPublishedDates compares the library with the published
// date of every Spring Festival 1950–2100 (testdata/spring_festival.txt).
func TestSpringFestivalPublishedDates(t *testing.T) {
	f, err := os.Open("testdata/spring_festival.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		year, _ := strconv.Atoi(line[:4])
		if got := find(t, "spring_festival", year, "TW"); got != line {
			t.Errorf("Spring Festival %d: got %s, want %s (published)", year, got, line)
		}
		n++
	}
	if n != occasion.MaxYear-occasion.MinYear+1 {
		t.Errorf("published dates checked: got %d, want every year %d–%d", n, occasion.MinYear, occasion.MaxYear)
	}
}

// TestLunarFestivalsPublishedDates checks all lunar festivals of 2020–2030
// against the published calendar.
func TestLunarFestivalsPublishedDates(t *testing.T) {
	published := map[int][5]string{ // Lantern, Dragon Boat, Qixi, Mid-Autumn, Double Ninth
		2020: {"2020-02-08", "2020-06-25", "2020-08-25", "2020-10-01", "2020-10-25"},
		2021: {"2021-02-26", "2021-06-14", "2021-08-14", "2021-09-21", "2021-10-14"},
		2022: {"2022-02-15", "2022-06-03", "2022-08-04", "2022-09-10", "2022-10-04"},
		2023: {"2023-02-05", "2023-06-22", "2023-08-22", "2023-09-29", "2023-10-23"},
		2024: {"2024-02-24", "2024-06-10", "2024-08-10", "2024-09-17", "2024-10-11"},
		2025: {"2025-02-12", "2025-05-31", "2025-08-29", "2025-10-06", "2025-10-29"},
		2026: {"2026-03-03", "2026-06-19", "2026-08-19", "2026-09-25", "2026-10-18"},
		2027: {"2027-02-20", "2027-06-09", "2027-08-08", "2027-09-15", "2027-10-08"},
		2028: {"2028-02-09", "2028-05-28", "2028-08-26", "2028-10-03", "2028-10-26"},
		2029: {"2029-02-27", "2029-06-16", "2029-08-16", "2029-09-22", "2029-10-16"},
		2030: {"2030-02-17", "2030-06-05", "2030-08-05", "2030-09-12", "2030-10-05"},
	}
	ids := []string{"lantern_festival", "dragon_boat", "qixi", "mid_autumn", "double_ninth"}
	for year, dates := range published {
		for i, id := range ids {
			if got := find(t, id, year, "TW"); got != dates[i] {
				t.Errorf("%s %d: got %s, want %s (published)", id, year, got, dates[i])
			}
		}
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
