package omr

import (
	"math"
	"sort"
	"strings"

	"github.com/cardloop/cardloop/shared/cardlayout"
)

// Thresholds on a bubble's Fill and Cover (see BubbleRead). Fill is on a
// scale where blank paper is 0 and the printed marks' ink is 1, less the
// page's own blank-bubble level; docs/omr-reading.md shows the measured
// distributions they separate.
const (
	// EmptyFill and EmptyCover: a bubble below both is empty. An erasure
	// that leaves less than this is read as empty.
	EmptyFill  = 0.09
	EmptyCover = 0.08
	// MarkFill: a bubble at or above it is marked. MarkCover with
	// MarkCoverFill: so is one whose interior is partly covered by strong
	// strokes (a tick or a cross) even if their mean is lower.
	MarkFill      = 0.25
	MarkCover     = 0.16
	MarkCoverFill = 0.09
	// SolidFill and SolidCover: a marked bubble this full is a filled one,
	// which is checked for a cross over it.
	SolidFill  = 0.55
	SolidCover = 0.75
	// inkCut is the darkness (above the printed label's own) from which a
	// sample counts as ink for Cover.
	inkCut = 0.30
)

// Bubble states.
const (
	stateEmpty      = "empty"
	stateFaint      = "faint"
	stateMarked     = "marked"
	stateCrossedOut = "crossed_out"
)

// sampler measures bubbles on a registered page.
type sampler struct {
	g       *gray
	h       homography
	bg      *paperMap
	inkRefl float64 // ink level / paper level of the printed marks
	inner   []pt    // interior sample offsets, mm
	arcs    [4][]pt // diagonal arc sample offsets just outside the bubble, mm
}

func newSampler(g *gray, h homography, bg *paperMap, inkRefl float64, diameter float64) *sampler {
	s := &sampler{g: g, h: h, bg: bg, inkRefl: inkRefl}
	rMax := 0.31 * diameter
	s.inner = append(s.inner, pt{})
	for i, n := range []int{6, 12, 18} {
		r := rMax * float64(i+1) / 3
		for k := 0; k < n; k++ {
			a := 2*math.Pi*float64(k)/float64(n) + float64(i)*0.3
			s.inner = append(s.inner, pt{r * math.Cos(a), r * math.Sin(a)})
		}
	}
	// Between the rim and where the printer writes words beside a bubble.
	for q := 0; q < 4; q++ {
		base := math.Pi/4 + float64(q)*math.Pi/2
		for _, dr := range []float64{0.3, 0.6, 0.9} {
			r := diameter/2 + dr
			for k := -2; k <= 2; k++ {
				a := base + float64(k)*5*math.Pi/180
				s.arcs[q] = append(s.arcs[q], pt{r * math.Cos(a), r * math.Sin(a)})
			}
		}
	}
	return s
}

// darkness at mm point p, relative to the local paper level at ref (px):
// 0 is paper, 1 is the printed marks' ink.
func (s *sampler) darkness(p pt, paper float64) float64 {
	q := s.h.apply(p)
	v := s.g.bilinear(q.x, q.y)
	return (1 - v/paper) / (1 - s.inkRefl)
}

// samples returns the darkness at each interior sample point of the bubble
// centred at c (mm), appended to dst.
func (s *sampler) samples(dst []float64, c pt) []float64 {
	cp := s.h.apply(c)
	paper := s.bg.at(cp.x, cp.y)
	for _, o := range s.inner {
		dst = append(dst, s.darkness(pt{c.x + o.x, c.y + o.y}, paper))
	}
	return dst
}

// crossArms counts the diagonal directions in which ink reaches out of the
// bubble b: the arms of a cross drawn over it. Arc samples that fall on
// anything printed (another bubble, the answers' words, labels, texts, box
// edges, marks, the QR code) are skipped; a direction with fewer than three
// clear samples does not count.
func (s *sampler) crossArms(l *cardlayout.Layout, b cardlayout.Bubble) int {
	c := pt{b.X, b.Y}
	cp := s.h.apply(c)
	paper := s.bg.at(cp.x, cp.y)
	arms := 0
	for _, arc := range s.arcs {
		clear := 0
		var radii [3]bool // arc samples are by radius: inner, middle, outer
		for i, o := range arc {
			p := pt{c.x + o.x, c.y + o.y}
			if printed(l, p, b) {
				continue
			}
			clear++
			if s.darkness(p, paper) > 0.5 {
				radii[i*3/len(arc)] = true
			}
		}
		// A fill that spills over the rim darkens the inner radius; a
		// cross's arm runs on through the next.
		if clear >= 3 && (radii[0] && radii[1] || radii[1] && radii[2]) {
			arms++
		}
	}
	return arms
}

