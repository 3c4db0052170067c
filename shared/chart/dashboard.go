package chart

import (
	"fmt"
	"math"

	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/insight"
)

// Dashboard chart ids, in the order the dashboard shows them.
const (
	Trend       = "trend"
	Items       = "items"
	Drivers     = "drivers"
	Visits      = "visits"
	VisitNumber = "visitNumber"
	Heard       = "heard"
	Reasons     = "reasons"
	Mains       = "mains"
	Callbacks   = "callbacks"
)

// Order lists the dashboard's chart ids in the order it shows them.
var Order = []string{Trend, Items, Drivers, Visits, VisitNumber, Heard, Reasons, Mains, Callbacks}

// Drawn is a chart of the dashboard: the drawing, or, with Empty, the
// words saying why there is none (no answers in the range).
type Drawn struct {
	Chart
	Empty bool `json:"empty,omitempty"`
}

// Formats of the figures, shared by the charts, their tables and the
// dashboard's tiles, which format the same JSON numbers in the browser:
// each rounds half up as floor(x + 0.5) on the same float64, so Go and
// the console's script (Math.floor) write the same digits, ties included.

// Avg writes a mean score with one decimal.
func Avg(v float64) string {
	r := int64(math.Floor(v*10 + 0.5))
	sign := ""
	if r < 0 {
		sign, r = "-", -r
	}
	return fmt.Sprintf("%s%d.%d", sign, r/10, r%10)
}

// Pct writes a share of 1 as a whole percentage.
func Pct(v float64) string { return fmt.Sprintf("%d%%", int64(math.Floor(100*v+0.5))) }

// Score writes an NPS score (−100…100) as a whole number.
func Score(v float64) string { return fmt.Sprintf("%d", int64(math.Floor(v+0.5))) }

// Dashboard draws the charts of a store's report in lang, keyed by id
// (see Order).
func Dashboard(rep insight.Report, lang i18n.Lang) map[string]Drawn {
	w := words{lang}
	f := rep.Figures
	visitLead := ""
	if f.RegularsOutnumberFirst {
		visitLead = w.t("console.dash.regulars")
	}
	return map[string]Drawn{
		Trend:   trend(rep, w),
		Items:   items(f, w),
		Drivers: drivers(f, w),
		Visits: shares(w, Visits, visitLead, []insight.Share{
			{Key: "first", N: f.First, Share: ratio(f.First, f.First+f.Returning)},
			{Key: "returning", N: f.Returning, Share: ratio(f.Returning, f.First+f.Returning)},
		}, func(k string) string { return w.t("insight.chart.visits." + k) }),
		VisitNumber: shares(w, VisitNumber, "", f.Visits, func(k string) string { return w.t("insight.chart.visitNumber.n", "n", k) }),
		Heard:       shares(w, Heard, "", f.Heard, w.answer("card.heardFrom.")),
		Reasons:     shares(w, Reasons, "", f.Reasons, w.answer("card.reason.")),
		Mains:       shares(w, Mains, "", f.Mains, w.answer("card.course.")),
		Callbacks:   callbacks(rep, w),
	}
}

type words struct{ lang i18n.Lang }

// t returns a message with params given as name, value pairs.
func (w words) t(key string, kv ...string) string {
	var p map[string]string
	if len(kv) > 1 {
		p = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			p[kv[i]] = kv[i+1]
		}
	}
	return i18n.T(w.lang, key, p)
}

// answer names an answer by its message under prefix, or by itself when
// there is none (a store's own main course).
func (w words) answer(prefix string) func(string) string {
	return func(k string) string {
		if s := i18n.T(w.lang, prefix+k, nil); s != prefix+k {
			return s
		}
		return k
	}
}

// Item names a rated item in the reader's language.
func Item(lang i18n.Lang, item string) string { return words{lang}.answer("console.item.")(item) }

func ratio(a, b int64) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func trend(rep insight.Report, w words) Drawn {
	by := "week"
	if rep.TrendBy == "month" {
		by = "month"
	}
	c := Lines{
		ID: Trend, Title: w.t("insight.chart.trend." + by), Step: w.t("insight.chart.step." + by),
		Panels: []Series{
			{Name: w.t("insight.chart.csat"), Max: 5},
			{Name: w.t("insight.chart.nps"), Max: 100},
			{Name: w.t("insight.chart.cards"), Max: 1},
		},
		Mins:    []float64{1, -100, 0},
		Missing: make([][]bool, 3),
	}
	for _, p := range rep.Trend {
		label := p.Period
		if p.Partial {
			label += " " + w.t("insight.chart.partial")
		}
		c.Labels = append(c.Labels, label)
		tick := p.Period[5:] // MM-DD
		if by == "month" {
			tick = p.Period[:7]
		}
		c.Ticks = append(c.Ticks, tick)
		add := func(i int, v float64, text string, missing bool) {
			s := &c.Panels[i]
			s.Values = append(s.Values, v)
			if missing {
				text = "–"
			}
			s.Text = append(s.Text, text)
			c.Missing[i] = append(c.Missing[i], missing)
		}
		add(0, p.CSAT, Avg(p.CSAT), p.CSATN == 0)
		add(1, p.NPS, Score(p.NPS), p.NPSN == 0)
		add(2, float64(p.Cards), fmt.Sprint(p.Cards), false)
		c.Panels[2].Max = max(c.Panels[2].Max, float64(p.Cards))
	}
	return Drawn{Chart: c.Draw(), Empty: rep.Figures.Cards == 0}
}

