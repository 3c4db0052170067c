// Package synth makes synthetic scans of filled-in paper cards, with the
// truth recorded for every field, to measure the optical mark reader
// (shared/omr): a diner's marks of many kinds, then the damage of scanning.
// Everything is deterministic from a seed.
//
// The mix of cases (Plan) is documented in docs/omr.md ("Reading").
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/cardloop/cardloop/shared/cardlayout"
)

// Kinds of mark a diner makes in a bubble.
const (
	Fill     = "fill"     // filled in (now and then over the rim)
	Partial  = "partial"  // filled about 60–80 %, a crescent left blank
	Scribble = "scribble" // back-and-forth strokes
	Tick     = "tick"     // a check mark
	Cross    = "cross"    // an X inside the bubble (an answer)
	Faint    = "faint"    // a barely visible fill (truth: must be reviewed)
	Residue  = "residue"  // what an eraser leaves of a pencil mark
	CrossOut = "crossout" // a filled bubble with a large X over it
)

// Deliberate problems: fields with no right answer, which the reader must
// send to review.
const (
	ProblemDouble     = "double"
	ProblemCrossedOut = "crossed_out"
	ProblemFaint      = "faint"
	ProblemGap        = "gap"
)

// Mark is one mark drawn in a bubble.
type Mark struct {
	Field  string
	Value  string
	Column int
	Kind   string
	// Darkness of the ink, 0 (paper) to 1 (black).
	Darkness float64
	// Seed varies the hand: size, angle, offset, stroke width.
	Seed uint64
}

// Stroke is a pen line anywhere on the card (a stray mark, handwriting), a
// polyline in mm.
type Stroke struct {
	Points   [][2]float64
	Width    float64
	Darkness float64
}

// Damage is what scanning does to the page.
type Damage struct {
	DPI int
	// Rotate is the rotation in degrees (clockwise); Flip turns the page
	// upside down as well.
	Rotate float64
	Flip   bool
	// Skew moves each corner of the card by up to this share of the card's
	// width (perspective).
	Skew float64
	// Margin of scanner background around the card, mm.
	Margin float64
	// Background grey level outside the card.
	Background float64
	// Warp bends the page between the marks, as a sheet feeder that slips
	// or a curled card does: up to this many mm (a smooth, non-projective
	// displacement the four marks cannot correct).
	Warp float64
	// Blur passes of a [1 2 1] kernel (0–2).
	Blur int
	// Noise is the standard deviation of grey noise added per pixel.
	Noise float64
	// Light darkens the page by up to this share along LightAngle (uneven
	// lighting).
	Light, LightAngle float64
	// Format is "jpeg", "png" or "tiff"; Quality is the JPEG quality.
	Format  string
	Quality int
	// Colour writes an RGB file (a warm paper tint) instead of grey.
	Colour bool
	// Blue draws the diner's marks in blue ballpoint (with Colour): as dark
	// as the mark's darkness in red, lighter in green, light in blue.
	Blue bool
	// ShowThrough is the contrast (0–1) at which the front of the sheet
	// shows through a card's blank back (Card.Back).
	ShowThrough float64
}

// Want is the truth of one field.
type Want struct {
	// Value is what the reader must read ("" unanswered, "true"/"false"
	// for a check), unless Review.
	Value string
	// Review: the field has no right answer (a deliberate problem); the
	// reader must mark it uncertain.
	Review bool
}

// Truth is what a generated card holds.
type Truth struct {
	Fields map[string]Want
	// Problem is the deliberate problem on the card ("" for none).
	Problem string
	// Cases lists the other notable things on the card, for reports:
	// "erasure", "stray", "pencil", "light_pencil", "flip"….
	Cases []string
}

// Card is a planned card: what to draw and how to damage it.
type Card struct {
	N       int
	Serial  string
	Version int // the layout version
	QR      string
	Marks   []Mark
	Strays  []Stroke
	Damage  Damage
	Truth   Truth
	// Style is the diner's usual kind of mark and Ink their instrument
	// ("pen", "pencil", "light_pencil", "blue").
	Style, Ink string
	// Back: the page is the card's blank back, as a duplex scanner scans
	// it (the reader must say CodeBlank); Truth.Fields do not apply.
	Back bool
}

// QRText is the URL a printed card's QR code holds, as long as a real one
// (the 16-character signature here is a stand-in).
func QRText(store string, serial string, version int) string {
	return fmt.Sprintf("https://cards.example.com/c/%s?s=%s&v=%d&k=%s", store, serial, version, "Q0ttPWFnZnO70P6x")
}