// printed reports whether the card has print at p (mm), within 0.4 mm,
// other than bubble self's own rim.
func printed(l *cardlayout.Layout, p pt, self cardlayout.Bubble) bool {
	const m = 0.4
	in := func(r cardlayout.Rect) bool {
		return p.x > r.X-m && p.x < r.X+r.W+m && p.y > r.Y-m && p.y < r.Y+r.H+m
	}
	onEdge := func(r cardlayout.Rect) bool {
		return in(r) && (p.x < r.X+m || p.x > r.X+r.W-m || p.y < r.Y+m || p.y > r.Y+r.H-m)
	}
	rb := l.BubbleDiameter/2 + m
	for _, f := range l.Fields {
		if f.Label != nil && in(*f.Label) {
			return true
		}
		for _, b := range f.Bubbles {
			if b != self && math.Hypot(p.x-b.X, p.y-b.Y) < rb {
				return true
			}
			if r, ok := l.WordsRect(f, b); ok && in(r) {
				return true
			}
		}
	}
	for _, t := range l.Texts {
		if in(t.Rect) {
			return true
		}
	}
	for _, b := range l.Boxes {
		if onEdge(b.Rect) {
			return true
		}
	}
	for _, mk := range l.Marks {
		if in(mk.Square()) {
			return true
		}
	}
	return in(l.QR)
}

// readFields measures every bubble and decides every field.
//
// What is printed inside a bubble (its value, small and light) is measured
// on the page itself: for each printed label, the lower quartile at each
// sample point over all the page's bubbles with that label (most of them
// empty) is the label's own darkness there, and is subtracted. A label
// printed on fewer than four bubbles ("10", "5+") has no such reference:
// its bubbles' Cover is discounted by twice the most any measured label
// covers on this page at the same cut.
func (s *sampler) readFields(l *cardlayout.Layout) []Field {
	n := len(s.inner)
	type bubbleRef struct {
		f   *cardlayout.Field
		b   cardlayout.Bubble
		key string
		d   []float64
	}
	var all []bubbleRef
	groups := map[string][]int{}
	buf := make([]float64, 0, 256*n)
	for fi := range l.Fields {
		f := &l.Fields[fi]
		for _, b := range f.Bubbles {
			start := len(buf)
			buf = s.samples(buf, pt{b.X, b.Y})
			key := labelKey(l, f, b)
			groups[key] = append(groups[key], len(all))
			all = append(all, bubbleRef{f: f, b: b, key: key, d: buf[start:len(buf):len(buf)]})
		}
	}
	refs := map[string][]float64{}
	col := make([]float64, 0, 64)
	for key, members := range groups {
		if len(members) < 4 {
			continue
		}
		ref := make([]float64, n)
		var mean float64
		for k := 0; k < n; k++ {
			col = col[:0]
			for _, m := range members {
				col = append(col, all[m].d[k])
			}
			ref[k] = percentile(col, 0.25)
			mean += ref[k] / float64(n)
		}
		// A reference that looks like ink is not a printed label (a diner
		// who marked most bubbles of a label): do without.
		if mean <= 0.12 {
			refs[key] = ref
		}
	}
	// How much of a bubble the page's labels themselves cover.
	var labelCover float64
	for _, ref := range refs {
		k := 0
		for _, v := range ref {
			if v > inkCut {
				k++
			}
		}
		labelCover = math.Max(labelCover, float64(k)/float64(n))
	}
	fills := make([]float64, len(all))
	covers := make([]float64, len(all))
	for i, br := range all {
		ref := refs[br.key]
		var sum float64
		inked := 0
		for k, d := range br.d {
			if ref != nil {
				d -= ref[k]
			}
			sum += d
			if d > inkCut {
				inked++
			}
		}
		fills[i] = sum / float64(n)
		covers[i] = float64(inked) / float64(n)
		if ref == nil && br.key != "" {
			covers[i] = math.Max(0, covers[i]-2*labelCover)
		}
	}
	// What is left of an empty bubble's darkness (paper estimate, scanner
	// rendering) is the page's low percentile: most bubbles are empty.
	baseFill := clamp(percentile(fills, 0.3), -0.1, 0.15)
	baseCover := clamp(percentile(covers, 0.3), 0, 0.1)

	out := make([]Field, 0, len(l.Fields))
	i := 0
	for fi := range l.Fields {
		f := &l.Fields[fi]
		fr := Field{Name: f.Name, Kind: f.Kind, Bubbles: make([]BubbleRead, len(f.Bubbles))}
		for j, b := range f.Bubbles {
			br := BubbleRead{Value: b.Value, Column: b.Column,
				Fill: fills[i] - baseFill, Cover: math.Max(0, covers[i]-baseCover)}
			br.State = classify(br.Fill, br.Cover)
			if br.State == stateMarked && br.Fill >= SolidFill && br.Cover >= SolidCover && s.crossArms(l, b) >= 2 {
				br.State = stateCrossedOut
			}
			fr.Bubbles[j] = br
			i++
		}
		decide(&fr)
		out = append(out, fr)
	}
	return out
}

