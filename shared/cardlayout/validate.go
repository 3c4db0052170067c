package cardlayout

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Geometry every layout keeps, so that a reader at 150 dpi can tell bubbles
// apart and a desk printer can print the marks.
const (
	// MinPitch is the least distance between two bubbles' centres (mm).
	MinPitch = 4.6
	// MinGap is the least paper between two bubbles' rims (mm).
	MinGap = 1.0
	// MarkMargin is the least distance from a registration mark to the
	// card's edge (mm): desk printers cannot print closer, and a scanner's
	// glass edge shadows it.
	MarkMargin = 8.0
	// Clearance is the least distance from a bubble to a mark or the QR
	// code's quiet zone (mm).
	Clearance = 1.0
	// WordsHeight is the height of the strip an answer's words are
	// written in, beside the bubble (mm).
	WordsHeight = 4.6
)

// BoxNames are the boxes a layout may have.
var BoxNames = []string{"diner.name", "diner.email", "comment", "consent.contact", "consent.marketing"}

// spec is what a known field's bubbles may hold.
type spec struct {
	kind   string
	values []string // allowed values (nil: see check in Validate)
}

func numbers(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, strconv.Itoa(i))
	}
	return out
}

// birthdayColumns are the digits each column of "diner.birthday" may hold:
// month tens, month units, day tens, day units ("MMDD").
var birthdayColumns = [][]string{numbers(0, 1), numbers(0, 9), numbers(0, 3), numbers(0, 9)}

// specOf returns the rules of the field called name, or false for a name the
// card does not have. The values are those of PRODUCT.md 3.1.
func specOf(name string) (spec, bool) {
	if ItemSlot(name) > 0 {
		return spec{One, numbers(1, 5)}, true
	}
	switch name {
	case "ratings.service", "ratings.cleanliness", "ratings.overall":
		return spec{One, numbers(1, 5)}, true
	case "nps":
		return spec{One, numbers(0, 10)}, true
	case "meal":
		return spec{One, []string{"lunch", "dinner"}}, true
	case "firstVisit":
		return spec{One, []string{"true", "false"}}, true
	case "visitCount":
		return spec{One, numbers(1, 99)}, true
	case "reason":
		return spec{One, []string{"birthday", "anniversary", "family", "friends", "business", "date", "other"}}, true
	case "heardFrom":
		return spec{One, []string{"friend", "social", "review", "ad", "passing", "event", "other"}}, true
	case "mainCourse":
		return spec{One, numbers(1, 99)}, true
	case "diner.language":
		return spec{One, []string{"zh-TW", "zh-CN", "en"}}, true
	case "consent.contact", "consent.marketing":
		return spec{Check, []string{"true"}}, true
	case "diner.phone", "diner.birthday":
		return spec{Digits, numbers(0, 9)}, true
	}
	return spec{}, false
}

func (r Rect) inside(w, h float64) bool {
	return r.W > 0 && r.H > 0 && r.X >= 0 && r.Y >= 0 && r.X+r.W <= w+1e-9 && r.Y+r.H <= h+1e-9
}

func (r Rect) overlaps(o Rect) bool {
	return r.X < o.X+o.W && o.X < r.X+r.W && r.Y < o.Y+o.H && o.Y < r.Y+r.H
}

func (r Rect) contains(o Rect) bool {
	return o.X >= r.X-1e-9 && o.Y >= r.Y-1e-9 && o.X+o.W <= r.X+r.W+1e-9 && o.Y+o.H <= r.Y+r.H+1e-9
}

// distance returns how far the point x, y is from r (0 inside).
func (r Rect) distance(x, y float64) float64 {
	dx := math.Max(math.Max(r.X-x, 0), x-(r.X+r.W))
	dy := math.Max(math.Max(r.Y-y, 0), y-(r.Y+r.H))
	return math.Hypot(dx, dy)
}

// Square returns the mark's square.
func (m Mark) Square() Rect { return Rect{m.X - m.Size/2, m.Y - m.Size/2, m.Size, m.Size} }

// Bounds returns the square that circumscribes a bubble of diameter d.
func (b Bubble) Bounds(d float64) Rect { return Rect{b.X - d/2, b.Y - d/2, d, d} }

// WordsRect returns where the printer writes the words of bubble b of field
// f: right of the bubble, in the box of the same name for a check field
// that has one. It reports false when the answer is written inside the
// bubble.
func (l Layout) WordsRect(f Field, b Bubble) (Rect, bool) {
	r := l.BubbleDiameter / 2
	if f.Kind == Check {
		if box, ok := l.Box(f.Name); ok {
			x := b.X + r + 1
			return Rect{x, box.Y + 0.8, box.X + box.W - 1 - x, box.H - 1.6}, true
		}
	}
	if f.Words <= 0 {
		return Rect{}, false
	}
	return Rect{b.X + r + 0.6, b.Y - WordsHeight/2, f.Words, WordsHeight}, true
}