// Plan decides card n of a corpus from seed: the answers, how they are
// marked, any deliberate problem (at problemRate), and the scan's damage.
func Plan(l *cardlayout.Layout, n int, seed uint64, problemRate float64) Card {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	c := Card{N: n, Serial: SerialOf(n)}
	c.Version = l.Version
	c.QR = QRText("S001", c.Serial, l.Version)
	c.Truth = Truth{Fields: map[string]Want{}}

	// The diner's hand.
	switch x := rng.Float64(); {
	case x < 0.80:
		c.Ink = "pen"
	case x < 0.97:
		c.Ink = "pencil"
		c.Truth.Cases = append(c.Truth.Cases, "pencil")
	default:
		c.Ink = "light_pencil"
		c.Truth.Cases = append(c.Truth.Cases, "light_pencil")
	}
	styles := []string{Fill, Fill, Fill, Fill, Fill, Fill, Partial, Partial, Scribble, Scribble, Tick, Tick, Tick, Cross, Cross}
	if c.Ink == "light_pencil" {
		// A light pencil tick is itself a faint mark: light pencil users
		// fill.
		styles = []string{Fill, Fill, Partial, Scribble}
	}
	c.Style = styles[rng.IntN(len(styles))]
	darkness := func() float64 {
		switch c.Ink {
		case "pencil":
			return 0.55 + 0.15*rng.Float64()
		case "light_pencil":
			return 0.40 + 0.12*rng.Float64()
		}
		return 0.75 + 0.2*rng.Float64()
	}
	mark := func(field, value string, col int) Mark {
		kind := c.Style
		if rng.Float64() < 0.1 { // a hand is not perfectly consistent
			kind = styles[rng.IntN(len(styles))]
		}
		return Mark{Field: field, Value: value, Column: col, Kind: kind, Darkness: darkness(), Seed: rng.Uint64()}
	}

	// Answers.
	type answered struct {
		f   *cardlayout.Field
		val string
	}
	var answers []answered
	for i := range l.Fields {
		f := &l.Fields[i]
		switch f.Kind {
		case cardlayout.Check:
			v := "false"
			if rng.Float64() < 0.45 {
				v = "true"
				c.Marks = append(c.Marks, mark(f.Name, f.Bubbles[0].Value, 0))
			}
			c.Truth.Fields[f.Name] = Want{Value: v}
		case cardlayout.Digits:
			cols := columns(f)
			v := ""
			if rng.Float64() < 0.55 {
				digits := plausibleDigits(rng, f.Name, cols)
				for ci, dv := range digits {
					v += dv
					c.Marks = append(c.Marks, mark(f.Name, dv, ci))
				}
			}
			c.Truth.Fields[f.Name] = Want{Value: v}
			if v != "" {
				answers = append(answers, answered{f, v})
			}
		default:
			p := 0.7
			if strings.HasPrefix(f.Name, "ratings.") || f.Name == "nps" {
				p = 0.9
			}
			v := ""
			if rng.Float64() < p && len(f.Bubbles) > 0 {
				b := f.Bubbles[pickSkewed(rng, len(f.Bubbles), strings.HasPrefix(f.Name, "ratings.") || f.Name == "nps")]
				v = b.Value
				c.Marks = append(c.Marks, mark(f.Name, v, 0))
				answers = append(answers, answered{f, v})
			}
			c.Truth.Fields[f.Name] = Want{Value: v}
		}
	}

	// A deliberate problem on a few cards.
	if rng.Float64() < problemRate {
		planProblem(l, &c, rng, mark)
	}

	// An erasure: the residue of a first choice, then the real mark.
	if rng.Float64() < 0.03 {
		var ones []answered
		for _, a := range answers {
			if a.f.Kind == cardlayout.One && len(a.f.Bubbles) > 1 && c.Truth.Fields[a.f.Name].Review == false {
				ones = append(ones, a)
			}
		}
		if len(ones) > 0 {
			a := ones[rng.IntN(len(ones))]
			other := otherBubble(rng, a.f, a.val, 0)
			c.Marks = append(c.Marks, Mark{Field: a.f.Name, Value: other.Value, Kind: Residue,
				Darkness: 0.03 + 0.03*rng.Float64(), Seed: rng.Uint64()})
			c.Truth.Cases = append(c.Truth.Cases, "erasure")
		}
	}

	// Handwriting in the boxes, and now and then a stray mark.
	for _, b := range l.Boxes {
		if rng.Float64() < 0.5 && !strings.HasPrefix(b.Name, "consent") {
			c.Strays = append(c.Strays, handwriting(rng, b.Rect)...)
		}
	}
	if rng.Float64() < 0.06 {
		k := 1 + rng.IntN(3)
		for i := 0; i < k; i++ {
			if s, ok := stray(l, rng); ok {
				c.Strays = append(c.Strays, s)
			}
		}
		c.Truth.Cases = append(c.Truth.Cases, "stray")
	}

	c.Damage = planDamage(rng)
	if c.Damage.Flip {
		c.Truth.Cases = append(c.Truth.Cases, "flip")
	}
	planHard(&c, seed, n)
	return c
}