func items(f insight.Figures, w words) Drawn {
	avg := Series{Name: w.t("insight.chart.avg"), Max: 5}
	top := Series{Name: w.t("insight.chart.topBox"), Max: 1}
	c := Bars{
		ID: Items, Title: w.t("insight.chart.items"), Category: w.t("insight.chart.item"), Highlight: -1,
		HighlightNote: w.t("insight.chart.opportunity"), NoteName: w.t("insight.chart.answers"), Notes: []string{},
	}
	answered := false
	for i, it := range f.Items {
		c.Labels = append(c.Labels, Item(w.lang, it.Item))
		c.Notes = append(c.Notes, w.t("insight.chart.nAnswers", "n", fmt.Sprint(it.N)))
		if it.Item == f.Opportunity {
			c.Highlight = i
		}
		a, t := "–", "–"
		if it.N > 0 {
			a, t, answered = Avg(it.Avg), Pct(it.TopBox), true
		}
		avg.Values, avg.Text = append(avg.Values, it.Avg), append(avg.Text, a)
		top.Values, top.Text = append(top.Values, it.TopBox), append(top.Text, t)
	}
	c.Series = []Series{avg, top}
	return Drawn{Chart: c.Draw(), Empty: !answered}
}

func drivers(f insight.Figures, w words) Drawn {
	c := Scatter{
		ID: Drivers, Title: w.t("insight.chart.drivers"), Lead: w.t("insight.chart.drivers.lead"),
		Category: w.t("insight.chart.item"), XName: w.t("insight.chart.impact"), YName: w.t("insight.chart.avg"),
		XMin: 0, XMax: 1, YMin: 1, YMax: 5, StrongNote: w.t("insight.chart.opportunity"),
		XLowNote: w.t("insight.chart.impact.low"), XHighNote: w.t("insight.chart.impact.high"),
	}
	for _, it := range f.Items {
		if it.Item == insight.OverallItem || it.ImpactN < insight.MinDriverN || it.Impact == 0 {
			continue
		}
		c.XMin = min(c.XMin, it.Impact)
		c.Points = append(c.Points, Point{
			Label: Item(w.lang, it.Item), X: it.Impact, Y: it.Avg,
			XText: fmt.Sprintf("%.2f", it.Impact), YText: Avg(it.Avg), Strong: it.Item == f.Opportunity,
		})
	}
	if c.XMin < 0 {
		c.XMin = -1
	}
	return Drawn{Chart: c.Draw(), Empty: len(c.Points) < 2}
}

// shares draws the answers to one question as bars of their share, each
// written "45% (12)".
func shares(w words, id, lead string, ss []insight.Share, name func(string) string) Drawn {
	s := Series{Name: w.t("insight.chart.share"), Max: 1}
	c := Bars{ID: id, Title: w.t("insight.chart." + id), Lead: lead, Category: w.t("insight.chart.answer"), Highlight: -1}
	var total int64
	for _, a := range ss {
		c.Labels = append(c.Labels, name(a.Key))
		s.Values = append(s.Values, a.Share)
		s.Text = append(s.Text, Pct(a.Share)+" ("+fmt.Sprint(a.N)+")")
		total += a.N
	}
	c.Series = []Series{s}
	return Drawn{Chart: c.Draw(), Empty: total == 0}
}

// callbacks draws the callback funnel: cases opened, contacted within the
// SLA, resolved at the first contact, and recovered (the diner came back
// within casework.RecoveryDays), each with its share of those opened.
func callbacks(rep insight.Report, w words) Drawn {
	cs := rep.Cases
	opened := int64(cs.OpenedApology + cs.OpenedVisit)
	steps := []struct {
		key string
		n   int64
	}{
		{"opened", opened},
		{"contacted", int64(cs.ContactedWithinSLA)},
		{"resolvedFirst", int64(cs.ResolvedFirstContact)},
		{"recovered", rep.Recovery.Recovered},
	}
	s := Series{Name: w.t("insight.chart.cases"), Max: float64(max(opened, 1))}
	c := Bars{ID: Callbacks, Title: w.t("insight.chart.callbacks"), Category: w.t("insight.chart.step"), Highlight: -1}
	for _, st := range steps {
		c.Labels = append(c.Labels, w.t("insight.chart.callbacks."+st.key))
		s.Values = append(s.Values, float64(st.n))
		s.Text = append(s.Text, fmt.Sprint(st.n)+" ("+Pct(ratio(st.n, opened))+")")
	}
	c.Series = []Series{s}
	return Drawn{Chart: c.Draw(), Empty: opened == 0}
}