// Validate checks the layout's geometry and names: four marks, one near
// each corner and at least MarkMargin from the edge; the QR code and every
// bubble, box and printed text inside the card; bubbles inside the frame of
// the marks' centres, at least MinPitch apart, clear of marks, QR code,
// printed words and the handwriting boxes (a check bubble sits in its own
// box); known field names, kinds and values; Digits columns numbered from 0
// without gaps, each a single choice of distinct digits. It returns every
// problem found, joined.
func (l Layout) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	if l.Version < 1 {
		bad("version %d: want 1 or more", l.Version)
	}
	if l.Width <= 0 || l.Height <= 0 {
		bad("card size %gx%g mm: want positive", l.Width, l.Height)
	}
	d := l.BubbleDiameter
	if d < 2.5 || d > MinPitch-MinGap {
		bad("bubble diameter %g mm: want 2.5 to %g", d, MinPitch-MinGap)
	}
	card := Rect{0, 0, l.Width, l.Height}

	// Marks: one per corner quadrant.
	var obstacles []Rect // marks and QR
	if len(l.Marks) != 4 {
		bad("%d registration marks: want 4", len(l.Marks))
	}
	corners := map[[2]bool]bool{}
	for i, m := range l.Marks {
		sq := m.Square()
		if m.Size < 3 || m.Size > 10 {
			bad("mark %d: size %g mm, want 3 to 10", i, m.Size)
		}
		if sq.X < MarkMargin || sq.Y < MarkMargin || sq.X+sq.W > l.Width-MarkMargin || sq.Y+sq.H > l.Height-MarkMargin {
			bad("mark %d at %g,%g: less than %g mm from the card's edge", i, m.X, m.Y, MarkMargin)
		}
		c := [2]bool{m.X > l.Width/2, m.Y > l.Height/2}
		if corners[c] {
			bad("mark %d at %g,%g: two marks near one corner", i, m.X, m.Y)
		}
		corners[c] = true
		obstacles = append(obstacles, sq)
	}
	frame := card
	if len(l.Marks) > 0 {
		minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, m := range l.Marks {
			minX, minY = math.Min(minX, m.X), math.Min(minY, m.Y)
			maxX, maxY = math.Max(maxX, m.X), math.Max(maxY, m.Y)
		}
		frame = Rect{minX, minY, maxX - minX, maxY - minY}
	}

	if !l.QR.inside(l.Width, l.Height) {
		bad("QR code %+v: not inside the card", l.QR)
	}
	for i, m := range l.Marks {
		if l.QR.overlaps(m.Square()) {
			bad("QR code overlaps mark %d", i)
		}
	}
	obstacles = append(obstacles, l.QR)
	if c := l.Code; c != nil {
		if !c.inside(l.Width, l.Height) || c.W <= 0 || c.H <= 0 {
			bad("ID code %+v: not inside the card", *c)
		}
		if c.W/IDCols < MinIDCell || c.H/IDRows < MinIDCell {
			bad("ID code %+v: cells smaller than %g mm", *c, MinIDCell)
		}
		if c.overlaps(l.QR) {
			bad("ID code overlaps the QR code")
		}
		for i, m := range l.Marks {
			if c.overlaps(m.Square()) {
				bad("ID code overlaps mark %d", i)
			}
		}
		obstacles = append(obstacles, *c)
	}

	// Boxes.
	seenBox := map[string]bool{}
	for i, b := range l.Boxes {
		if !slices.Contains(BoxNames, b.Name) {
			bad("box %q: unknown name", b.Name)
		}
		if seenBox[b.Name] {
			bad("box %q: twice", b.Name)
		}
		seenBox[b.Name] = true
		if !b.Rect.inside(l.Width, l.Height) {
			bad("box %q: not inside the card", b.Name)
		}
		for _, o := range obstacles {
			if b.Rect.overlaps(o) {
				bad("box %q overlaps a mark or the QR code", b.Name)
				break
			}
		}
		for _, o := range l.Boxes[:i] {
			if b.Rect.overlaps(o.Rect) {
				bad("box %q overlaps box %q", b.Name, o.Name)
			}
		}
	}

	// Fields and their bubbles.
	type placed struct {
		field string
		b     Bubble
	}
	var all []placed
	seenField := map[string]bool{}
	for _, f := range l.Fields {
		sp, ok := specOf(f.Name)
		switch {
		case !ok:
			bad("field %q: unknown name", f.Name)
		case f.Kind != sp.kind:
			bad("field %q: kind %q, want %q", f.Name, f.Kind, sp.kind)
		}
		if seenField[f.Name] {
			bad("field %q: twice", f.Name)
		}
		seenField[f.Name] = true
		if len(f.Bubbles) == 0 {
			bad("field %q: no bubbles", f.Name)
		}
		if f.Kind == Check && len(f.Bubbles) != 1 {
			bad("field %q: a check has one bubble, not %d", f.Name, len(f.Bubbles))
		}
		if f.Kind == One && len(f.Bubbles) < 2 {
			bad("field %q: a single choice needs two bubbles or more", f.Name)
		}
		errs = append(errs, validateValues(f, sp)...)
		for _, b := range f.Bubbles {
			all = append(all, placed{f.Name, b})
		}
	}

	r := d / 2
	for i, p := range all {
		at := fmt.Sprintf("field %q value %q at %g,%g", p.field, p.b.Value, p.b.X, p.b.Y)
		if !p.b.Bounds(d).inside(l.Width, l.Height) {
			bad("%s: not inside the card", at)
		}
		if !frame.contains(p.b.Bounds(d)) {
			bad("%s: outside the frame of the registration marks", at)
		}
		for _, o := range obstacles {
			if o.distance(p.b.X, p.b.Y) < r+Clearance {
				bad("%s: on or too near a mark or the QR code", at)
				break
			}
		}
		for _, bx := range l.Boxes {
			in := bx.Rect.distance(p.b.X, p.b.Y) < r
			switch {
			case bx.Name == p.field && !bx.Rect.contains(p.b.Bounds(d)):
				bad("%s: not inside its box", at)
			case bx.Name != p.field && in:
				bad("%s: inside box %q", at, bx.Name)
			}
		}
		for _, q := range all[:i] {
			if dist := math.Hypot(p.b.X-q.b.X, p.b.Y-q.b.Y); dist < MinPitch-1e-9 {
				bad("%s: %.2f mm from field %q value %q, want at least %g", at, dist, q.field, q.b.Value, MinPitch)
			}
		}
	}

	// Printed words: inside the card, clear of marks, QR code and bubbles.
	type area struct {
		what string
		r    Rect
	}
	var words []area
	for _, f := range l.Fields {
		if f.Label != nil {
			words = append(words, area{fmt.Sprintf("label of field %q", f.Name), *f.Label})
		}
		for _, b := range f.Bubbles {
			if wr, ok := l.WordsRect(f, b); ok {
				words = append(words, area{fmt.Sprintf("words of field %q value %q", f.Name, b.Value), wr})
			}
		}
	}
	for _, t := range l.Texts {
		if t.Key == "" {
			bad("a text at %g,%g has no key", t.X, t.Y)
		}
		if t.Align != "" && t.Align != "center" {
			bad("text %q: align %q, want \"\" or \"center\"", t.Key, t.Align)
		}
		words = append(words, area{fmt.Sprintf("text %q", t.Key), t.Rect})
	}
	for _, w := range words {
		if !w.r.inside(l.Width, l.Height) {
			bad("%s: not inside the card", w.what)
		}
		for _, o := range obstacles {
			if w.r.overlaps(o) {
				bad("%s: overlaps a mark or the QR code", w.what)
				break
			}
		}
		for _, p := range all {
			if w.r.distance(p.b.X, p.b.Y) < r {
				bad("%s: overlaps field %q value %q", w.what, p.field, p.b.Value)
			}
		}
	}
	return errors.Join(errs...)
}

