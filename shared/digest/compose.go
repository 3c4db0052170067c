package digest

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/insight"
)

// BaselineWeeks is how many earlier same weekdays a night is compared with.
const BaselineWeeks = 4

// LowestShown is how many of the week's lowest-scored comments the weekly
// digest quotes.
const LowestShown = 3

// Comment is one card's comment as a digest quotes it.
type Comment struct {
	StoreID   string
	CardID    string
	VisitDate string
	Meal      string // "lunch", "dinner" or ""
	Source    string // card.SourceQR, SourceScan, SourceImport
	Overall   int    // 1–5; 0 when the card does not rate overall
	Text      string
}

// Score is one rated item's average on a day against its baseline.
type Score struct {
	Item    string
	Avg     float64
	N       int64
	BaseAvg float64
	BaseN   int64
}

// Night is a store's nightly summary.
type Night struct {
	Store  brand.Store
	Period Period
	// Day is the day's figures; Baseline those of the BaselineWeeks same
	// weekdays before it, together (BaselineDates lists them).
	Day, Baseline insight.Figures
	BaselineDates []string
	Scores        []Score
	// Comments are every comment of the day, lowest overall first (cards
	// that do not rate overall last).
	Comments []Comment
	// NewCases were opened during the day; OpenCases were opened before it
	// and are not resolved.
	NewCases, OpenCases []casework.Case
}

// Empty reports whether the day had no card and no case to tell of.
func (n Night) Empty() bool {
	return n.Day.Cards == 0 && len(n.NewCases) == 0 && len(n.OpenCases) == 0
}

// NightPeriods are the insight periods a night reads: the day, then the
// BaselineWeeks same weekdays before it.
func NightPeriods(p Period) []insight.Period {
	out := make([]insight.Period, 0, BaselineWeeks+1)
	for w := 0; w <= BaselineWeeks; w++ {
		out = append(out, insight.Period{Level: insight.Day, Key: p.From.AddDate(0, 0, -7*w).Format(time.DateOnly)})
	}
	return out
}

// ComposeNight builds a store's nightly summary from the insight counters
// of NightPeriods, the day's cards and the store's recent cases; loc is
// the store's time zone (which cases were opened during the day).
func ComposeNight(st brand.Store, p Period, loc *time.Location, counters map[insight.Period]insight.Counters, cards []card.Card, cases []casework.Case) Night {
	ps := NightPeriods(p)
	items := st.RatedItems()
	base := insight.Counters{}
	var dates []string
	for _, bp := range ps[1:] {
		if c, ok := counters[bp]; ok {
			base.Add(c)
			dates = append(dates, bp.Key)
		}
	}
	n := Night{
		Store: st, Period: p,
		Day:           insight.Derive(counters[ps[0]], insight.Filter{}, items),
		Baseline:      insight.Derive(base, insight.Filter{}, items),
		BaselineDates: dates,
		Comments:      comments(cards, p),
	}
	for _, it := range n.Day.Items {
		s := Score{Item: it.Item, Avg: it.Avg, N: it.N}
		if i := slices.IndexFunc(n.Baseline.Items, func(b insight.Item) bool { return b.Item == it.Item }); i >= 0 {
			s.BaseAvg, s.BaseN = n.Baseline.Items[i].Avg, n.Baseline.Items[i].N
		}
		if s.N > 0 || s.BaseN > 0 {
			n.Scores = append(n.Scores, s)
		}
	}
	start, end := at(p.From, Clock{}, loc), at(p.To.AddDate(0, 0, 1), Clock{}, loc)
	for _, k := range cases {
		switch {
		case !k.OpenedAt.Before(start) && k.OpenedAt.Before(end):
			n.NewCases = append(n.NewCases, k)
		case k.OpenedAt.Before(start) && k.Status != casework.Resolved:
			n.OpenCases = append(n.OpenCases, k)
		}
	}
	byOpened(n.NewCases)
	byOpened(n.OpenCases)
	return n
}

