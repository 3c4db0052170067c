package insight

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/cardloop/cardloop/shared/brand"
)

// kpiRow is a row with only the KPIs rank and movers read.
func kpiRow(id string, csat float64, n int64, handling float64, hn int64) StoreRow {
	return StoreRow{StoreID: id, Cards: n, KPIs: []RankedKPI{
		{KPI: KPI{Name: KPICSAT, Actual: csat, N: n}},
		{KPI: KPI{Name: KPIHandling, Actual: handling, N: hn, AtMost: true}},
	}}
}

func TestRank(t *testing.T) {
	rows := []StoreRow{
		kpiRow("S1", 4.2, 10, 30, 2),
		kpiRow("S2", 4.6, 10, 0, 0), // no case: no handling rank
		kpiRow("S3", 0, 0, 12, 4),   // no overall answer: unranked on CSAT
		kpiRow("S4", 4.2, 12, 12, 3),
		kpiRow("S5", 3.9, 10, 48, 1),
	}
	rank(rows)
	var order []string
	for _, r := range rows {
		order = append(order, r.StoreID)
	}
	if want := []string{"S2", "S4", "S1", "S5", "S3"}; !slices.Equal(order, want) {
		t.Errorf("order: got %v, want %v (CSAT rank, then cards; unranked last)", order, want)
	}
	tests := []struct {
		store          string
		csat, handling int
	}{
		{"S2", 1, 0}, {"S4", 2, 1}, {"S1", 2, 3}, {"S5", 4, 4}, {"S3", 0, 1},
	}
	for _, tt := range tests {
		i := slices.IndexFunc(rows, func(r StoreRow) bool { return r.StoreID == tt.store })
		if c, h := rows[i].KPI(KPICSAT).Rank, rows[i].KPI(KPIHandling).Rank; c != tt.csat || h != tt.handling {
			t.Errorf("%s: ranks CSAT %d, handling %d; want %d, %d (equal figures share a rank; less handling time is better)", tt.store, c, h, tt.csat, tt.handling)
		}
	}
}

func TestMovers(t *testing.T) {
	mv := func(id string, prev, now float64, pn, n int64) StoreRow {
		return StoreRow{StoreID: id, KPIs: []RankedKPI{{KPI: KPI{Name: KPICSAT, Actual: now, N: n}, Previous: prev, PreviousN: pn}}}
	}
	tests := []struct {
		name        string
		rows        []StoreRow
		best, worst string
	}{
		{"rise and fall", []StoreRow{mv("S1", 4.0, 4.5, 20, 20), mv("S2", 4.5, 4.1, 20, 20), mv("S3", 4.2, 4.3, 20, 20)}, "S1", "S2"},
		{"a big move on too few answers is not a trend", []StoreRow{mv("S1", 2.0, 5.0, 3, 20), mv("S2", 4.0, 4.2, 20, 20)}, "S2", ""},
		{"nobody rose", []StoreRow{mv("S1", 4.5, 4.4, 20, 20), mv("S2", 4.5, 4.5, 20, 20)}, "", "S1"},
		{"a tie goes to the first store", []StoreRow{mv("S2", 4.0, 4.5, 20, 20), mv("S1", 4.0, 4.5, 20, 20)}, "S1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := movers(tt.rows, KPICSAT)
			got := func(mv *Move) string {
				if mv == nil {
					return ""
				}
				return mv.StoreID
			}
			if got(m.Best) != tt.best || got(m.Worst) != tt.worst {
				t.Errorf("best %q worst %q, want %q %q", got(m.Best), got(m.Worst), tt.best, tt.worst)
			}
		})
	}
}

// fakeBrandReader serves roll-ups from a map and counts the items read.
type fakeBrandReader struct {
	rollups map[Period]BrandPeriod
}