// Cases of the real world a first corpus lacked (issue 14), drawn from
// their own random stream so the rest of a seed's corpus is unchanged: the
// backs of duplex scans, whole pages in light pencil (darkness 0.30–0.40),
// blurred 150 dpi scans, and blue ballpoint ticks.
const (
	shareBack        = 0.03
	shareLightPage   = 0.04
	shareBlurred150  = 0.03
	shareBlueTicks   = 0.03
	CaseBack         = "back"
	CaseLightPage    = "light_pencil_page"
	CaseBlurred150   = "blurred_150dpi"
	CaseBlueTicks    = "blue_ticks"
	lightPageMin     = 0.30
	lightPageSpread  = 0.10
	blueDarkMin      = 0.7
	blueDarkSpread   = 0.2
	blurred150Passes = 3 // [1 2 1] three times: a blur of about 1.2 px
)

func planHard(c *Card, seed uint64, n int) {
	rng := rand.New(rand.NewPCG(seed^0x1415, uint64(n)))
	switch x := rng.Float64(); {
	case x < shareBack:
		// The blank back of this card, the front showing through.
		c.Back = true
		c.Truth.Cases = append(c.Truth.Cases, CaseBack)
		c.Damage.ShowThrough = 0.03 + 0.09*rng.Float64()
	case x < shareBack+shareLightPage:
		c.Ink, c.Style = "light_pencil", Fill
		kinds := []string{Fill, Fill, Partial, Scribble}
		for i := range c.Marks {
			m := &c.Marks[i]
			switch m.Kind {
			case Faint, Residue, CrossOut:
				continue // a deliberate problem, an erasure: as planned
			}
			m.Kind = kinds[rng.IntN(len(kinds))]
			m.Darkness = lightPageMin + lightPageSpread*rng.Float64()
		}
		c.Truth.Cases = append(c.Truth.Cases, CaseLightPage)
	case x < shareBack+shareLightPage+shareBlurred150:
		c.Damage.DPI, c.Damage.Blur = 150, blurred150Passes
		c.Truth.Cases = append(c.Truth.Cases, CaseBlurred150)
	case x < shareBack+shareLightPage+shareBlurred150+shareBlueTicks:
		c.Ink, c.Style = "blue", Tick
		for i := range c.Marks {
			m := &c.Marks[i]
			switch m.Kind {
			case Faint, Residue, CrossOut:
				continue
			}
			m.Kind = Tick
			m.Darkness = blueDarkMin + blueDarkSpread*rng.Float64()
		}
		c.Damage.Blue, c.Damage.Colour = true, true
		c.Truth.Cases = append(c.Truth.Cases, CaseBlueTicks)
	}
}

