package insight

import (
	"math"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/card"
)

func TestCover(t *testing.T) {
	tests := []struct {
		from, to string
		want     []string
	}{
		{"2026-11-27", "2026-11-27", []string{"D#2026-11-27"}},
		{"2026-11-01", "2026-11-30", []string{"M#2026-11"}},
		{"2026-11-08", "2026-11-21", []string{"W#2026-11-W2", "W#2026-11-W3"}},
		{"2026-11-06", "2026-12-09", []string{"D#2026-11-06", "D#2026-11-07", "W#2026-11-W2", "W#2026-11-W3", "W#2026-11-W4", "W#2026-11-W5", "W#2026-12-W1", "D#2026-12-08", "D#2026-12-09"}},
		{"2024-02-29", "2024-03-01", []string{"W#2024-02-W5", "D#2024-03-01"}},
	}
	for _, tt := range tests {
		var got []string
		for _, p := range Cover(date(tt.from), date(tt.to)) {
			got = append(got, p.String())
		}
		if len(got) != len(tt.want) {
			t.Errorf("Cover(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("Cover(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
				break
			}
		}
	}
}

// TestCoverAddsUp checks, for every range of up to a year starting on any
// day of two years, that Cover's periods hold each day exactly once, and
// records the most periods a 90-day and a 365-day range need.
func TestCoverAddsUp(t *testing.T) {
	most := map[int]int{}
	for start := date("2025-01-01"); start.Before(date("2027-01-01")); start = start.AddDate(0, 0, 1) {
		for _, n := range []int{1, 7, 30, 90, 365} {
			end := start.AddDate(0, 0, n-1)
			seen := map[string]int{}
			ps := Cover(start, end)
			for _, p := range ps {
				first := p.Start()
				last := first
				switch p.Level {
				case Week:
					_, last = weekSpan(first)
				case Month:
					last = monthEnd(first)
				}
				for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
					seen[d.Format(time.DateOnly)]++
				}
			}
			if len(seen) != n {
				t.Fatalf("Cover(%s, %d days) covers %d days", start.Format(time.DateOnly), n, len(seen))
			}
			for d, k := range seen {
				if k != 1 || date(d).Before(start) || date(d).After(end) {
					t.Fatalf("Cover(%s, %d days): day %s covered %d times", start.Format(time.DateOnly), n, d, k)
				}
			}
			most[n] = max(most[n], len(ps))
		}
	}
	if most[90] > 30 || most[365] > 40 {
		t.Errorf("most periods: 90 days %d (want ≤ 30), 365 days %d (want ≤ 40)", most[90], most[365])
	}
	t.Logf("most periods read: 90 days %d, 365 days %d", most[90], most[365])
}