// labelKey groups bubbles that look alike when empty: those with the same
// words printed inside, and those with nothing inside (the answer written
// beside the bubble, or a check box).
func labelKey(l *cardlayout.Layout, f *cardlayout.Field, b cardlayout.Bubble) string {
	if f.Kind == cardlayout.Check {
		return ""
	}
	if _, beside := l.WordsRect(*f, b); beside {
		return ""
	}
	if b.Text != "" {
		return "in:" + b.Text
	}
	return "in:" + b.Value
}

func classify(fill, cover float64) string {
	switch {
	case fill >= MarkFill || (cover >= MarkCover && fill >= MarkCoverFill):
		return stateMarked
	case fill < EmptyFill && cover < EmptyCover:
		return stateEmpty
	}
	return stateFaint
}

// bubbleConfidence is how far a bubble is from the thresholds of its state,
// in [0, 1].
func bubbleConfidence(b BubbleRead) float64 {
	switch b.State {
	case stateEmpty:
		return clamp(math.Min((EmptyFill-b.Fill)/EmptyFill, (EmptyCover-b.Cover)/EmptyCover), 0, 1)
	case stateMarked:
		return clamp(math.Max((b.Fill-MarkFill)/0.3, (b.Cover-MarkCover)/0.3), 0, 1)
	}
	return 0
}

// choice is the outcome of one single choice (a One field, a Check, or a
// Digits column).
type choice struct {
	value      string
	uncertain  bool
	reason     string
	candidates []string
	conf       float64
}

// decideChoice applies the rules to the bubbles of one single choice.
// empty is the value when nothing is marked ("" or "false").
func decideChoice(bs []BubbleRead, empty string) choice {
	var marked, crossed, faint []BubbleRead
	minConf := 1.0
	for _, b := range bs {
		switch b.State {
		case stateMarked:
			marked = append(marked, b)
		case stateCrossedOut:
			crossed = append(crossed, b)
		case stateFaint:
			faint = append(faint, b)
		}
		minConf = math.Min(minConf, bubbleConfidence(b))
	}
	byFill := func(s []BubbleRead) []string {
		sort.SliceStable(s, func(i, j int) bool { return s[i].Fill > s[j].Fill })
		var v []string
		for _, b := range s {
			v = append(v, b.Value)
		}
		return v
	}
	switch {
	case len(crossed) > 0:
		c := choice{uncertain: true, reason: ReasonCrossedOut, conf: 0.25}
		c.candidates = append(byFill(marked), empty)
		c.candidates = append(c.candidates, byFill(crossed)...)
		return c
	case len(marked) >= 2:
		v := byFill(marked)
		ratio := marked[1].Fill / math.Max(marked[0].Fill, 1e-9)
		return choice{uncertain: true, reason: ReasonDouble, candidates: v, conf: 0.5 * clamp(1-ratio, 0, 1)}
	case len(faint) > 0:
		f := byFill(faint)
		p := clamp((faint[0].Fill-EmptyFill)/(MarkFill-EmptyFill), 0, 1)
		c := choice{uncertain: true, reason: ReasonFaint, conf: 0.5 * math.Abs(2*p-1)}
		if len(marked) == 1 {
			c.candidates = append([]string{marked[0].Value}, f...)
		} else {
			c.candidates = append(f, empty)
		}
		return c
	case len(marked) == 1:
		return choice{value: marked[0].Value, conf: 0.5 + 0.5*minConf}
	}
	return choice{value: empty, conf: 0.5 + 0.5*minConf}
}