// KPIRow is a row of the weekly KPI table: this week's figure against its
// target, and the change since the previous week when both weeks have one.
type KPIRow struct {
	insight.KPI
	Previous insight.KPI
	Delta    float64
	HasDelta bool
}

// DayPoint is one day of the week's chart.
type DayPoint struct {
	Date  time.Time
	Cards int64
	CSAT  float64 // average overall on 5; 0 when CSATN is 0
	CSATN int64
}

// Week is a store's weekly digest.
type Week struct {
	Store             brand.Store
	Period            Period
	Figures, Previous insight.Figures
	KPIs              []KPIRow
	Daily             []DayPoint
	// Lowest are the LowestShown lowest-scored comments of the week.
	Lowest []Comment
	// Overdue are the open cases past their due time with no contact yet.
	Overdue []casework.Case

	// cur and prev are the counters of the week and the week before, for
	// an area's totals.
	cur, prev insight.Counters
}

// WeekPeriods are the insight periods a week reads: its days and the days
// of the week before it.
func WeekPeriods(p Period) []insight.Period {
	return insight.Days(p.From.AddDate(0, 0, -7), p.To)
}

// ComposeWeek builds a store's weekly digest from the insight counters of
// WeekPeriods (case counters included), the week's cards, the store's
// recent cases, the brand's targets and the time now (which cases are past
// due).
func ComposeWeek(st brand.Store, p Period, counters map[insight.Period]insight.Counters, cards []card.Card, cases []casework.Case, t insight.Targets, now time.Time) Week {
	items := st.RatedItems()
	cur, prev := insight.Counters{}, insight.Counters{}
	w := Week{Store: st, Period: p}
	for _, ip := range WeekPeriods(p) {
		c := counters[ip]
		if ip.Start().Before(p.From) {
			prev.Add(c)
			continue
		}
		cur.Add(c)
		f := insight.Derive(c, insight.Filter{}, []string{insight.OverallItem})
		w.Daily = append(w.Daily, DayPoint{Date: ip.Start(), Cards: f.Cards, CSAT: f.CSAT.Avg, CSATN: f.CSAT.N})
	}
	w.cur, w.prev = cur, prev
	w.Figures, w.Previous, w.KPIs = tables(cur, prev, items, t)
	all := comments(cards, p)
	all = slices.DeleteFunc(all, func(c Comment) bool { return c.Overall == 0 })
	w.Lowest = all[:min(LowestShown, len(all))]
	for _, k := range cases {
		if k.Status != casework.Resolved && k.FirstContact == nil && !k.NoContact && k.DueAt.Before(now) {
			w.Overdue = append(w.Overdue, k)
		}
	}
	byOpened(w.Overdue)
	return w
}

// comments returns the comments of the cards visited in p, lowest overall
// first; cards without an overall score last; then by visit date and id.
func comments(cards []card.Card, p Period) []Comment {
	var out []Comment
	from, to := p.From.Format(time.DateOnly), p.To.Format(time.DateOnly)
	for _, c := range cards {
		text := strings.TrimSpace(c.Comment)
		if text == "" || c.VisitDate < from || c.VisitDate > to {
			continue
		}
		out = append(out, Comment{StoreID: c.StoreID, CardID: c.ID, VisitDate: c.VisitDate, Meal: c.Meal, Source: c.Source, Overall: c.Ratings[insight.OverallItem], Text: text})
	}
	sortComments(out)
	return out
}

// sortComments orders comments lowest overall first, unrated last, then by
// visit date and card id.
func sortComments(cs []Comment) {
	rank := func(c Comment) int {
		if c.Overall == 0 {
			return card.MaxRating + 1
		}
		return c.Overall
	}
	slices.SortStableFunc(cs, func(a, b Comment) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a.VisitDate, b.VisitDate), strings.Compare(a.CardID, b.CardID))
	})
}

