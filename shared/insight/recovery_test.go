package insight

import (
	"context"
	"math"
	"testing"

	"github.com/cardloop/cardloop/shared/brand"
)

// mapReader is an insight.Reader over fixed counters per period.
type mapReader map[Period]Counters

func (m mapReader) Counters(_ context.Context, _ string, ps []Period) (map[Period]Counters, error) {
	out := map[Period]Counters{}
	for _, p := range ps {
		if c, ok := m[p]; ok {
			out[p] = c
		}
	}
	return out, nil
}

func recoveryCounters(recoverable, recovered, scored, complaint, later int64) Counters {
	return Counters{"case:recoverable": recoverable, "case:recovered": recovered, "case:recoveredScored": scored,
		"case:recoveredComplaintOverall": complaint, "case:recoveredLaterOverall": later,
		"case:openedApology": recoverable + 1, "-/qr/cards": 9}
}

func TestRecoveryOf(t *testing.T) {
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	tests := []struct {
		name                         string
		c                            Counters
		recoverable, recovered       int64
		rate, complaint, later, diff float64
	}{
		{"none", Counters{}, 0, 0, 0, 0, 0, 0},
		{"cases, nobody back yet", recoveryCounters(4, 0, 0, 0, 0), 4, 0, 0, 0, 0, 0},
		{"two of four back, one scored", recoveryCounters(4, 2, 1, 2, 5), 4, 2, 0.5, 2, 5, 3},
		{"three back, lower later", recoveryCounters(3, 3, 3, 9, 6), 3, 3, 1, 3, 2, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := RecoveryOf(tt.c)
			if r.Recoverable != tt.recoverable || r.Recovered != tt.recovered || !near(r.Rate, tt.rate) ||
				!near(r.ComplaintOverall, tt.complaint) || !near(r.LaterOverall, tt.later) || !near(r.Change, tt.diff) {
				t.Errorf("got %+v, want %d/%d rate %v, %v → %v (%+v)", r, tt.recovered, tt.recoverable, tt.rate, tt.complaint, tt.later, tt.diff)
			}
		})
	}
}

// TestRecoveryAddIsTheSumsFigures: a brand's figure from its stores' is
// the figure of their summed counters, not an average of rates.
func TestRecoveryAddIsTheSumsFigures(t *testing.T) {
	a, b := recoveryCounters(4, 1, 1, 1, 5), recoveryCounters(1, 1, 1, 3, 3)
	sum := Counters{}
	sum.Add(a)
	sum.Add(b)
	got, want := RecoveryOf(a).Add(RecoveryOf(b)), RecoveryOf(sum)
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got.Rate != 0.4 || got.ComplaintOverall != 2 || got.LaterOverall != 4 {
		t.Errorf("brand: got rate %v, %v → %v; want 0.4, 2 → 4", got.Rate, got.ComplaintOverall, got.LaterOverall)
	}
}

func TestReportCarriesRecovery(t *testing.T) {
	rg, err := ParseRange("2026-10-01", "2026-10-31")
	if err != nil {
		t.Fatal(err)
	}
	r := mapReader{
		{Week, "2026-10-W1"}: recoveryCounters(2, 1, 1, 2, 4),
		{Week, "2026-10-W5"}: recoveryCounters(1, 1, 0, 0, 0), // 29–31 October
		{Month, "2026-09"}:   recoveryCounters(5, 0, 0, 0, 0), // most of the range before
	}
	rep, err := NewReports(r).Report(context.Background(), brand.Store{ID: "S001"}, rg, Filter{}, DefaultTargets)
	if err != nil {
		t.Fatal(err)
	}
	got := rep.Recovery
	if got.Recoverable != 3 || got.Recovered != 2 || got.Scored != 1 || got.ComplaintOverall != 2 || got.LaterOverall != 4 || got.CountingUntil != "2027-01-29" {
		t.Errorf("recovery: got %+v, want 2 of 3, one scored 2 → 4, counting until 2027-01-29", got)
	}
	if rep.Cases.Recoverable != 3 {
		t.Errorf("case stats: got %d recoverable, want 3", rep.Cases.Recoverable)
	}
	if p := rep.PrevRecovery; p.Recoverable != 5 || p.Recovered != 0 || p.CountingUntil != "2026-12-29" {
		t.Errorf("previous recovery: got %+v, want 0 of 5 counting until 2026-12-29", p)
	}
	if got.Final("2027-01-29") || !got.Final("2027-01-30") {
		t.Errorf("final: got %v on the last counting day and %v the day after, want false then true", got.Final("2027-01-29"), got.Final("2027-01-30"))
	}
}
