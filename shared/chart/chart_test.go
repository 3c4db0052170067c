package chart_test

import (
	"encoding/xml"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/chart"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/insight"
)

// svgDoc is what a test reads back from a chart's SVG.
type svgDoc struct {
	Role       string   // the root's role
	Labelledby string   // the root's aria-labelledby
	Title      string   // the root's <title>
	Desc       string   // the root's <desc>
	Texts      []string // every <text>
	Values     []string // every data-value, in document order
}

// parseSVG reads s as XML (failing the test if it is not well-formed) and
// collects its title, desc, texts and data-values.
func parseSVG(t *testing.T, s string) svgDoc {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	var doc svgDoc
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, s)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				if e.Name.Local != "svg" {
					t.Fatalf("root element: got %s, want svg", e.Name.Local)
				}
				for _, a := range e.Attr {
					switch a.Name.Local {
					case "role":
						doc.Role = a.Value
					case "aria-labelledby":
						doc.Labelledby = a.Value
					}
				}
			}
			for _, a := range e.Attr {
				if a.Name.Local == "data-value" {
					doc.Values = append(doc.Values, a.Value)
				}
			}
			stack = append(stack, e.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			switch s := string(e); {
			case len(stack) == 2 && stack[1] == "title":
				doc.Title += s
			case len(stack) == 2 && stack[1] == "desc":
				doc.Desc += s
			case stack[len(stack)-1] == "text":
				doc.Texts = append(doc.Texts, s)
			}
		}
	}
	if len(stack) != 0 {
		t.Fatalf("SVG ends inside %v", stack)
	}
	return doc
}

func TestBarsDraw(t *testing.T) {
	c := chart.Bars{
		ID: "b", Title: "Ratings <by> item & more", Category: "Item", Highlight: 1, HighlightNote: "biggest opportunity",
		Labels: []string{"麵包", "Soup"}, Notes: []string{"12 answers", "3 answers"}, NoteName: "Answers",
		Series: []chart.Series{
			{Name: "Average", Max: 5, Values: []float64{4.25, 2}, Text: []string{"4.3", "2.0"}},
			{Name: "Top box", Max: 1, Values: []float64{0.5, 0}, Text: []string{"50%", "0%"}},
		},
	}.Draw()
	doc := parseSVG(t, c.SVG)
	if doc.Role != "img" || doc.Labelledby != "b-t b-d" {
		t.Errorf("role %q labelledby %q, want img and %q", doc.Role, doc.Labelledby, "b-t b-d")
	}
	if doc.Title != "Ratings <by> item & more" {
		t.Errorf("title: got %q", doc.Title)
	}
	for _, want := range []string{"麵包: Average 4.3, Top box 50%, Answers 12 answers", "Soup — biggest opportunity: Average 2.0"} {
		if !strings.Contains(doc.Desc, want) {
			t.Errorf("desc %q: want it to contain %q", doc.Desc, want)
		}
	}
	if got, want := strings.Join(doc.Values, " "), "4.3 50% 2.0 0%"; got != want {
		t.Errorf("data-values: got %q, want %q", got, want)
	}
	for _, want := range []string{"4.3", "50%", "2.0", "0%", "麵包 (12 answers)", "Soup (3 answers) — biggest opportunity"} {
		if !contains(doc.Texts, want) {
			t.Errorf("texts %q: want %q written", doc.Texts, want)
		}
	}
	wantTable := chart.Table{
		Columns: []string{"Item", "Average", "Top box", "Answers"},
		Rows:    [][]string{{"麵包", "4.3", "50%", "12 answers"}, {"Soup — biggest opportunity", "2.0", "0%", "3 answers"}},
	}
	if !equalTables(c.Table, wantTable) {
		t.Errorf("table: got %v, want %v", c.Table, wantTable)
	}
}

