// Package insight is what the cards say, in numbers: the counters one card
// adds to its store's day, the periods those counters are kept for, and the
// figures a dashboard, a summary e-mail or an export derives from them
// (averages, top-box shares, CSAT, NPS, first visits, item-to-overall
// correlation, the KPI table of the service standard).
//
// Every figure is derived from integer counters that are only ever added to,
// so the figures of any range are exact: the sum of the counters of the days
// (or weeks, or months) that make it up.
package insight

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/cardloop/cardloop/shared/card"
)

// Counters are named integer tallies. A store-day's counters are keyed
// "<meal>/<source>/<name>" (a slice, see SliceOf); Select sums the slices a
// filter keeps into plain "<name>" keys.
type Counters map[string]int64

// Counter names (after Select). Rated items and NPS are kept as a count, a
// sum and a distribution; drivers as the six sums of a Pearson correlation
// between the item (x) and overall (y) on cards that rate both.
const (
	NCards     = "cards"
	NComments  = "comments"
	NFirst     = "first"     // cards saying it is the diner's first visit
	NReturning = "returning" // cards saying it is not
	NNPS       = "nps"       // prefix: nps:n, nps:sum, nps:0 … nps:10
)

// Rating returns the name of counter part ("n", "sum", "1"…"5") of a rated item.
func Rating(item, part string) string { return "r:" + item + ":" + part }

// Driver returns the name of sum part ("n", "x", "y", "xx", "yy", "xy") of an
// item's correlation with overall.
func Driver(item, part string) string { return "d:" + item + ":" + part }

// NPSPart returns the name of an NPS counter ("n", "sum", "0"…"10").
func NPSPart(part string) string { return NNPS + ":" + part }

// Choice returns the counter of one answer to a single-choice question:
// group is "heard", "reason", "main" or "visits".
func Choice(group, answer string) string { return group + ":" + answer }

// OverallItem is the rated item every driver is correlated with.
const OverallItem = "overall"

// Slices: a card's meal ("lunch", "dinner", or "-" when not given) and source
// (card.SourceQR, SourceScan, SourceImport).
const noMeal = "-"

// SliceOf returns the slice key of a card: "<meal>/<source>".
func SliceOf(c card.Card) string {
	meal := c.Meal
	if meal == "" {
		meal = noMeal
	}
	return meal + "/" + c.Source
}

// VisitBucket names the visit-number bucket of a card's visit count.
func VisitBucket(n int) string {
	switch {
	case n <= 1:
		return "1"
	case n == 2:
		return "2"
	case n <= 5:
		return "3-5"
	case n <= 10:
		return "6-10"
	default:
		return "11+"
	}
}

// VisitBuckets lists the buckets of VisitBucket in order.
var VisitBuckets = []string{"1", "2", "3-5", "6-10", "11+"}

// Count returns the counters one card adds to its store-day, keyed by the
// card's slice.
func Count(c card.Card) Counters {
	out := Counters{}
	slice := SliceOf(c) + "/"
	add := func(name string, v int64) { out[slice+name] += v }
	add(NCards, 1)
	if strings.TrimSpace(c.Comment) != "" {
		add(NComments, 1)
	}
	for item, v := range c.Ratings {
		if v < card.MinRating || v > card.MaxRating {
			continue
		}
		add(Rating(item, "n"), 1)
		add(Rating(item, "sum"), int64(v))
		add(Rating(item, strconv.Itoa(v)), 1)
	}
	if y, ok := c.Ratings[OverallItem]; ok && y >= card.MinRating && y <= card.MaxRating {
		for item, x := range c.Ratings {
			if item == OverallItem || x < card.MinRating || x > card.MaxRating {
				continue
			}
			add(Driver(item, "n"), 1)
			add(Driver(item, "x"), int64(x))
			add(Driver(item, "y"), int64(y))
			add(Driver(item, "xx"), int64(x*x))
			add(Driver(item, "yy"), int64(y*y))
			add(Driver(item, "xy"), int64(x*y))
		}
	}
	if c.NPS != nil && *c.NPS >= card.MinNPS && *c.NPS <= card.MaxNPS {
		add(NPSPart("n"), 1)
		add(NPSPart("sum"), int64(*c.NPS))
		add(NPSPart(strconv.Itoa(*c.NPS)), 1)
	}
	switch {
	case c.FirstVisit != nil && *c.FirstVisit:
		add(NFirst, 1)
		add(Choice("visits", VisitBucket(1)), 1)
	case c.VisitCount != nil && *c.VisitCount <= 1:
		add(NFirst, 1)
		add(Choice("visits", VisitBucket(1)), 1)
	case c.VisitCount != nil:
		add(NReturning, 1)
		add(Choice("visits", VisitBucket(*c.VisitCount)), 1)
	case c.FirstVisit != nil:
		add(NReturning, 1)
	}
	if c.HeardFrom != "" {
		add(Choice("heard", c.HeardFrom), 1)
	}
	if c.Reason != "" {
		add(Choice("reason", c.Reason), 1)
	}
	if c.MainCourse != "" {
		add(Choice("main", c.MainCourse), 1)
	}
	return out
}

// Add adds o into c.
func (c Counters) Add(o Counters) {
	for k, v := range o {
		c[k] += v
	}
}

// Sub returns c − o over the union of their names, leaving out zeros: the
// change that turns o into c.
func (c Counters) Sub(o Counters) Counters {
	out := Counters{}
	for k, v := range c {
		if d := v - o[k]; d != 0 {
			out[k] = d
		}
	}
	for k, v := range o {
		if _, ok := c[k]; !ok && v != 0 {
			out[k] = -v
		}
	}
	return out
}

// Equal reports whether c and o hold the same non-zero counters.
func (c Counters) Equal(o Counters) bool { return len(c.Sub(o)) == 0 }

// Names returns the counter names, sorted.
func (c Counters) Names() []string { return slices.Sorted(maps.Keys(c)) }

// Filter picks the slices a figure covers; an empty list keeps every value.
type Filter struct {
	Meals   []string // "lunch", "dinner"
	Sources []string // card.SourceQR ("online"), card.SourceScan ("paper"), card.SourceImport
}

// Keeps reports whether the filter keeps a slice key "<meal>/<source>".
func (f Filter) Keeps(slice string) bool {
	meal, source, ok := strings.Cut(slice, "/")
	if !ok {
		return false
	}
	return (len(f.Meals) == 0 || slices.Contains(f.Meals, meal)) &&
		(len(f.Sources) == 0 || slices.Contains(f.Sources, source))
}

// Select sums the slices f keeps into counters keyed by plain name. Keys
// that are not sliced (no two "/") are left out.
func (c Counters) Select(f Filter) Counters {
	out := Counters{}
	for k, v := range c {
		i := strings.IndexByte(k, '/')
		if i < 0 {
			continue
		}
		j := strings.IndexByte(k[i+1:], '/')
		if j < 0 {
			continue
		}
		if f.Keeps(k[:i+1+j]) {
			out[k[i+1+j+1:]] += v
		}
	}
	return out
}

// StoredPeriod is a store's period item as stored: its counters (the cards'
// and the callbacks'), its version (how many times it was written) and, for
// a day, the ids of the cards added to it.
type StoredPeriod struct {
	Found    bool
	Counters Counters
	Applied  []string
	Version  int64
}

// CardCounters returns the counters the day's cards made (all but the
// callback counters).
func (d StoredPeriod) CardCounters() Counters {
	out := Counters{}
	for n, v := range d.Counters {
		if !strings.HasPrefix(n, CasePrefix) {
			out[n] = v
		}
	}
	return out
}
