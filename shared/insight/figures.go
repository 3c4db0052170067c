package insight

import (
	"math"
	"slices"
	"strconv"

	"github.com/cardloop/cardloop/shared/card"
)

// Item is the figures of one rated item.
type Item struct {
	Item string `json:"item"`
	N    int64  `json:"n"`
	// Avg is the mean score on 1–5; TopBox the share of 5s; Low the share
	// of 1s and 2s (0 when N is 0).
	Avg    float64  `json:"avg"`
	TopBox float64  `json:"topBox"`
	Low    float64  `json:"low"`
	Dist   [5]int64 `json:"dist"` // count of 1s … 5s
	// Impact is the item's Pearson correlation with overall on cards that
	// rate both (ImpactN of them); 0 when it cannot be computed.
	Impact  float64 `json:"impact"`
	ImpactN int64   `json:"impactN"`
}

// NPS is the recommendation question's figures: Score is the standard net
// promoter score (% of 9–10 minus % of 0–6, −100…100), Avg the mean 0–10.
type NPS struct {
	N          int64     `json:"n"`
	Score      float64   `json:"score"`
	Avg        float64   `json:"avg"`
	Promoters  int64     `json:"promoters"`
	Passives   int64     `json:"passives"`
	Detractors int64     `json:"detractors"`
	Dist       [11]int64 `json:"dist"`
}

// CSAT is overall satisfaction: the mean overall score on 5 and the share of
// 4s and 5s.
type CSAT struct {
	N         int64   `json:"n"`
	Avg       float64 `json:"avg"`
	Satisfied float64 `json:"satisfied"`
}

// Share is one answer's count and share of the answers to its question.
type Share struct {
	Key   string  `json:"key"`
	N     int64   `json:"n"`
	Share float64 `json:"share"`
}

// Figures are what a set of cards says.
type Figures struct {
	Cards     int64   `json:"cards"`
	Online    int64   `json:"online"`
	Paper     int64   `json:"paper"`
	Imported  int64   `json:"imported"`
	Comments  int64   `json:"comments"`
	CSAT      CSAT    `json:"csat"`
	NPS       NPS     `json:"nps"`
	Items     []Item  `json:"items"`
	First     int64   `json:"first"`
	Returning int64   `json:"returning"`
	Visits    []Share `json:"visits"`
	Heard     []Share `json:"heard"`
	Reasons   []Share `json:"reasons"`
	Mains     []Share `json:"mains"`
	// Opportunity is the rated item with the lowest average among those whose
	// impact on overall is above the median: where improving pays most.
	Opportunity string `json:"opportunity,omitempty"`
	// RegularsOutnumberFirst says returning diners outnumber first-time ones
	// (with enough answers to say so): the brand is not reaching new people.
	RegularsOutnumberFirst bool `json:"regularsOutnumberFirst"`
}

// MinDriverN is the fewest paired answers an item's impact is computed from.
const MinDriverN = 10

// Derive computes the figures of the slices of sliced (counters keyed by
// slice, as a store-day keeps them) that filter keeps, listing the items in
// order (a store's RatedItems; items counted but not listed follow, sorted).
func Derive(sliced Counters, filter Filter, items []string) Figures {
	c := sliced.Select(filter)
	bySource := func(s string) int64 {
		if len(filter.Sources) > 0 && !slices.Contains(filter.Sources, s) {
			return 0
		}
		return sliced.Select(Filter{Meals: filter.Meals, Sources: []string{s}})[NCards]
	}
	f := Figures{
		Cards:     c[NCards],
		Online:    bySource(card.SourceQR),
		Paper:     bySource(card.SourceScan),
		Imported:  bySource(card.SourceImport),
		Comments:  c[NComments],
		First:     c[NFirst],
		Returning: c[NReturning],
	}
	for _, it := range orderItems(c, items) {
		f.Items = append(f.Items, deriveItem(c, it))
	}
	if i := slices.IndexFunc(f.Items, func(it Item) bool { return it.Item == OverallItem }); i >= 0 {
		o := f.Items[i]
		f.CSAT = CSAT{N: o.N, Avg: o.Avg, Satisfied: ratio(o.Dist[3]+o.Dist[4], o.N)}
	}
	f.NPS = deriveNPS(c)
	f.Visits = shares(c, "visits", VisitBuckets)
	f.Heard = shares(c, "heard", card.HeardFrom)
	f.Reasons = shares(c, "reason", card.Reasons)
	f.Mains = shares(c, "main", nil)
	f.Opportunity = opportunity(f.Items)
	f.RegularsOutnumberFirst = f.First+f.Returning >= MinDriverN && f.Returning > f.First
	return f
}

