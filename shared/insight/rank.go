package insight

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/casework"
)

// BrandReader reads a brand's roll-ups (insightstore). A period without one
// is absent.
type BrandReader interface {
	BrandPeriods(ctx context.Context, brandID string, periods []Period) (map[Period]BrandPeriod, error)
}

// RankedKPI is one KPI of a store's row: the figure, its rank among the
// stores ranked (1 is best; equal figures share a rank; 0 when the store has
// no answer or case to rank by) and the previous range's figure.
type RankedKPI struct {
	KPI
	Rank      int     `json:"rank"`
	Previous  float64 `json:"previous"`
	PreviousN int64   `json:"previousN"`
}

// StoreRow is one store's line of the ranking; the brand average is a row
// too (StoreID empty, no ranks).
type StoreRow struct {
	StoreID   string      `json:"storeId,omitempty"`
	Cards     int64       `json:"cards"`
	PrevCards int64       `json:"previousCards"`
	NPSScore  float64     `json:"npsScore"` // standard score, −100…100
	Satisfied float64     `json:"satisfied"`
	KPIs      []RankedKPI `json:"kpis"`
}

// KPI returns the row's KPI of that name (zero if it has none).
func (r StoreRow) KPI(name string) RankedKPI {
	for _, k := range r.KPIs {
		if k.Name == name {
			return k
		}
	}
	return RankedKPI{}
}

// Move is one store's change of a KPI on the previous range.
type Move struct {
	StoreID   string  `json:"storeId"`
	Previous  float64 `json:"previous"`
	Actual    float64 `json:"actual"`
	Change    float64 `json:"change"`
	N         int64   `json:"n"`
	PreviousN int64   `json:"previousN"`
}

// Mover names, for one KPI, the store whose figure rose most and the one
// whose figure fell most against the previous range (either may be nil:
// nobody rose, nobody fell, or too few answers to say).
type Mover struct {
	KPI   string `json:"kpi"`
	Best  *Move  `json:"best,omitempty"`
	Worst *Move  `json:"worst,omitempty"`
}

// MinMoverN is the fewest answers, in the range and in the previous one, a
// store's change is counted from: a move between two scores of three cards
// each is noise, not a trend.
const MinMoverN = 5

// MoverKPIs are the KPIs whose movers a ranking names.
var MoverKPIs = []string{KPICSAT, KPINPS}

// BrandReport is a brand's figures over a range and its stores ranked,
// read from the brand's roll-ups only.
type BrandReport struct {
	BrandID string `json:"brandId"`
	Summary        // every store of the brand
	// Average is the brand's row: every store's answers together (each
	// answer weighs the same, so a busy store counts for more), over all
	// the brand's stores even when only some are ranked.
	Average StoreRow `json:"average"`
	// Stores are the stores ranked, best CSAT first; stores with no
	// overall answer last.
	Stores    []StoreRow `json:"stores"`
	Movers    []Mover    `json:"movers"`
	ItemsRead int        `json:"itemsRead"`
}

// Rankings builds brand reports from roll-ups.
type Rankings struct {
	r BrandReader
}

// NewRankings returns the brand report builder.
func NewRankings(r BrandReader) *Rankings { return &Rankings{r: r} }

// Report reads the brand's roll-ups covering rg and the range before it
// (Cover of each: at most 34 items for 90 days, whatever the number of
// stores) and ranks the stores given — all of the brand's, or an area
// manager's — against each other, with the whole brand's figures as the
// average.
func (s *Rankings) Report(ctx context.Context, brandID string, stores []brand.Store, rg Range, f Filter, t Targets) (BrandReport, error) {
	prev := rg.Previous()
	cur, before := Cover(rg.From, rg.To), Cover(prev.From, prev.To)
	got, err := s.r.BrandPeriods(ctx, brandID, append(slices.Clone(cur), before...))
	if err != nil {
		return BrandReport{}, fmt.Errorf("read roll-ups of brand %s %s: %w", brandID, rg, err)
	}
	now, then := sumRollups(got, cur), sumRollups(got, before)
	var items []string
	for _, st := range stores {
		for _, it := range st.RatedItems() {
			if !slices.Contains(items, it) {
				items = append(items, it)
			}
		}
	}
	rep := BrandReport{BrandID: brandID, Summary: summarise(rg, now.Total, then.Total, f, items, t), ItemsRead: len(got)}
	rep.Average = row("", KPISubset(now.Total), KPISubset(then.Total), f, t)
	rows := make([]StoreRow, len(stores))
	for i, st := range stores {
		rows[i] = row(st.ID, now.Stores[st.ID], then.Stores[st.ID], f, t)
	}
	rank(rows)
	rep.Stores = rows
	for _, k := range MoverKPIs {
		rep.Movers = append(rep.Movers, movers(rows, k))
	}
	return rep, nil
}

