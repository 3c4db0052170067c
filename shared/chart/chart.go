// Package chart draws the dashboard's charts as SVG on the server: bars,
// small-multiple lines and a scatter, each with a <title> and a <desc> (the
// chart is one image to a screen reader, role="img"), every value written
// as text beside its mark, and the same numbers as a table for the "show
// as table" view. It is pure: no HTTP, no AWS, no script, nothing loaded
// from anywhere, so the console, an e-mail or a test draws the same chart
// from the same figures.
//
// The drawing is sized for a phone: a viewBox 360 units wide, drawn at the
// width of its container, with 11–13 unit text, so at 390 px a unit is
// about a pixel. Colours keep at least 4.5:1 against white (text) and
// 3:1 (marks), and a highlighted mark is also named in words, never by
// colour only.
package chart

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Chart is one drawn chart and the same numbers as a table.
type Chart struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Desc  string `json:"desc"`
	SVG   string `json:"svg"`
	Table Table  `json:"table"`
}

// Table is a chart's numbers: a header row and rows whose first cell names
// the row. Every value cell reads exactly as the chart writes it.
type Table struct {
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
}

// Width is the width of every chart's viewBox.
const Width = 360

// Colours: series in order, the highlight, text, muted text and grid lines.
// Every one is at least 4.5:1 against white.
var (
	SeriesColours = []string{"#7a1f1f", "#1f5f8b", "#2e6b30"}
	Highlight     = "#a84300"
	ink           = "#1f1a17"
	muted         = "#5b524c"
	grid          = "#8c8279"
)

// esc makes s safe as XML text or attribute value.
func esc(s string) string { return html.EscapeString(s) }

// svg wraps body in the chart's root element: sized by the viewBox, named
// by its title and described by its desc.
func svg(id, title, desc string, height float64, body string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %s" width="100%%" role="img" aria-labelledby="%s-t %s-d" class="chart" data-chart="%s" font-family="system-ui, sans-serif" font-size="12">`,
		Width, num(height), esc(id), esc(id), esc(id))
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, esc(id), esc(title), esc(id), esc(desc))
	b.WriteString(body)
	b.WriteString(`</svg>`)
	return b.String()
}

// num writes a coordinate with at most one decimal.
func num(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	return strings.TrimSuffix(s, ".0")
}

// text writes a text element.
func text(x, y float64, anchor, fill, weight string, size float64, s string) string {
	w := ""
	if weight != "" {
		w = ` font-weight="` + weight + `"`
	}
	return fmt.Sprintf(`<text x="%s" y="%s" text-anchor="%s" fill="%s" font-size="%s"%s>%s</text>`,
		num(x), num(y), anchor, fill, num(size), w, esc(s))
}

// describe writes a table as sentences, for the chart's <desc>: the lead
// sentence, then "row: column value, column value" for each row.
func describe(lead string, t Table) string {
	parts := []string{}
	if lead != "" {
		parts = append(parts, lead)
	}
	for _, r := range t.Rows {
		cells := make([]string, 0, len(r)-1)
		for i := 1; i < len(r) && i < len(t.Columns); i++ {
			cells = append(cells, t.Columns[i]+" "+r[i])
		}
		parts = append(parts, r[0]+": "+strings.Join(cells, ", "))
	}
	return strings.Join(parts, "; ")
}

// Series is one set of bars (or one line panel): a value per category,
// scaled so that Max fills the bar, and the text written for each value.
type Series struct {
	Name   string
	Max    float64
	Values []float64
	Text   []string // what the chart and the table say for each value
}

// Bars describes a horizontal bar chart: each category's label on its own
// line (long Chinese labels never squeeze the bars), then a bar per series
// with its value written at its end. Highlight is the index of a category
// to mark (-1 for none), named in words by HighlightNote.
type Bars struct {
	ID, Title, Lead string
	Category        string // the table's first column
	Labels          []string
	Series          []Series
	Highlight       int
	HighlightNote   string
	// Notes, when set, are written after each label ("12 answers") and
	// make the table's last column, named NoteName.
	Notes    []string
	NoteName string
}