// planProblem puts one deliberate problem on the card.
func planProblem(l *cardlayout.Layout, c *Card, rng *rand.Rand, mark func(field, value string, col int) Mark) {
	kinds := []string{ProblemDouble, ProblemDouble, ProblemDouble, ProblemCrossedOut, ProblemCrossedOut, ProblemCrossedOut, ProblemFaint, ProblemFaint, ProblemGap}
	kind := kinds[rng.IntN(len(kinds))]
	var cands []*cardlayout.Field
	for i := range l.Fields {
		f := &l.Fields[i]
		switch kind {
		case ProblemDouble:
			if f.Kind == cardlayout.One && len(f.Bubbles) > 1 {
				cands = append(cands, f)
			}
		case ProblemGap:
			if f.Kind == cardlayout.Digits && len(columns(f)) >= 4 {
				cands = append(cands, f)
			}
		default:
			if f.Kind != cardlayout.Digits {
				cands = append(cands, f)
			}
		}
	}
	if len(cands) == 0 {
		return
	}
	f := cands[rng.IntN(len(cands))]
	// Start the field again.
	kept := c.Marks[:0]
	for _, m := range c.Marks {
		if m.Field != f.Name {
			kept = append(kept, m)
		}
	}
	c.Marks = kept
	switch kind {
	case ProblemDouble:
		a := f.Bubbles[rng.IntN(len(f.Bubbles))]
		b := otherBubble(rng, f, a.Value, 0)
		c.Marks = append(c.Marks, mark(f.Name, a.Value, 0), mark(f.Name, b.Value, 0))
	case ProblemCrossedOut:
		a := f.Bubbles[rng.IntN(len(f.Bubbles))]
		m := mark(f.Name, a.Value, 0)
		m.Kind, m.Darkness = CrossOut, 0.75+0.2*rng.Float64() // crossing out is done in pen
		c.Marks = append(c.Marks, m)
		if len(f.Bubbles) > 1 && rng.Float64() < 0.8 {
			b := otherBubble(rng, f, a.Value, 0)
			c.Marks = append(c.Marks, mark(f.Name, b.Value, 0))
		}
	case ProblemFaint:
		a := f.Bubbles[rng.IntN(len(f.Bubbles))]
		c.Marks = append(c.Marks, Mark{Field: f.Name, Value: a.Value, Kind: Faint, Darkness: 0.16 + 0.06*rng.Float64(), Seed: rng.Uint64()})
	case ProblemGap:
		cols := columns(f)
		gap := 1 + rng.IntN(len(cols)-2)
		for ci := range cols {
			if ci == gap {
				continue
			}
			b := cols[ci][rng.IntN(len(cols[ci]))]
			c.Marks = append(c.Marks, mark(f.Name, b.Value, ci))
		}
	}
	c.Truth.Fields[f.Name] = Want{Review: true}
	c.Truth.Problem = kind
}

// planDamage draws the scan's damage: most scans are good, some are poor.
func planDamage(rng *rand.Rand) Damage {
	d := Damage{Background: 225 + 30*rng.Float64(), Margin: 1 + 6*rng.Float64()}
	switch x := rng.Float64(); {
	case x < 0.25:
		d.DPI = 150
	case x < 0.75:
		d.DPI = 200
	default:
		d.DPI = 300
	}
	if rng.Float64() < 0.7 {
		d.Rotate = 6*rng.Float64() - 3
	} else {
		d.Rotate = 20*rng.Float64() - 10
	}
	d.Flip = rng.Float64() < 0.08
	d.Skew = 0.004 * rng.Float64()
	if rng.Float64() < 0.15 {
		d.Skew = 0.015 * rng.Float64()
	}
	if rng.Float64() < 0.1 {
		d.Warp = 0.8 * rng.Float64()
	}
	d.Blur = []int{0, 0, 1, 1, 2}[rng.IntN(5)]
	d.Noise = 1 + 5*rng.Float64()
	if rng.Float64() < 0.3 {
		d.Light = 0.1 + 0.25*rng.Float64()
		d.LightAngle = 2 * math.Pi * rng.Float64()
	}
	switch x := rng.Float64(); {
	case x < 0.75:
		d.Format = "jpeg"
		d.Quality = 40 + rng.IntN(56)
	case x < 0.9:
		d.Format = "png"
	default:
		d.Format = "tiff"
	}
	d.Colour = rng.Float64() < 0.15
	return d
}

// plausibleDigits picks what a diner writes in a digit grid: a Taiwan
// mobile (09 and eight digits; now and then a shorter number, leaving
// trailing columns blank), a real MMDD birthday, or else any digits.
func plausibleDigits(rng *rand.Rand, name string, cols [][]cardlayout.Bubble) []string {
	has := func(ci int, v string) bool {
		for _, b := range cols[ci] {
			if b.Value == v {
				return true
			}
		}
		return false
	}
	var want string
	switch {
	case name == "diner.phone" && len(cols) == 10:
		want = "09"
		for len(want) < 10 {
			want += strconv.Itoa(rng.IntN(10))
		}
		if rng.Float64() < 0.12 {
			want = want[:8+rng.IntN(2)]
		}
	case name == "diner.birthday" && len(cols) == 4:
		want = fmt.Sprintf("%02d%02d", 1+rng.IntN(12), 1+rng.IntN(28))
	}
	var out []string
	for ci := range cols {
		if want != "" {
			if ci >= len(want) {
				break
			}
			if d := want[ci : ci+1]; has(ci, d) {
				out = append(out, d)
				continue
			}
		}
		out = append(out, cols[ci][rng.IntN(len(cols[ci]))].Value)
	}
	return out
}