func orderItems(c Counters, items []string) []string {
	out := slices.Clone(items)
	var extra []string
	for k := range c {
		if len(k) > 2 && k[:2] == "r:" {
			it, part := splitLast(k[2:])
			if part == "n" && !slices.Contains(out, it) && !slices.Contains(extra, it) {
				extra = append(extra, it)
			}
		}
	}
	slices.Sort(extra)
	return append(out, extra...)
}

func splitLast(s string) (string, string) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ':' {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

func deriveItem(c Counters, item string) Item {
	it := Item{Item: item, N: c[Rating(item, "n")]}
	for v := 1; v <= 5; v++ {
		it.Dist[v-1] = c[Rating(item, strconv.Itoa(v))]
	}
	it.Avg = ratio(c[Rating(item, "sum")], it.N)
	it.TopBox = ratio(it.Dist[4], it.N)
	it.Low = ratio(it.Dist[0]+it.Dist[1], it.N)
	if item != OverallItem {
		it.ImpactN = c[Driver(item, "n")]
		it.Impact = pearson(c, item)
	}
	return it
}

// pearson is the correlation of item with overall from the six sums; 0 with
// fewer than MinDriverN pairs or no spread in either.
func pearson(c Counters, item string) float64 {
	n := float64(c[Driver(item, "n")])
	if n < MinDriverN {
		return 0
	}
	sx, sy := float64(c[Driver(item, "x")]), float64(c[Driver(item, "y")])
	sxx, syy, sxy := float64(c[Driver(item, "xx")]), float64(c[Driver(item, "yy")]), float64(c[Driver(item, "xy")])
	vx := n*sxx - sx*sx
	vy := n*syy - sy*sy
	if vx <= 0 || vy <= 0 {
		return 0
	}
	return (n*sxy - sx*sy) / math.Sqrt(vx*vy)
}

func deriveNPS(c Counters) NPS {
	n := NPS{N: c[NPSPart("n")]}
	for v := 0; v <= 10; v++ {
		k := c[NPSPart(strconv.Itoa(v))]
		n.Dist[v] = k
		switch {
		case v >= 9:
			n.Promoters += k
		case v >= 7:
			n.Passives += k
		default:
			n.Detractors += k
		}
	}
	n.Avg = ratio(c[NPSPart("sum")], n.N)
	if n.N > 0 {
		n.Score = 100 * float64(n.Promoters-n.Detractors) / float64(n.N)
	}
	return n
}

// shares lists the answers of a question in the given order, then any other
// answer counted, by count; shares are of the question's answers.
func shares(c Counters, group string, order []string) []Share {
	var total int64
	counts := map[string]int64{}
	prefix := group + ":"
	for k, v := range c {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix && v != 0 {
			counts[k[len(prefix):]] = v
			total += v
		}
	}
	out := make([]Share, 0, len(counts))
	for _, a := range order {
		out = append(out, Share{Key: a, N: counts[a], Share: ratio(counts[a], total)})
	}
	var rest []Share
	for a, v := range counts {
		if !slices.Contains(order, a) {
			rest = append(rest, Share{Key: a, N: v, Share: ratio(v, total)})
		}
	}
	slices.SortFunc(rest, func(a, b Share) int {
		if a.N != b.N {
			return int(b.N - a.N)
		}
		if a.Key < b.Key {
			return -1
		}
		return 1
	})
	return append(out, rest...)
}

// opportunity names the item with the lowest average among the items whose
// impact is at least the median impact (items with a computable impact
// only); "" when fewer than two items have one.
func opportunity(items []Item) string {
	var rated []Item
	for _, it := range items {
		if it.Item != OverallItem && it.ImpactN >= MinDriverN && it.Impact != 0 {
			rated = append(rated, it)
		}
	}
	if len(rated) < 2 {
		return ""
	}
	impacts := make([]float64, len(rated))
	for i, it := range rated {
		impacts[i] = it.Impact
	}
	slices.Sort(impacts)
	median := impacts[len(impacts)/2]
	if len(impacts)%2 == 0 {
		median = (impacts[len(impacts)/2-1] + impacts[len(impacts)/2]) / 2
	}
	best := ""
	bestAvg := math.Inf(1)
	for _, it := range rated {
		if it.Impact >= median && it.Avg < bestAvg {
			best, bestAvg = it.Item, it.Avg
		}
	}
	return best
}

func ratio(a, b int64) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}