// validateValues checks a field's bubble values and, for Digits, columns.
func validateValues(f Field, sp spec) []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if f.Kind != Digits {
		seen := map[string]bool{}
		for _, b := range f.Bubbles {
			if b.Column != 0 {
				bad("field %q value %q: column %d in a field that is not digits", f.Name, b.Value, b.Column)
			}
			if sp.values != nil && !slices.Contains(sp.values, b.Value) {
				bad("field %q: value %q is not one of %v", f.Name, b.Value, sp.values)
			}
			if seen[b.Value] {
				bad("field %q: value %q twice", f.Name, b.Value)
			}
			seen[b.Value] = true
		}
		return errs
	}
	cols := map[int]map[string]bool{}
	for _, b := range f.Bubbles {
		if b.Column < 0 {
			bad("field %q: column %d", f.Name, b.Column)
			continue
		}
		if cols[b.Column] == nil {
			cols[b.Column] = map[string]bool{}
		}
		if len(b.Value) != 1 || b.Value[0] < '0' || b.Value[0] > '9' {
			bad("field %q column %d: value %q is not a digit", f.Name, b.Column, b.Value)
		}
		if cols[b.Column][b.Value] {
			bad("field %q column %d: digit %q twice", f.Name, b.Column, b.Value)
		}
		cols[b.Column][b.Value] = true
	}
	for c := range len(cols) {
		switch n := len(cols[c]); {
		case cols[c] == nil:
			bad("field %q: column %d is missing (columns are numbered from 0 without gaps)", f.Name, c)
		case n < 2:
			bad("field %q column %d: %d bubble, want 2 or more", f.Name, c, n)
		}
	}
	if f.Name == "diner.birthday" {
		if len(cols) != len(birthdayColumns) {
			bad("field %q: %d columns, want 4 (MMDD)", f.Name, len(cols))
		}
		for c, allowed := range birthdayColumns {
			for v := range cols[c] {
				if !slices.Contains(allowed, v) {
					bad("field %q column %d: digit %s cannot occur in MMDD", f.Name, c, v)
				}
			}
		}
	}
	return errs
}