// Draw renders the bar chart.
func (c Bars) Draw() Chart {
	const left, right, barH, gap, labelH = 8.0, 84.0, 13.0, 3.0, 17.0
	plotW := Width - left - right
	var b strings.Builder
	y := 4.0
	if len(c.Series) > 1 { // a legend, one series a line
		for i, s := range c.Series {
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="12" height="12" fill="%s"/>`, num(left), num(y+2), SeriesColours[i%len(SeriesColours)])
			b.WriteString(text(left+18, y+12, "start", ink, "", 12, s.Name))
			y += 17
		}
		y += 4
	}
	for i, label := range c.Labels {
		hl := i == c.Highlight
		l := label
		if n := cell(c.Notes, i); n != "" {
			l += " (" + n + ")"
		}
		if hl && c.HighlightNote != "" {
			l += " — " + c.HighlightNote
		}
		weight := ""
		if hl {
			weight = "700"
		}
		b.WriteString(text(left, y+12, "start", ink, weight, 12.5, l))
		y += labelH
		for si, s := range c.Series {
			v := value(s.Values, i)
			w := 0.0
			if s.Max > 0 && v > 0 {
				w = math.Min(1, v/s.Max) * plotW
			}
			colour := SeriesColours[si%len(SeriesColours)]
			if hl {
				colour = Highlight
			}
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" data-value="%s"/>`,
				num(left), num(y), num(math.Max(w, 1)), num(barH), colour, esc(cell(s.Text, i)))
			b.WriteString(text(left+math.Max(w, 1)+4, y+barH-2.5, "start", ink, "", 11.5, cell(s.Text, i)))
			y += barH + gap
		}
		y += 6
	}
	t := Table{Columns: []string{c.Category}}
	for _, s := range c.Series {
		t.Columns = append(t.Columns, s.Name)
	}
	if c.Notes != nil {
		t.Columns = append(t.Columns, c.NoteName)
	}
	for i, label := range c.Labels {
		if i == c.Highlight && c.HighlightNote != "" {
			label += " — " + c.HighlightNote
		}
		row := []string{label}
		for _, s := range c.Series {
			row = append(row, cell(s.Text, i))
		}
		if c.Notes != nil {
			row = append(row, cell(c.Notes, i))
		}
		t.Rows = append(t.Rows, row)
	}
	desc := describe(c.Lead, t)
	return Chart{ID: c.ID, Title: c.Title, Desc: desc, SVG: svg(c.ID, c.Title, desc, y+2, b.String()), Table: t}
}

func value(vs []float64, i int) float64 {
	if i < len(vs) {
		return vs[i]
	}
	return 0
}

func cell(ss []string, i int) string {
	if i < len(ss) {
		return ss[i]
	}
	return ""
}

// Lines describes small multiples: one panel per series over the same
// steps (weeks or months), each with its own scale, so a score on 5, a
// score on ±100 and a count are never drawn against one axis. A step
// whose Missing is true has no answer and no point (the line breaks).
type Lines struct {
	ID, Title, Lead string
	Step            string   // the table's first column ("Week")
	Labels          []string // each step, as the table writes it
	Ticks           []string // each step, short, under the last panel
	Panels          []Series
	Mins            []float64 // each panel's lowest value on its scale
	Missing         [][]bool  // per panel, per step
}

