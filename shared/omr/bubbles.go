package omr

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/cardloop/cardloop/shared/cardlayout"
)

// Thresholds on a bubble's Fill and Cover (see BubbleRead). Fill is on a
// scale where blank paper is 0 and the printed marks' ink is 1, less the
// page's own blank-bubble level; docs/omr.md ("Reading") shows the measured
// distributions they separate.
const (
	// EmptyFill and EmptyCover: a bubble below both is empty. An erasure
	// that leaves less than this is read as empty.
	EmptyFill  = 0.09
	EmptyCover = 0.08
	// EmptyCoverBare replaces EmptyCover for a bubble whose printed label
	// the page could not measure (a label printed on fewer than four
	// bubbles, like "10"): its own label may count as a little cover.
	EmptyCoverBare = 0.14
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

// geometry is what the reader derives once from a layout: where to sample
// in and around a bubble, and for each bubble its label group and which of
// its arc samples fall clear of anything printed.
type geometry struct {
	l       *cardlayout.Layout
	corners [4]pt
	inner   []pt    // interior sample offsets, mm
	arcs    [4][]pt // diagonal arc samples just outside the rim, by radius
	bubbles []bubbleGeom
	// Rim samples for local alignment: on the printed rim, and on circles
	// just inside and just outside it.
	rim, rimIn, rimOut []pt
	// groups of bubbles aligned together: a field, or a digit column.
	groups []alignGroup
}

type alignGroup struct {
	members []int // indexes into bubbles
	probe   []int // up to five members, spread out, measured to align
}

type bubbleGeom struct {
	field *cardlayout.Field
	b     cardlayout.Bubble
	key   string
	clear [4]uint32 // bit i set: arcs[q][i] is clear of print
}

func newGeometry(l *cardlayout.Layout) (*geometry, error) {
	corners, ok := layoutCorners(l)
	if !ok {
		return nil, fmt.Errorf("layout %d has %d registration marks, want 4", l.Version, len(l.Marks))
	}
	g := &geometry{l: l, corners: corners}
	d := l.BubbleDiameter
	rMax := 0.31 * d
	g.inner = append(g.inner, pt{})
	for i, n := range []int{6, 12, 18} {
		r := rMax * float64(i+1) / 3
		for k := 0; k < n; k++ {
			a := 2*math.Pi*float64(k)/float64(n) + float64(i)*0.3
			g.inner = append(g.inner, pt{r * math.Cos(a), r * math.Sin(a)})
		}
	}
	// Between the rim and where the printer writes words beside a bubble.
	for q := 0; q < 4; q++ {
		base := math.Pi/4 + float64(q)*math.Pi/2
		for _, dr := range []float64{0.3, 0.6, 0.9} {
			r := d/2 + dr
			for k := -2; k <= 2; k++ {
				a := base + float64(k)*5*math.Pi/180
				g.arcs[q] = append(g.arcs[q], pt{r * math.Cos(a), r * math.Sin(a)})
			}
		}
	}
	const rimLine = 0.25
	rr := d/2 - rimLine/2
	for k := 0; k < 12; k++ {
		a := 2 * math.Pi * (float64(k) + 0.5) / 12
		c, sn := math.Cos(a), math.Sin(a)
		g.rim = append(g.rim, pt{rr * c, rr * sn})
		g.rimIn = append(g.rimIn, pt{(rr - 0.45) * c, (rr - 0.45) * sn})
		g.rimOut = append(g.rimOut, pt{(rr + 0.45) * c, (rr + 0.45) * sn})
	}
	for fi := range l.Fields {
		f := &l.Fields[fi]
		byCol := map[int]int{} // column → index in g.groups
		for _, b := range f.Bubbles {
			bg := bubbleGeom{field: f, b: b, key: labelKey(l, f, b)}
			for q, arc := range g.arcs {
				for i, o := range arc {
					if !printed(l, pt{b.X + o.x, b.Y + o.y}, b) {
						bg.clear[q] |= 1 << i
					}
				}
			}
			col := 0
			if f.Kind == cardlayout.Digits {
				col = b.Column
			}
			gi, ok := byCol[col]
			if !ok {
				gi = len(g.groups)
				byCol[col] = gi
				g.groups = append(g.groups, alignGroup{})
			}
			g.groups[gi].members = append(g.groups[gi].members, len(g.bubbles))
			g.bubbles = append(g.bubbles, bg)
		}
	}
	for i := range g.groups {
		m := g.groups[i].members
		n := min(5, len(m))
		for k := 0; k < n; k++ {
			g.groups[i].probe = append(g.groups[i].probe, m[k*(len(m)-1)/max(1, n-1)])
		}
	}
	return g, nil
}

// sampler measures bubbles on a registered page.
type sampler struct {
	g       *gray
	h       homography
	bg      *paperMap
	inkRefl float64 // ink level / paper level of the printed marks
	geo     *geometry
	off     []pt   // per bubble: local shift found by align, mm
	lost    []bool // per bubble: its group's rims were not found
}

// Local alignment (align): the search steps and range, mm; the least rim
// contrast (darkness) that counts as seen; a page whose median rim contrast
// is below rimLost does not register at all; rimNominal stands in for the
// page's when too few groups look empty to measure it. Printed rims measure
// 0.24 (a blurred, noisy 150 dpi JPEG) to 0.65 (a clean 300 dpi scan).
const (
	alignStep  = 0.3
	alignReach = 4 // steps each way: ±1.2 mm
	rimSeen    = 0.06
	rimLost    = 0.1
	rimNominal = 0.3
)

// rimContrast is how well the printed rims of the probe bubbles sit under
// the rim samples when shifted by o (mm). At each of the 12 points around a
// rim, the contrast is the rim's darkness less the darker of the points
// just inside and just outside it (so a filled bubble gives nothing); a
// bubble's contrast is the median of its points (a true rim is dark all the
// way round, a line crossing the circle is not), at least 0; the probes'
// contrasts are averaged. empty counts the probes that look empty (light
// just inside the rim).
func (s *sampler) rimContrast(probe []int, o pt) (contrast float64, empty int) {
	g := s.geo
	var pc [12]float64
	for _, bi := range probe {
		b := g.bubbles[bi].b
		c := pt{b.X + o.x, b.Y + o.y}
		cp := s.h.apply(c)
		paper := s.bg.at(cp.x, cp.y)
		var in float64
		for k := range g.rim {
			r := s.darkness(pt{c.x + g.rim[k].x, c.y + g.rim[k].y}, paper)
			i := s.darkness(pt{c.x + g.rimIn[k].x, c.y + g.rimIn[k].y}, paper)
			u := s.darkness(pt{c.x + g.rimOut[k].x, c.y + g.rimOut[k].y}, paper)
			pc[k] = r - math.Max(i, u)
			in += i
		}
		sortSmall(pc[:len(g.rim)])
		contrast += math.Max(0, pc[len(g.rim)/2])
		if in/float64(len(g.rim)) < 0.2 {
			empty++
		}
	}
	return contrast / float64(len(probe)), empty
}

// sortSmall is an insertion sort, for a dozen values.
func sortSmall(v []float64) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

// align finds, for each group of bubbles (a field, or a digit column), the
// shift within ±1.2 mm that best centres the printed rims under the
// samples: a paper that slipped in a sheet feeder or curled is not a
// projective image of the card, and the four marks alone leave bubbles in
// the middle of the card off by up to a millimetre.
//
// Rims are judged against the page's own rim contrast (the median over
// groups that look empty). A group sees its rims when its best contrast is
// at least 40 % of what its empty-looking bubbles should show; one that
// does not keeps no shift of its own and borrows its nearest seeing
// neighbour's. A group with two or more empty-looking bubbles that does not
// see its rims is lost (its fields become uncertain), and so is every group
// when the page as a whole shows none (a card printed from another layout
// than its QR code names).
func (s *sampler) align() {
	g := s.geo
	s.off = make([]pt, len(g.bubbles))
	s.lost = make([]bool, len(g.bubbles))
	type found struct {
		best         pt
		c            float64
		empty, probe int
	}
	res := make([]found, len(g.groups))
	var emptyC []float64
	for gi, gr := range g.groups {
		c0, empty := s.rimContrast(gr.probe, pt{})
		best, bestC := pt{}, c0
		try := func(o pt) {
			if c, _ := s.rimContrast(gr.probe, o); c > bestC {
				best, bestC = o, c
			}
		}
		for y := -1; y <= 1; y++ {
			for x := -1; x <= 1; x++ {
				if x != 0 || y != 0 {
					try(pt{float64(x) * alignStep, float64(y) * alignStep})
				}
			}
		}
		if best != (pt{}) || bestC < rimSeen {
			// Not centred, or not seen: search the whole range.
			for y := -alignReach; y <= alignReach; y++ {
				for x := -alignReach; x <= alignReach; x++ {
					if max(abs(x), abs(y)) > 1 {
						try(pt{float64(x) * alignStep, float64(y) * alignStep})
					}
				}
			}
		}
		b0 := best
		for y := -1; y <= 1; y++ {
			for x := -1; x <= 1; x++ {
				if x != 0 || y != 0 {
					try(pt{b0.x + float64(x)*alignStep/2, b0.y + float64(y)*alignStep/2})
				}
			}
		}
		res[gi] = found{best, bestC, empty, len(gr.probe)}
		if empty == len(gr.probe) && empty >= 2 {
			emptyC = append(emptyC, bestC)
		}
	}
	pageRim, pageLost := rimNominal, false
	if len(emptyC) >= 3 {
		pageRim = percentile(emptyC, 0.5)
		pageLost = pageRim < rimLost
	}
	seen := make([]bool, len(g.groups))
	for gi, gr := range g.groups {
		r := res[gi]
		expect := pageRim * float64(r.empty) / float64(r.probe)
		seen[gi] = !pageLost && r.c >= math.Max(rimSeen, 0.4*expect)
		lost := pageLost || !seen[gi] && r.empty >= 2
		for _, m := range gr.members {
			if seen[gi] {
				s.off[m] = r.best
			}
			s.lost[m] = lost
		}
	}
	// A group with no rims to see (a filled check box) takes the shift of
	// the nearest group that saw its own, within 30 mm.
	for gi, gr := range g.groups {
		if seen[gi] {
			continue
		}
		c := g.groupCentre(gi)
		near, nd := -1, 30.0
		for gj := range g.groups {
			if seen[gj] {
				if d := c.dist(g.groupCentre(gj)); d < nd {
					near, nd = gj, d
				}
			}
		}
		if near >= 0 {
			for _, m := range gr.members {
				s.off[m] = s.off[g.groups[near].members[0]]
			}
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// groupCentre is the mean position of a group's bubbles, mm.
func (g *geometry) groupCentre(gi int) pt {
	var c pt
	m := g.groups[gi].members
	for _, bi := range m {
		c.x += g.bubbles[bi].b.X / float64(len(m))
		c.y += g.bubbles[bi].b.Y / float64(len(m))
	}
	return c
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
	for _, o := range s.geo.inner {
		dst = append(dst, s.darkness(pt{c.x + o.x, c.y + o.y}, paper))
	}
	return dst
}

// crossArms counts the diagonal directions in which ink reaches out of the
// bubble: the arms of a cross drawn over it. Arc samples that fall on
// anything printed (another bubble, the answers' words, labels, texts, box
// edges, marks, the QR code) are skipped; a direction with fewer than three
// clear samples does not count.
func (s *sampler) crossArms(bg *bubbleGeom, off pt) int {
	c := pt{bg.b.X + off.x, bg.b.Y + off.y}
	cp := s.h.apply(c)
	paper := s.bg.at(cp.x, cp.y)
	arms := 0
	for q, arc := range s.geo.arcs {
		clear := 0
		var radii [3]bool // arc samples are by radius: inner, middle, outer
		for i, o := range arc {
			if bg.clear[q]&(1<<i) == 0 {
				continue
			}
			clear++
			if s.darkness(pt{c.x + o.x, c.y + o.y}, paper) > 0.5 {
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
	if l.Code != nil && in(*l.Code) {
		return true
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
func (s *sampler) readFields() []Field {
	l := s.geo.l
	n := len(s.geo.inner)
	type bubbleRef struct {
		key string
		d   []float64
	}
	all := make([]bubbleRef, 0, len(s.geo.bubbles))
	groups := map[string][]int{}
	buf := make([]float64, 0, len(s.geo.bubbles)*n)
	s.align()
	for bi, bg := range s.geo.bubbles {
		start := len(buf)
		buf = s.samples(buf, pt{bg.b.X + s.off[bi].x, bg.b.Y + s.off[bi].y})
		groups[bg.key] = append(groups[bg.key], len(all))
		all = append(all, bubbleRef{key: bg.key, d: buf[start:len(buf):len(buf)]})
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
	tones := make([]float64, len(all))
	bare := make([]bool, len(all))
	lf := make([]float64, n)
	for i, br := range all {
		ref := refs[br.key]
		var sum float64
		inked := 0
		for k, d := range br.d {
			if ref != nil {
				d -= ref[k]
			}
			lf[k] = d
			sum += d
			if d > inkCut {
				inked++
			}
		}
		fills[i] = sum / float64(n)
		covers[i] = float64(inked) / float64(n)
		tones[i] = tone(lf)
		if ref == nil && br.key != "" {
			covers[i] = math.Max(0, covers[i]-2*labelCover)
			bare[i] = true
		}
	}
	// What is left of an empty bubble's darkness (paper estimate, scanner
	// rendering) is the page's low percentile: most bubbles are empty.
	baseFill := clamp(percentile(fills, 0.3), -0.1, 0.15)
	baseCover := clamp(percentile(covers, 0.3), 0, 0.1)
	light := lightLevel(tones, baseFill)
	emptyFill := pageEmptyFill(fills, baseFill)

	out := make([]Field, 0, len(l.Fields))
	i := 0
	for fi := range l.Fields {
		f := &l.Fields[fi]
		fr := Field{Name: f.Name, Kind: f.Kind, Bubbles: make([]BubbleRead, len(f.Bubbles))}
		lost := false
		for j, b := range f.Bubbles {
			lost = lost || s.lost[i]
			br := BubbleRead{Value: b.Value, Column: b.Column,
				Fill: fills[i] - baseFill, Cover: math.Max(0, covers[i]-baseCover), bare: bare[i]}
			br.State = classify(br.Fill, br.Cover, bare[i])
			if br.State == stateEmpty && !bare[i] && br.Fill >= emptyFill {
				// Clearly darker than this page's empty bubbles: a light
				// tick, say, is not nothing.
				br.State = stateFaint
			}
			if br.State == stateFaint && light > 0 && tones[i]-baseFill >= light && br.Fill >= LightCoverage*(tones[i]-baseFill) {
				// As dark as this page's own marks, and filled like them:
				// a mark of a light instrument.
				br.State, br.light = stateMarked, true
			}
			if br.State == stateMarked && br.Fill >= SolidFill && br.Cover >= SolidCover && s.crossArms(&s.geo.bubbles[i], s.off[i]) >= 2 {
				br.State = stateCrossedOut
			}
			fr.Bubbles[j] = br
			i++
		}
		decide(&fr)
		if lost {
			// Whatever the bubbles say, they may not be where they were
			// measured.
			if !fr.Uncertain {
				fr.Candidates = []string{fr.Value}
			}
			fr.Value, fr.Uncertain, fr.Reason, fr.Confidence = "", true, ReasonRegistration, 0
		}
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

// Light instruments. A page marked throughout with a light pencil has
// marks whose Fill is below MarkFill, yet far darker than the page's empty
// bubbles and printed rims. Each bubble's tone is the mean darkness of its
// darkest third of samples (how dark the instrument is, whatever share of
// the bubble it covers); the page's mark tone is the median tone of its clearly
// non-empty bubbles (tone ≥ lightMin, at least lightMarks of them). On a
// page whose mark tone is at most LightPage, a faint bubble is marked when
// its tone is at least LightTone of the page's mark tone, and at least
// LightMinTone, and its Fill at least LightCoverage of its tone (filled,
// not touched). A lone faint touch on a page marked in pen or pencil stays
// faint (its tone is far below the page's marks, and such a page is not
// light at all), and so does a faint touch on a light-pencil page: a touch
// of darkness 0.22 measured 0.70 of the median tone of a page marked at
// 0.30 and 0.36, the page's lightest partial fills 0.76 (docs/omr.md).
const (
	LightPage     = 0.5
	LightTone     = 0.73
	LightMinTone  = 0.15
	LightCoverage = 0.5
	lightMin      = 0.12
	lightMarks    = 5
)

// Empty bubbles, page by page. EmptyFill is the most an empty bubble's
// Fill may be on a poor scan; on a page whose empty bubbles are uniform
// (most are: low noise, little blur), a bubble more than emptySigmas robust
// standard deviations above them, and at least MinEmptyFill, is faint
// instead (a light, thin tick that reaches hardly any sample points).
const (
	MinEmptyFill = 0.05
	emptySigmas  = 6
)

// pageEmptyFill is the Fill from which a bubble of this page is not empty.
func pageEmptyFill(fills []float64, base float64) float64 {
	med := percentile(fills, 0.5)
	dev := make([]float64, len(fills))
	for i, f := range fills {
		dev[i] = math.Abs(f - med)
	}
	sigma := 1.4826 * percentile(dev, 0.5)
	return clamp(med-base+emptySigmas*sigma, MinEmptyFill, EmptyFill)
}

// tone is the mean of the darkest third of a bubble's samples. It reorders
// d.
func tone(d []float64) float64 {
	sort.Float64s(d)
	h := d[len(d)*2/3:]
	var s float64
	for _, v := range h {
		s += v
	}
	return s / float64(len(h))
}

// lightLevel is the least tone (less base) a faint bubble needs to count
// as marked on this page, or 0 when the page is not marked with a light
// instrument throughout.
func lightLevel(tones []float64, base float64) float64 {
	var marks []float64
	for _, t := range tones {
		if t-base >= lightMin {
			marks = append(marks, t-base)
		}
	}
	if len(marks) < lightMarks {
		return 0
	}
	m := percentile(marks, 0.5)
	if m > LightPage {
		return 0
	}
	return math.Max(LightMinTone, LightTone*m)
}

func classify(fill, cover float64, bare bool) string {
	emptyCover := EmptyCover
	if bare {
		emptyCover = EmptyCoverBare
	}
	switch {
	case fill >= MarkFill || (cover >= MarkCover && fill >= MarkCoverFill):
		return stateMarked
	case fill < EmptyFill && cover < emptyCover:
		return stateEmpty
	}
	return stateFaint
}

// bubbleConfidence is how far a bubble is from the thresholds of its state,
// in [0, 1].
func bubbleConfidence(b BubbleRead) float64 {
	switch b.State {
	case stateEmpty:
		emptyCover := EmptyCover
		if b.bare {
			emptyCover = EmptyCoverBare
		}
		return clamp(math.Min((EmptyFill-b.Fill)/EmptyFill, (emptyCover-b.Cover)/emptyCover), 0, 1)
	case stateMarked:
		if b.light {
			return 0.2 // read against the page's own marks
		}
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