func TestLinesDraw(t *testing.T) {
	tests := []struct {
		name  string
		steps int
	}{
		{"few steps: every value written", 4},
		{"many steps: every point still carries its value", 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := chart.Lines{ID: "l", Title: "Trend", Step: "Week", Panels: []chart.Series{{Name: "CSAT", Max: 5}, {Name: "Cards", Max: 40}},
				Mins: []float64{1, 0}, Missing: [][]bool{make([]bool, tt.steps), make([]bool, tt.steps)}}
			for i := range tt.steps {
				c.Labels = append(c.Labels, "w"+string(rune('a'+i)))
				c.Ticks = append(c.Ticks, "t")
				c.Panels[0].Values = append(c.Panels[0].Values, 3+float64(i%3)/2)
				c.Panels[0].Text = append(c.Panels[0].Text, chart.Avg(3+float64(i%3)/2))
				c.Panels[1].Values = append(c.Panels[1].Values, float64(10+i))
				c.Panels[1].Text = append(c.Panels[1].Text, itoa(10+i))
			}
			c.Missing[0][1] = true // no CSAT answer that step: no point
			c.Panels[0].Text[1] = "–"
			got := c.Draw()
			doc := parseSVG(t, got.SVG)
			if len(doc.Values) != 2*tt.steps-1 {
				t.Errorf("points: got %d, want %d (one step has no answer)", len(doc.Values), 2*tt.steps-1)
			}
			if len(got.Table.Rows) != tt.steps || got.Table.Rows[1][1] != "–" || got.Table.Rows[tt.steps-1][2] != itoa(10+tt.steps-1) {
				t.Errorf("table: got %v", got.Table.Rows)
			}
			if !contains(doc.Texts, itoa(10+tt.steps-1)) || !contains(doc.Texts, "CSAT") {
				t.Errorf("texts %q: want the last count and the panel's name", doc.Texts)
			}
		})
	}
}

func TestDashboard(t *testing.T) {
	rep := report()
	for _, lang := range i18n.All {
		t.Run(string(lang), func(t *testing.T) {
			charts := chart.Dashboard(rep, lang)
			for _, id := range chart.Order {
				c, ok := charts[id]
				if !ok {
					t.Fatalf("chart %s missing", id)
				}
				doc := parseSVG(t, c.SVG)
				if doc.Title == "" || doc.Title != c.Title || strings.HasPrefix(doc.Title, "insight.") {
					t.Errorf("%s: title %q (chart says %q)", id, doc.Title, c.Title)
				}
				if doc.Desc == "" || strings.Contains(doc.Desc, "insight.chart") {
					t.Errorf("%s: desc %q", id, doc.Desc)
				}
				// Every value the chart marks is a cell of its table.
				cells := map[string]bool{}
				for _, r := range c.Table.Rows {
					for _, v := range r[1:] {
						cells[v] = true
					}
				}
				for _, v := range doc.Values {
					if !cells[v] {
						t.Errorf("%s: marked value %q is not in the table %v", id, v, c.Table.Rows)
					}
				}
			}
		})
	}
	charts := chart.Dashboard(rep, i18n.En)
	tests := []struct {
		chart string
		row   int
		want  []string
	}{
		{chart.Items, 0, []string{"Bread", "4.2", "40%", "10 answers"}},
		{chart.Items, 1, []string{"Soup — biggest opportunity", "3.0", "10%", "10 answers"}},
		{chart.Items, 2, []string{"Overall", "4.5", "60%", "20 answers"}},
		{chart.Trend, 0, []string{"2026-11-01", "4.5", "20", "12"}},
		{chart.Trend, 1, []string{"2026-11-08 (part)", "–", "–", "0"}},
		{chart.Drivers, 1, []string{"Soup — biggest opportunity", "3.0", "0.80"}},
		{chart.Visits, 1, []string{"Returning", "75% (12)"}},
		{chart.Heard, 0, []string{"A friend or family member", "90% (9)"}},
		{chart.Mains, 0, []string{"Ribeye", "100% (4)"}},
		{chart.Callbacks, 1, []string{"Contacted within SLA", "3 (75%)"}},
		{chart.Callbacks, 3, []string{"Came back within 90 days", "1 (25%)"}},
	}
	for _, tt := range tests {
		got := charts[tt.chart].Table.Rows[tt.row]
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s row %d: got %q, want %q", tt.chart, tt.row, got, tt.want)
		}
	}
	if !strings.Contains(charts[chart.Visits].Desc, "Regulars outnumber first-time diners") {
		t.Errorf("visits desc %q: want the regulars sentence", charts[chart.Visits].Desc)
	}
	if charts[chart.Items].Empty || !charts[chart.Reasons].Empty {
		t.Errorf("empty: items %v (want false), reasons %v (want true: no answers)", charts[chart.Items].Empty, charts[chart.Reasons].Empty)
	}
	if c := chart.Dashboard(insight.Report{}, i18n.ZhTW); !c[chart.Trend].Empty || !c[chart.Callbacks].Empty || !c[chart.Drivers].Empty {
		t.Error("an empty report: want every chart empty")
	}
}

