package insight

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/casework"
)

// CasePrefix starts the names of the callback counters kept in the same
// store-period items as the card counters ("case:openedApology" …); they are
// not sliced by meal or source.
const CasePrefix = "case:"

// CaseTally reads the callback counters out of a period's counters.
func CaseTally(c Counters) casework.Tally {
	get := func(n string) int { return int(c[CasePrefix+n]) }
	return casework.Tally{
		OpenedApology: get("openedApology"), OpenedVisit: get("openedVisit"), NoContact: get("noContact"),
		Acknowledged: get("acknowledged"), AckSeconds: get("ackSeconds"), FirstContacted: get("firstContacted"),
		FirstContactSeconds: get("firstContactSeconds"), ContactedWithinSLA: get("contactedWithinSla"),
		Resolved: get("resolved"), ResolvedFirstContact: get("resolvedFirstContact"), Reopened: get("reopened"),
		Escalated: get("escalated"), Recoverable: get(casework.NRecoverable),
	}
}

// Reader reads a store's counters for periods (the insight store). A period
// with no item is absent from the map.
type Reader interface {
	Counters(ctx context.Context, storeID string, periods []Period) (map[Period]Counters, error)
}

// Point is one step of a trend: a week (ranges up to TrendWeeksUpTo days)
// or a month.
type Point struct {
	Period  string  `json:"period"` // first day of the step, YYYY-MM-DD
	Cards   int64   `json:"cards"`
	CSAT    float64 `json:"csat"`
	CSATN   int64   `json:"csatN"`
	NPS     float64 `json:"nps"` // standard score
	NPSAvg  float64 `json:"npsAvg"`
	NPSN    int64   `json:"npsN"`
	Partial bool    `json:"partial,omitempty"` // the step is cut by the range
}

// TrendWeeksUpTo is the longest range whose trend is weekly; longer ranges
// trend by month.
const TrendWeeksUpTo = 100

// Summary is what a store's dashboard and a brand's report both give for a
// range: its figures, the same for the previous range of the same length,
// callbacks and recovery for each, and the KPI table.
type Summary struct {
	From      string         `json:"from"`
	To        string         `json:"to"`
	Figures   Figures        `json:"figures"`
	Previous  Figures        `json:"previous"`
	PrevFrom  string         `json:"previousFrom"`
	PrevTo    string         `json:"previousTo"`
	Cases     casework.Stats `json:"cases"`
	PrevCases casework.Stats `json:"previousCases"`
	// Recovery is whether the diners of the range's cases came back
	// (recovery.go); PrevRecovery the same for the range before.
	Recovery     Recovery `json:"recovery"`
	PrevRecovery Recovery `json:"previousRecovery"`
	KPIs         []KPI    `json:"kpis"`
}

// summarise derives a Summary from the counters of rg (now) and of the range
// before it (then).
func summarise(rg Range, now, then Counters, f Filter, items []string, t Targets) Summary {
	prev := rg.Previous()
	s := Summary{
		From: rg.From.Format(time.DateOnly), To: rg.To.Format(time.DateOnly),
		PrevFrom: prev.From.Format(time.DateOnly), PrevTo: prev.To.Format(time.DateOnly),
		Figures:      Derive(now, f, items),
		Previous:     Derive(then, f, items),
		Cases:        casework.Summarise([]casework.Day{{Tally: CaseTally(now)}}),
		PrevCases:    casework.Summarise([]casework.Day{{Tally: CaseTally(then)}}),
		Recovery:     recoveryIn(now, rg),
		PrevRecovery: recoveryIn(then, prev),
	}
	s.KPIs = KPIs(s.Figures, s.Cases, t)
	return s
}

// Empty reports whether the range holds no card and no case.
func (s Summary) Empty() bool {
	return s.Figures.Cards == 0 && s.Cases.OpenedApology+s.Cases.OpenedVisit == 0
}

// Report is a store's dashboard over a range: its Summary and a trend.
type Report struct {
	StoreID string `json:"storeId"`
	Summary
	Trend   []Point `json:"trend"`
	TrendBy string  `json:"trendBy"` // "week" or "month"
	// ItemsRead is how many aggregate items the report read.
	ItemsRead int `json:"itemsRead"`
}

// Reports builds dashboards from the stored counters.
type Reports struct {
	r Reader
}

// NewReports returns the report builder.
func NewReports(r Reader) *Reports { return &Reports{r: r} }

// Report reads a store's counters for rg and the range before it and
// derives every figure. It reads the periods of Cover for a long range, and
// weeks and days (WeekCover) for one short enough to trend by week.
func (s *Reports) Report(ctx context.Context, st brand.Store, rg Range, f Filter, t Targets) (Report, error) {
	prev := rg.Previous()
	cur := periodsFor(rg)
	before := Cover(prev.From, prev.To)
	got, err := s.r.Counters(ctx, st.ID, append(append([]Period{}, cur...), before...))
	if err != nil {
		return Report{}, fmt.Errorf("read insight of store %s %s: %w", st.ID, rg, err)
	}
	sum := func(ps []Period) Counters {
		out := Counters{}
		for _, p := range ps {
			out.Add(got[p])
		}
		return out
	}
	now, then := sum(cur), sum(before)
	rep := Report{StoreID: st.ID, Summary: summarise(rg, now, then, f, st.RatedItems(), t), ItemsRead: len(got)}
	rep.Trend, rep.TrendBy = trend(rg, cur, got, f)
	return rep, nil
}

// periodsFor picks the periods read for a range: weeks and days when the
// trend is weekly, Cover otherwise.
func periodsFor(rg Range) []Period {
	if rg.Len() <= TrendWeeksUpTo {
		return WeekCover(rg.From, rg.To)
	}
	return Cover(rg.From, rg.To)
}

// Start returns the first day of a period.
func (p Period) Start() time.Time {
	switch p.Level {
	case Month:
		t, _ := time.Parse("2006-01", p.Key)
		return t
	case Week:
		ym, w, _ := strings.Cut(p.Key, "-W")
		t, _ := time.Parse("2006-01", ym)
		n := 0
		fmt.Sscanf(w, "%d", &n)
		return t.AddDate(0, 0, 7*(n-1))
	}
	t, _ := time.Parse(time.DateOnly, p.Key)
	return t
}

func trend(rg Range, ps []Period, got map[Period]Counters, f Filter) ([]Point, string) {
	by := "week"
	bucket := func(d time.Time) time.Time { s, _ := weekSpan(d); return s }
	if rg.Len() > TrendWeeksUpTo {
		by = "month"
		bucket = func(d time.Time) time.Time { return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC) }
	}
	var out []Point
	sums := map[time.Time]Counters{}
	var order []time.Time
	for _, p := range ps {
		b := bucket(p.Start())
		if _, ok := sums[b]; !ok {
			sums[b] = Counters{}
			order = append(order, b)
		}
		sums[b].Add(got[p])
	}
	for _, b := range order {
		fig := Derive(sums[b], f, []string{OverallItem})
		end := monthEnd(b)
		if by == "week" {
			_, end = weekSpan(b)
		}
		out = append(out, Point{
			Period: b.Format(time.DateOnly), Cards: fig.Cards,
			CSAT: fig.CSAT.Avg, CSATN: fig.CSAT.N, NPS: fig.NPS.Score, NPSAvg: fig.NPS.Avg, NPSN: fig.NPS.N,
			Partial: b.Before(rg.From) || end.After(rg.To),
		})
	}
	return out, by
}