// rollupSum is the roll-ups of several periods added up.
type rollupSum struct {
	Total  Counters
	Stores map[string]Counters
}

func sumRollups(got map[Period]BrandPeriod, ps []Period) rollupSum {
	out := rollupSum{Total: Counters{}, Stores: map[string]Counters{}}
	for _, p := range ps {
		b := got[p]
		out.Total.Add(b.Total)
		for id, c := range b.Stores {
			if out.Stores[id] == nil {
				out.Stores[id] = Counters{}
			}
			out.Stores[id].Add(c)
		}
	}
	return out
}

// kpiFigures derives what the KPI table needs from a KPISubset.
func kpiFigures(sub Counters, f Filter) (Figures, casework.Stats) {
	c := sub.Select(f)
	fig := Figures{Cards: c[NCards]}
	if n := c[Rating(OverallItem, "n")]; n > 0 {
		fig.CSAT = CSAT{N: n, Avg: ratio(c[Rating(OverallItem, "sum")], n), Satisfied: ratio(c[Rating(OverallItem, "4")]+c[Rating(OverallItem, "5")], n)}
	}
	if n := c[NPSPart("n")]; n > 0 {
		fig.NPS = NPS{N: n, Avg: ratio(c[NPSPart("sum")], n), Promoters: c[NPromoters], Detractors: c[NDetractors],
			Score: 100 * float64(c[NPromoters]-c[NDetractors]) / float64(n)}
	}
	return fig, casework.Summarise([]casework.Day{{Tally: CaseTally(sub)}})
}

// row is a store's (or the brand's) line from its subsets of the range and
// the range before.
func row(id string, now, then Counters, f Filter, t Targets) StoreRow {
	fig, cases := kpiFigures(now, f)
	pfig, pcases := kpiFigures(then, f)
	cur, before := KPIs(fig, cases, t), KPIs(pfig, pcases, t)
	r := StoreRow{StoreID: id, Cards: fig.Cards, PrevCards: pfig.Cards, NPSScore: fig.NPS.Score, Satisfied: fig.CSAT.Satisfied}
	for i, k := range cur {
		r.KPIs = append(r.KPIs, RankedKPI{KPI: k, Previous: before[i].Actual, PreviousN: before[i].N})
	}
	return r
}

// rank sets each KPI's rank among the rows (competition ranking: equal
// figures share a rank, the next rank skips; a lower handling time is
// better; rows without a figure get none) and orders the rows by their
// CSAT rank, then cards, then id.
func rank(rows []StoreRow) {
	if len(rows) == 0 {
		return
	}
	for k := range rows[0].KPIs {
		better := func(a, b RankedKPI) bool {
			if a.AtMost {
				return a.Actual < b.Actual
			}
			return a.Actual > b.Actual
		}
		for i := range rows {
			me := rows[i].KPIs[k]
			if me.N <= 0 {
				continue
			}
			r := 1
			for j := range rows {
				if o := rows[j].KPIs[k]; o.N > 0 && better(o, me) {
					r++
				}
			}
			rows[i].KPIs[k].Rank = r
		}
	}
	slices.SortStableFunc(rows, func(a, b StoreRow) int {
		ra, rb := a.KPI(KPICSAT).Rank, b.KPI(KPICSAT).Rank
		if (ra == 0) != (rb == 0) {
			return cmp.Compare(rb, ra) // unranked last
		}
		return cmp.Or(cmp.Compare(ra, rb), cmp.Compare(b.Cards, a.Cards), cmp.Compare(a.StoreID, b.StoreID))
	})
}

// movers finds the largest rise and fall of KPI name among rows with at
// least MinMoverN answers in both ranges; ties go to the first store id.
func movers(rows []StoreRow, name string) Mover {
	m := Mover{KPI: name}
	for _, r := range rows {
		k := r.KPI(name)
		if k.N < MinMoverN || k.PreviousN < MinMoverN {
			continue
		}
		mv := Move{StoreID: r.StoreID, Previous: k.Previous, Actual: k.Actual, Change: k.Actual - k.Previous, N: k.N, PreviousN: k.PreviousN}
		if mv.Change > 0 && (m.Best == nil || mv.Change > m.Best.Change || (mv.Change == m.Best.Change && mv.StoreID < m.Best.StoreID)) {
			m.Best = &mv
		}
		if mv.Change < 0 && (m.Worst == nil || mv.Change < m.Worst.Change || (mv.Change == m.Worst.Change && mv.StoreID < m.Worst.StoreID)) {
			m.Worst = &mv
		}
	}
	return m
}