func TestWeekCoverAddsUp(t *testing.T) {
	for start := date("2026-01-01"); start.Before(date("2027-01-01")); start = start.AddDate(0, 0, 1) {
		end := start.AddDate(0, 0, 89)
		n := 0
		for _, p := range WeekCover(start, end) {
			switch p.Level {
			case Day:
				n++
			case Week:
				f, l := weekSpan(p.Start())
				n += int(l.Sub(f).Hours()/24) + 1
			default:
				t.Fatalf("WeekCover returned %s", p)
			}
		}
		if n != 90 {
			t.Fatalf("WeekCover(%s, 90 days) covers %d days", start.Format(time.DateOnly), n)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestCountAndDerive(t *testing.T) {
	cards := []card.Card{
		{Source: card.SourceQR, Meal: "dinner", Ratings: map[string]int{"main": 5, "service": 4, "overall": 5}, NPS: ptr(10), FirstVisit: ptr(true), HeardFrom: "friend", Comment: "好吃"},
		{Source: card.SourceQR, Meal: "lunch", Ratings: map[string]int{"main": 2, "service": 1, "overall": 1}, NPS: ptr(3), VisitCount: ptr(4), MainCourse: "ribeye", Comment: " "},
		{Source: card.SourceScan, Meal: "dinner", Ratings: map[string]int{"main": 4, "overall": 4}, NPS: ptr(8), VisitCount: ptr(2), HeardFrom: "friend", Reason: "birthday"},
	}
	all := Counters{}
	for _, c := range cards {
		all.Add(Count(c))
	}
	f := Derive(all, Filter{}, []string{"main", "service", "overall"})
	if f.Cards != 3 || f.Online != 2 || f.Paper != 1 || f.Comments != 1 {
		t.Errorf("cards %d online %d paper %d comments %d, want 3 2 1 1", f.Cards, f.Online, f.Paper, f.Comments)
	}
	if f.CSAT.N != 3 || math.Abs(f.CSAT.Avg-10.0/3) > 1e-9 || math.Abs(f.CSAT.Satisfied-2.0/3) > 1e-9 {
		t.Errorf("CSAT = %+v", f.CSAT)
	}
	if f.NPS.N != 3 || f.NPS.Promoters != 1 || f.NPS.Passives != 1 || f.NPS.Detractors != 1 || f.NPS.Score != 0 || math.Abs(f.NPS.Avg-7) > 1e-9 {
		t.Errorf("NPS = %+v", f.NPS)
	}
	if f.Items[0].Item != "main" || f.Items[0].Dist != [5]int64{0, 1, 0, 1, 1} || math.Abs(f.Items[0].TopBox-1.0/3) > 1e-9 {
		t.Errorf("main = %+v", f.Items[0])
	}
	if f.First != 1 || f.Returning != 2 {
		t.Errorf("first %d returning %d, want 1 2", f.First, f.Returning)
	}
	if f.Heard[0].Key != "friend" || f.Heard[0].N != 2 || f.Heard[0].Share != 1 {
		t.Errorf("heard = %+v", f.Heard)
	}
	dinner := Derive(all, Filter{Meals: []string{"dinner"}}, nil)
	if dinner.Cards != 2 || dinner.Paper != 1 || dinner.Online != 1 {
		t.Errorf("dinner: %+v", dinner)
	}
	paper := Derive(all, Filter{Sources: []string{card.SourceScan}}, nil)
	if paper.Cards != 1 || paper.Online != 0 {
		t.Errorf("paper: %+v", paper)
	}
}

// TestPearsonMatchesDirect checks the impact from the six sums against the
// correlation computed from the pairs themselves.
func TestPearsonMatchesDirect(t *testing.T) {
	xs := []int{5, 4, 3, 5, 2, 1, 4, 4, 3, 5, 2, 5}
	ys := []int{5, 4, 3, 4, 2, 2, 5, 4, 2, 5, 1, 4}
	c := Counters{}
	for i := range xs {
		c.Add(Count(card.Card{Source: card.SourceQR, Ratings: map[string]int{"main": xs[i], "overall": ys[i]}}))
	}
	got := Derive(c, Filter{}, []string{"main", "overall"}).Items[0].Impact
	var mx, my float64
	for i := range xs {
		mx += float64(xs[i])
		my += float64(ys[i])
	}
	mx /= float64(len(xs))
	my /= float64(len(xs))
	var sxy, sxx, syy float64
	for i := range xs {
		dx, dy := float64(xs[i])-mx, float64(ys[i])-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	want := sxy / math.Sqrt(sxx*syy)
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("impact %v, want %v", got, want)
	}
}

func TestOpportunity(t *testing.T) {
	items := []Item{
		{Item: "bread", Avg: 3.0, Impact: 0.2, ImpactN: 50},
		{Item: "steak", Avg: 3.8, Impact: 0.8, ImpactN: 50},
		{Item: "service", Avg: 3.5, Impact: 0.7, ImpactN: 50},
		{Item: "overall", Avg: 4},
	}
	if got := opportunity(items); got != "service" {
		t.Errorf("opportunity = %q, want service (lowest average among the high-impact half)", got)
	}
	if got := opportunity(items[:1]); got != "" {
		t.Errorf("opportunity of one item = %q, want none", got)
	}
}

func TestParseRange(t *testing.T) {
	for _, tt := range []struct {
		from, to string
		ok       bool
	}{
		{"2026-01-01", "2026-01-31", true},
		{"2026-02-01", "2026-01-31", false},
		{"2026-1-01", "2026-01-31", false},
		{"2025-01-01", "2026-02-04", true},
		{"2025-01-01", "2026-02-05", false},
	} {
		_, err := ParseRange(tt.from, tt.to)
		if (err == nil) != tt.ok {
			t.Errorf("ParseRange(%s, %s) error %v, want ok=%v", tt.from, tt.to, err, tt.ok)
		}
	}
}

func TestCountersSubAndSelect(t *testing.T) {
	a := Counters{"dinner/qr/cards": 3, "lunch/scan/cards": 1, "case:resolved": 2}
	b := Counters{"dinner/qr/cards": 1, "-/qr/cards": 4}
	d := a.Sub(b)
	if d["dinner/qr/cards"] != 2 || d["-/qr/cards"] != -4 || d["lunch/scan/cards"] != 1 {
		t.Errorf("Sub = %v", d)
	}
	if got := a.Select(Filter{})[NCards]; got != 4 {
		t.Errorf("Select cards = %d, want 4 (callback counters left out)", got)
	}
}