// decide sets a field's value, or its uncertainty, from its bubbles.
func decide(f *Field) {
	switch f.Kind {
	case cardlayout.Check:
		c := decideChoice(f.Bubbles, "false")
		if !c.uncertain && c.value != "false" {
			c.value = "true"
		}
		for i, v := range c.candidates {
			if v != "false" {
				c.candidates[i] = "true"
			}
		}
		c.candidates = dedupe(c.candidates)
		setChoice(f, c)
	case cardlayout.Digits:
		decideDigits(f)
	default:
		setChoice(f, decideChoice(f.Bubbles, ""))
	}
}

func setChoice(f *Field, c choice) {
	f.Confidence = c.conf
	if c.uncertain {
		f.Uncertain, f.Reason, f.Candidates = true, c.reason, dedupe(c.candidates)
		return
	}
	f.Value = c.value
}

// decideDigits reads a digit grid column by column: the value is the marked
// digits in column order; trailing unmarked columns end it; an unmarked
// column before a marked one (a gap, or a leading blank) makes the field
// uncertain, as does any uncertain column.
func decideDigits(f *Field) {
	ncol := 0
	for _, b := range f.Bubbles {
		ncol = max(ncol, b.Column+1)
	}
	cols := make([]choice, ncol)
	for c := 0; c < ncol; c++ {
		var bs []BubbleRead
		for _, b := range f.Bubbles {
			if b.Column == c {
				bs = append(bs, b)
			}
		}
		cols[c] = decideChoice(bs, "")
	}
	last := -1
	for c, ch := range cols {
		if ch.uncertain || ch.value != "" {
			last = c
		}
	}
	conf := 1.0
	for _, ch := range cols {
		conf = math.Min(conf, ch.conf)
	}
	var reason string
	for c := 0; c <= last && reason == ""; c++ {
		if cols[c].uncertain {
			reason = cols[c].reason
		} else if cols[c].value == "" {
			reason = ReasonGap
			conf = math.Min(conf, 0.25)
		}
	}
	if reason == "" {
		var sb strings.Builder
		for c := 0; c <= last; c++ {
			sb.WriteString(cols[c].value)
		}
		f.Value, f.Confidence = sb.String(), conf
		return
	}
	f.Uncertain, f.Reason, f.Confidence = true, reason, math.Min(conf, 0.49)
	// Candidates: each column's first candidate, then the alternatives of
	// the first uncertain column.
	pick := func(alt int, altVal string) string {
		var sb strings.Builder
		for c := 0; c <= last; c++ {
			v := cols[c].value
			if cols[c].uncertain && len(cols[c].candidates) > 0 {
				v = cols[c].candidates[0]
			}
			if c == alt {
				v = altVal
			}
			sb.WriteString(v)
		}
		return sb.String()
	}
	f.Candidates = []string{pick(-1, "")}
	for c := 0; c <= last; c++ {
		if cols[c].uncertain {
			for _, v := range cols[c].candidates[1:] {
				f.Candidates = append(f.Candidates, pick(c, v))
			}
			break
		}
	}
	f.Candidates = dedupe(f.Candidates)
	if len(f.Candidates) > 4 {
		f.Candidates = f.Candidates[:4]
	}
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func clamp(v, lo, hi float64) float64 {
	return math.Max(lo, math.Min(hi, v))
}

// percentile of a copy of v (q in [0, 1]).
func percentile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[int(q*float64(len(s)-1))]
}