// pickSkewed picks a bubble index; ratings lean to the top of the scale, as
// real ones do.
func pickSkewed(rng *rand.Rand, n int, high bool) int {
	if !high || rng.Float64() < 0.3 {
		return rng.IntN(n)
	}
	return n - 1 - min(n-1, int(math.Abs(rng.NormFloat64())*1.2))
}

func columns(f *cardlayout.Field) [][]cardlayout.Bubble {
	var cols [][]cardlayout.Bubble
	for _, b := range f.Bubbles {
		for len(cols) <= b.Column {
			cols = append(cols, nil)
		}
		cols[b.Column] = append(cols[b.Column], b)
	}
	return cols
}

func otherBubble(rng *rand.Rand, f *cardlayout.Field, not string, col int) cardlayout.Bubble {
	var c []cardlayout.Bubble
	for _, b := range f.Bubbles {
		if b.Column == col && b.Value != not {
			c = append(c, b)
		}
	}
	return c[rng.IntN(len(c))]
}

// handwriting fills a box with a few lines of cursive-like wiggles.
func handwriting(rng *rand.Rand, r cardlayout.Rect) []Stroke {
	var out []Stroke
	lineH := 5.5 + 2*rng.Float64()
	lines := max(1, int((r.H-1.5)/lineH))
	lines = 1 + rng.IntN(lines)
	dark := 0.75 + 0.2*rng.Float64()
	for li := 0; li < lines; li++ {
		base := r.Y + 1.5 + float64(li)*lineH + lineH*0.6
		x := r.X + 2 + 2*rng.Float64()
		end := r.X + r.W*(0.4+0.55*rng.Float64()) - 2
		for x < end {
			wl := 4 + 10*rng.Float64()
			var pts [][2]float64
			for t := 0.0; t <= wl && x+t < end; t += 0.35 {
				pts = append(pts, [2]float64{x + t, base - 1.6*math.Abs(math.Sin(t*2.3+rng.Float64()*0.3)) - 0.4*rng.Float64()})
			}
			if len(pts) > 1 {
				out = append(out, Stroke{Points: pts, Width: 0.35 + 0.15*rng.Float64(), Darkness: dark})
			}
			x += wl + 1.5 + 1.5*rng.Float64()
		}
	}
	return out
}

// stray is a pen line, loop or doodle somewhere outside the bubbles, the QR
// code and the marks (it may cross text and boxes).
func stray(l *cardlayout.Layout, rng *rand.Rand) (Stroke, bool) {
	for try := 0; try < 40; try++ {
		x, y := 10+rng.Float64()*(l.Width-20), 10+rng.Float64()*(l.Height-20)
		s := Stroke{Width: 0.35 + 0.3*rng.Float64(), Darkness: 0.7 + 0.25*rng.Float64()}
		n := 4 + rng.IntN(20)
		a := rng.Float64() * 2 * math.Pi
		for i := 0; i < n; i++ {
			s.Points = append(s.Points, [2]float64{x, y})
			a += rng.NormFloat64() * 0.6
			step := 0.8 + 1.5*rng.Float64()
			x += step * math.Cos(a)
			y += step * math.Sin(a)
		}
		if strokeClear(l, s) {
			return s, true
		}
	}
	return Stroke{}, false
}

// strokeClear reports whether s keeps 1.5 mm from every bubble, and off the
// QR code and the marks.
func strokeClear(l *cardlayout.Layout, s Stroke) bool {
	keep := l.BubbleDiameter/2 + 1.5 + s.Width/2
	for i := 1; i < len(s.Points); i++ {
		a, b := s.Points[i-1], s.Points[i]
		steps := int(math.Hypot(b[0]-a[0], b[1]-a[1])/0.3) + 1
		for k := 0; k <= steps; k++ {
			t := float64(k) / float64(steps)
			x, y := a[0]+(b[0]-a[0])*t, a[1]+(b[1]-a[1])*t
			if x < 2 || y < 2 || x > l.Width-2 || y > l.Height-2 {
				return false
			}
			if x > l.QR.X-1 && x < l.QR.X+l.QR.W+1 && y > l.QR.Y-1 && y < l.QR.Y+l.QR.H+1 {
				return false
			}
			for _, m := range l.Marks {
				if math.Abs(x-m.X) < m.Size/2+2 && math.Abs(y-m.Y) < m.Size/2+2 {
					return false
				}
			}
			for _, f := range l.Fields {
				for _, bb := range f.Bubbles {
					if math.Hypot(x-bb.X, y-bb.Y) < keep {
						return false
					}
				}
			}
		}
	}
	return true
}