// tables derives the figures of a week and the week before and the KPI
// table with its deltas.
func tables(cur, prev insight.Counters, items []string, t insight.Targets) (insight.Figures, insight.Figures, []KPIRow) {
	now, before := insight.Derive(cur, insight.Filter{}, items), insight.Derive(prev, insight.Filter{}, items)
	stats := func(c insight.Counters) casework.Stats {
		return casework.Summarise([]casework.Day{{Tally: insight.CaseTally(c)}})
	}
	a, b := insight.KPIs(now, stats(cur), t), insight.KPIs(before, stats(prev), t)
	rows := make([]KPIRow, len(a))
	for i, k := range a {
		rows[i] = KPIRow{KPI: k, Previous: b[i]}
		if k.N > 0 && b[i].N > 0 {
			rows[i].Delta, rows[i].HasDelta = k.Actual-b[i].Actual, true
		}
	}
	return now, before, rows
}

func byOpened(ks []casework.Case) {
	slices.SortFunc(ks, func(a, b casework.Case) int {
		return cmp.Or(a.OpenedAt.Compare(b.OpenedAt), strings.Compare(a.ID, b.ID))
	})
}

// Ranked is an area manager's weekly digest: the area's week (Total: its
// stores together, no Store) and their stores' weeks, best first.
type Ranked struct {
	Email  string
	Lang   i18n.Lang // AreaLang of the stores
	Period Period
	Total  Week
	Stores []Week
}

// ComposeRanked builds an area manager's digest from their stores' weeks:
// the area's KPI table from the stores' counters together, its daily
// chart, its LowestShown lowest-scored comments and every overdue case,
// and the stores ranked (Rank).
func ComposeRanked(email string, lang i18n.Lang, p Period, weeks []Week, t insight.Targets) Ranked {
	total := Week{Period: p}
	cur, prev := insight.Counters{}, insight.Counters{}
	days := p.Days()
	total.Daily = make([]DayPoint, len(days))
	sums := make([]float64, len(days))
	for i, d := range days {
		total.Daily[i].Date = d
	}
	var lowest []Comment
	for _, w := range weeks {
		cur.Add(w.cur)
		prev.Add(w.prev)
		for i, d := range w.Daily {
			if i < len(days) {
				total.Daily[i].Cards += d.Cards
				total.Daily[i].CSATN += d.CSATN
				sums[i] += d.CSAT * float64(d.CSATN)
			}
		}
		lowest = append(lowest, w.Lowest...)
		total.Overdue = append(total.Overdue, w.Overdue...)
	}
	for i := range total.Daily {
		if total.Daily[i].CSATN > 0 {
			total.Daily[i].CSAT = sums[i] / float64(total.Daily[i].CSATN)
		}
	}
	total.cur, total.prev = cur, prev
	total.Figures, total.Previous, total.KPIs = tables(cur, prev, nil, t)
	sortComments(lowest)
	total.Lowest = lowest[:min(LowestShown, len(lowest))]
	byOpened(total.Overdue)
	return Ranked{Email: email, Lang: lang, Period: p, Total: total, Stores: Rank(weeks)}
}

// Rank orders stores' weeks for an area manager: by CSAT (average overall),
// best first; stores without a rated card that week last; then by cards,
// then by store id.
func Rank(weeks []Week) []Week {
	out := slices.Clone(weeks)
	slices.SortStableFunc(out, func(a, b Week) int {
		ra, rb := a.Figures.CSAT.N > 0, b.Figures.CSAT.N > 0
		switch {
		case ra && !rb:
			return -1
		case rb && !ra:
			return 1
		case ra && rb && a.Figures.CSAT.Avg != b.Figures.CSAT.Avg:
			return cmp.Compare(b.Figures.CSAT.Avg, a.Figures.CSAT.Avg)
		}
		return cmp.Or(cmp.Compare(b.Figures.Cards, a.Figures.Cards), strings.Compare(a.Store.ID, b.Store.ID))
	})
	return out
}