func report() insight.Report {
	return insight.Report{
		TrendBy: "week",
		Trend: []insight.Point{
			{Period: "2026-11-01", Cards: 12, CSAT: 4.5, CSATN: 12, NPS: 20, NPSAvg: 8.1, NPSN: 10},
			{Period: "2026-11-08", Partial: true},
		},
		Summary: insight.Summary{Figures: insight.Figures{
			Cards: 20, Online: 15, Paper: 5, First: 4, Returning: 12, RegularsOutnumberFirst: true,
			Items: []insight.Item{
				{Item: "bread", N: 10, Avg: 4.2, TopBox: 0.4, Impact: 0.3, ImpactN: 10},
				{Item: "soup", N: 10, Avg: 3, TopBox: 0.1, Impact: 0.8, ImpactN: 10},
				{Item: "overall", N: 20, Avg: 4.5, TopBox: 0.6},
			},
			Opportunity: "soup",
			Heard:       []insight.Share{{Key: "friend", N: 9, Share: 0.9}, {Key: "ad", N: 1, Share: 0.1}},
			Reasons:     []insight.Share{{Key: "birthday"}},
			Mains:       []insight.Share{{Key: "ribeye", N: 4, Share: 1}},
			Visits:      []insight.Share{{Key: "1", N: 4, Share: 0.25}, {Key: "2", N: 12, Share: 0.75}},
		},
			Cases:    casework.Stats{Tally: casework.Tally{OpenedApology: 3, OpenedVisit: 1, ContactedWithinSLA: 3, ResolvedFirstContact: 2, Recoverable: 3}},
			Recovery: insight.Recovery{Recoverable: 3, Recovered: 1, Rate: 1.0 / 3},
		},
	}
}

func contains(ss []string, s string) bool { return slices.Contains(ss, s) }

func equalTables(a, b chart.Table) bool {
	if strings.Join(a.Columns, "|") != strings.Join(b.Columns, "|") || len(a.Rows) != len(b.Rows) {
		return false
	}
	for i := range a.Rows {
		if strings.Join(a.Rows[i], "|") != strings.Join(b.Rows[i], "|") {
			return false
		}
	}
	return true
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestFormats: ties round up, as the console's script rounds them
// (Math.floor(x + 0.5)), so a tile and a chart never differ by a digit.
func TestFormats(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{chart.Avg(4.25), "4.3"}, {chart.Avg(4.75), "4.8"}, {chart.Avg(4.349), "4.3"}, {chart.Avg(17.0 / 3), "5.7"},
		{chart.Avg(0), "0.0"}, {chart.Avg(-0.25), "-0.2"}, {chart.Avg(-1.26), "-1.3"},
		{chart.Pct(0.125), "13%"}, {chart.Pct(1.0 / 3), "33%"}, {chart.Pct(1), "100%"},
		{chart.Score(12.5), "13"}, {chart.Score(-12.5), "-12"}, {chart.Score(-33.4), "-33"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
}