func (f fakeBrandReader) BrandPeriods(_ context.Context, _ string, ps []Period) (map[Period]BrandPeriod, error) {
	out := map[Period]BrandPeriod{}
	for _, p := range ps {
		if b, ok := f.rollups[p]; ok {
			out[p] = b
		}
	}
	return out, nil
}

// TestBrandReport: the brand's figures are the sum of its stores', each
// store's row has the figures of its own report, an area manager's stores
// rank among themselves against the whole brand's average, and the report
// reads only the roll-ups of Cover of the two ranges.
func TestBrandReport(t *testing.T) {
	rg := Range{From: date("2026-11-01"), To: date("2026-11-30")}
	prev := rg.Previous()
	stores := []brand.Store{{ID: "S1"}, {ID: "S2"}, {ID: "S3"}}
	perStore := map[string][2]Counters{} // each store's counters of rg and of prev
	cur, before := Cover(rg.From, rg.To)[0], Period{Day, prev.From.Format("2006-01-02")}
	var nowItems, prevItems []StorePeriod
	for i, st := range stores {
		cards := sampleCards(st.ID)
		perStore[st.ID] = [2]Counters{countAll(cards[:3+i]), countAll(cards[i:])}
		nowItems = append(nowItems, StorePeriod{st.ID, cur, perStore[st.ID][0], 1})
		prevItems = append(prevItems, StorePeriod{st.ID, before, perStore[st.ID][1], 1})
	}
	f := fakeBrandReader{rollups: map[Period]BrandPeriod{cur: Roll(cur, nowItems), before: Roll(before, prevItems)}}
	rep, err := NewRankings(f).Report(context.Background(), "b", stores, rg, Filter{}, DefaultTargets)
	if err != nil {
		t.Fatal(err)
	}
	sum := Counters{}
	for _, st := range stores {
		sum.Add(perStore[st.ID][0])
	}
	if want := Derive(sum, Filter{}, nil); rep.Figures.Cards != want.Cards || rep.Figures.CSAT != want.CSAT {
		t.Errorf("brand figures: got %d cards %+v, want %d %+v", rep.Figures.Cards, rep.Figures.CSAT, want.Cards, want.CSAT)
	}
	if rep.Average.KPI(KPICSAT).Actual != rep.Figures.CSAT.Avg || rep.Average.Cards != rep.Figures.Cards {
		t.Errorf("average row: got %+v, want the brand's figures", rep.Average)
	}
	if rep.ItemsRead != 2 {
		t.Errorf("items read: got %d, want 2", rep.ItemsRead)
	}
	for _, r := range rep.Stores {
		want, wantPrev := Derive(perStore[r.StoreID][0], Filter{}, nil), Derive(perStore[r.StoreID][1], Filter{}, nil)
		k := r.KPI(KPICSAT)
		if r.Cards != want.Cards || k.Actual != want.CSAT.Avg || k.Previous != wantPrev.CSAT.Avg || math.Abs(r.NPSScore-want.NPS.Score) > 1e-9 {
			t.Errorf("%s: got cards %d CSAT %v (before %v) NPS %v; want %d %v (%v) %v", r.StoreID, r.Cards, k.Actual, k.Previous, r.NPSScore, want.Cards, want.CSAT.Avg, wantPrev.CSAT.Avg, want.NPS.Score)
		}
	}
	area, err := NewRankings(f).Report(context.Background(), "b", stores[1:], rg, Filter{}, DefaultTargets)
	if err != nil {
		t.Fatal(err)
	}
	if len(area.Stores) != 2 || area.Average.Cards != rep.Average.Cards {
		t.Errorf("area: got %d stores, average of %d cards; want 2 stores against the brand's %d", len(area.Stores), area.Average.Cards, rep.Average.Cards)
	}
	for _, r := range area.Stores {
		if k := r.KPI(KPICSAT); k.N > 0 && (k.Rank < 1 || k.Rank > 2) {
			t.Errorf("area rank of %s: got %d, want 1 or 2", r.StoreID, k.Rank)
		}
	}
}