// Draw renders the panels.
func (c Lines) Draw() Chart {
	const left, right, panelH, titleH = 14.0, 14.0, 64.0, 18.0
	n := len(c.Labels)
	plotW := Width - left - right
	xOf := func(i int) float64 {
		if n <= 1 {
			return left + plotW/2
		}
		return left + plotW*float64(i)/float64(n-1)
	}
	// Write every value only when they fit; otherwise the first, the last
	// and the extremes (the table has them all, and every point carries
	// its value).
	every := n <= 10
	var b strings.Builder
	y := 2.0
	for pi, p := range c.Panels {
		colour := SeriesColours[pi%len(SeriesColours)]
		b.WriteString(text(left-10, y+13, "start", ink, "700", 12.5, p.Name))
		y += titleH
		top, bottom := y+14, y+panelH-6
		lo := value(c.Mins, pi)
		yOf := func(v float64) float64 {
			if p.Max <= lo {
				return bottom
			}
			return bottom - (math.Max(lo, math.Min(v, p.Max))-lo)/(p.Max-lo)*(bottom-top)
		}
		fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(left), num(Width-right), num(bottom), num(bottom), grid)
		missing := func(i int) bool { return pi < len(c.Missing) && i < len(c.Missing[pi]) && c.Missing[pi][i] }
		hi, low := -1, -1
		for i := range n {
			if missing(i) {
				continue
			}
			if hi < 0 || value(p.Values, i) > value(p.Values, hi) {
				hi = i
			}
			if low < 0 || value(p.Values, i) < value(p.Values, low) {
				low = i
			}
		}
		var path []string
		for i := range n {
			if missing(i) {
				if len(path) > 1 {
					fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(path, " "), colour)
				}
				path = nil
				continue
			}
			path = append(path, num(xOf(i))+","+num(yOf(value(p.Values, i))))
		}
		if len(path) > 1 {
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(path, " "), colour)
		}
		for i := range n {
			if missing(i) {
				continue
			}
			x, py := xOf(i), yOf(value(p.Values, i))
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="3.5" fill="%s" data-value="%s"><title>%s</title></circle>`,
				num(x), num(py), colour, esc(cell(p.Text, i)), esc(cell(c.Labels, i)+": "+cell(p.Text, i)))
			if every || i == 0 || i == n-1 || i == hi || i == low {
				anchor := "middle"
				if i == 0 && n > 1 {
					anchor = "start"
				} else if i == n-1 && n > 1 {
					anchor = "end"
				}
				b.WriteString(text(x, py-7, anchor, ink, "", 11, cell(p.Text, i)))
			}
		}
		y += panelH
	}
	// Step ticks under the last panel, as many as fit.
	stride := 1
	for n/stride > 6 {
		stride++
	}
	for i := 0; i < n; i += stride {
		anchor := "middle"
		switch {
		case i == 0 && n > 1:
			anchor = "start"
		case i == n-1 && n > 1:
			anchor = "end"
		}
		b.WriteString(text(xOf(i), y+12, anchor, muted, "", 11, cell(c.Ticks, i)))
	}
	y += 18
	t := Table{Columns: []string{c.Step}}
	for _, p := range c.Panels {
		t.Columns = append(t.Columns, p.Name)
	}
	for i, l := range c.Labels {
		row := []string{l}
		for _, p := range c.Panels {
			row = append(row, cell(p.Text, i))
		}
		t.Rows = append(t.Rows, row)
	}
	desc := describe(c.Lead, t)
	return Chart{ID: c.ID, Title: c.Title, Desc: desc, SVG: svg(c.ID, c.Title, desc, y, b.String()), Table: t}
}

// Point is one labelled point of a scatter.
type Point struct {
	Label  string
	X, Y   float64
	XText  string
	YText  string
	Strong bool // highlighted, and named in words by the chart's StrongNote
}

// Scatter describes a scatter of labelled points (the driver chart: an
// item's impact on overall across, its average up).
type Scatter struct {
	ID, Title, Lead     string
	Category            string // the table's first column
	XName, YName        string
	XMin, XMax          float64
	YMin, YMax          float64
	Points              []Point
	StrongNote          string
	XLowNote, XHighNote string // words under the two ends of the x axis
}

// Draw renders the scatter.
func (c Scatter) Draw() Chart {
	const left, right, top, plotH = 34.0, 12.0, 26.0, 200.0
	plotW := Width - left - right
	bottom := top + plotH
	xOf := func(v float64) float64 {
		return left + (math.Max(c.XMin, math.Min(v, c.XMax))-c.XMin)/(c.XMax-c.XMin)*plotW
	}
	yOf := func(v float64) float64 {
		return bottom - (math.Max(c.YMin, math.Min(v, c.YMax))-c.YMin)/(c.YMax-c.YMin)*plotH
	}
	var b strings.Builder
	b.WriteString(text(4, 14, "start", ink, "700", 12, c.YName))
	fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="%s"/>`, num(left), num(left), num(top), num(bottom), grid)
	fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="%s"/>`, num(left), num(Width-right), num(bottom), num(bottom), grid)
	for v := math.Ceil(c.YMin); v <= c.YMax; v++ {
		b.WriteString(text(left-6, yOf(v)+4, "end", muted, "", 11, fmt.Sprintf("%.0f", v)))
	}
	for _, v := range []float64{c.XMin, (c.XMin + c.XMax) / 2, c.XMax} {
		b.WriteString(text(xOf(v), bottom+14, "middle", muted, "", 11, fmt.Sprintf("%.1f", v)))
	}
	b.WriteString(text(left, bottom+30, "start", muted, "", 11, c.XLowNote))
	b.WriteString(text(Width-right, bottom+30, "end", muted, "", 11, c.XHighNote))
	b.WriteString(text(left+plotW/2, bottom+46, "middle", ink, "700", 12, c.XName))
	type box struct{ x1, x2, y float64 }
	var placed []box
	for _, p := range c.Points {
		x, y := xOf(p.X), yOf(p.Y)
		label := p.Label + " " + p.YText
		if p.Strong {
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="10" height="10" fill="%s" transform="rotate(45 %s %s)" data-value="%s"/>`,
				num(x-5), num(y-5), Highlight, num(x), num(y), esc(p.YText))
			if c.StrongNote != "" {
				label += " — " + c.StrongNote
			}
		} else {
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="4" fill="%s" data-value="%s"/>`, num(x), num(y), SeriesColours[0], esc(p.YText))
		}
		weight := ""
		if p.Strong {
			weight = "700"
		}
		// The label goes to the right of its point (left where there is no
		// room), else just above or below, where no other label is.
		w := textWidth(label, 11)
		right, leftSide := x+7, x-7-w
		if right+w > Width-2 {
			right, leftSide = leftSide, right
		}
		free := func(x1, ly float64) bool {
			if x1 < 0 || x1+w > Width {
				return false
			}
			for _, o := range placed {
				if math.Abs(o.y-ly) < 12 && x1 < o.x2 && o.x1 < x1+w {
					return false
				}
			}
			return true
		}
		x1, ly := right, y+4
	place:
		for _, dy := range []float64{4, -8, 16, -20, 28, -32, 40} {
			for _, side := range []float64{right, leftSide} {
				if free(side, y+dy) {
					x1, ly = side, y+dy
					break place
				}
			}
		}
		placed = append(placed, box{x1, x1 + w, ly})
		b.WriteString(text(x1, ly, "start", ink, weight, 11, label))
	}
	t := Table{Columns: []string{c.Category, c.YName, c.XName}}
	for _, p := range c.Points {
		l := p.Label
		if p.Strong && c.StrongNote != "" {
			l += " — " + c.StrongNote
		}
		t.Rows = append(t.Rows, []string{l, p.YText, p.XText})
	}
	desc := describe(c.Lead, t)
	return Chart{ID: c.ID, Title: c.Title, Desc: desc, SVG: svg(c.ID, c.Title, desc, bottom+54, b.String()), Table: t}
}

// textWidth estimates the width of s at size: a Chinese character is about
// an em, a Latin one about 0.6 em.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x2E80 {
			w += size
		} else {
			w += 0.6 * size
		}
	}
	return w
}
