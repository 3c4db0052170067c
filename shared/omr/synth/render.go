package synth

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"sync"

	"golang.org/x/image/tiff"

	"github.com/cardloop/cardloop/shared/cardlayout"
)

// Generator renders planned cards of one layout. It is safe for concurrent
// use.
type Generator struct {
	Layout *cardlayout.Layout
	// Base, when set, supplies the blank page of a card instead of Blank —
	// for example a page of the printer's PDF rendered with pdftoppm —
	// upright, at its own resolution dpi. Set the card's QR to that page's
	// QR text so the truth matches.
	Base func(c *Card) (page *image.Gray, dpi float64, err error)

	mu        sync.Mutex
	templates map[int]*image.Gray
}

// New returns a Generator for layout l.
func New(l *cardlayout.Layout) *Generator {
	return &Generator{Layout: l, templates: map[int]*image.Gray{}}
}

// Scan is a rendered card: the file a scanner would have written, and the
// plan it was made from (with its truth).
type Scan struct {
	Card
	Data   []byte
	Format string
}

// Render draws the card's marks on its blank page, damages it as planned
// and encodes it.
func (g *Generator) Render(c Card) (*Scan, error) {
	base, dpi, err := g.base(&c)
	if err != nil {
		return nil, err
	}
	cv := &canvas{img: base, ppm: dpi / 25.4}
	seed := uint64(c.N)*0x9E3779B97F4A7C15 + 1
	for _, s := range c.Strays {
		drawStroke(cv, s)
	}
	var unmarked *image.Gray // Blue: the scan without the diner's marks
	if c.Damage.Blue {
		unmarked = damage(cv, g.Layout, c.Damage, seed)
	}
	for _, m := range c.Marks {
		if err := drawMark(cv, g.Layout, m); err != nil {
			return nil, err
		}
	}
	if c.Back {
		showThrough(cv.img, c.Damage.ShowThrough)
	}
	img := damage(cv, g.Layout, c.Damage, seed)
	var data []byte
	if unmarked != nil {
		data, err = encodeBlue(img, unmarked, c.Damage)
	} else {
		data, err = encode(img, c.Damage)
	}
	if err != nil {
		return nil, fmt.Errorf("encode card %d: %w", c.N, err)
	}
	return &Scan{Card: c, Data: data, Format: c.Damage.Format}, nil
}

// base returns a fresh blank page for the card, and its dpi.
func (g *Generator) base(c *Card) (*image.Gray, float64, error) {
	if g.Base != nil {
		page, dpi, err := g.Base(c)
		if err != nil {
			return nil, 0, fmt.Errorf("blank page for card %d: %w", c.N, err)
		}
		cp := image.NewGray(page.Rect)
		copy(cp.Pix, page.Pix)
		return cp, dpi, nil
	}
	dpi := c.Damage.DPI
	if dpi == 0 {
		dpi = 200
	}
	g.mu.Lock()
	t := g.templates[dpi]
	if t == nil {
		cv := newCanvas(g.Layout.Width, g.Layout.Height, float64(dpi)/25.4)
		drawTemplate(cv, g.Layout)
		t = cv.img
		if g.templates == nil {
			g.templates = map[int]*image.Gray{}
		}
		g.templates[dpi] = t
	}
	g.mu.Unlock()
	cp := image.NewGray(t.Rect)
	copy(cp.Pix, t.Pix)
	cv := &canvas{img: cp, ppm: float64(dpi) / 25.4}
	if err := drawQR(cv, g.Layout.QR, c.QR); err != nil {
		return nil, 0, err
	}
	// A serial that is not 15 base32 characters (a test's) has no ID code.
	_ = drawIDCode(cv, g.Layout, c.Serial, g.Layout.Version)
	return cp, float64(dpi), nil
}

func findBubble(l *cardlayout.Layout, field, value string, col int) (cardlayout.Bubble, bool) {
	for _, f := range l.Fields {
		if f.Name != field {
			continue
		}
		for _, b := range f.Bubbles {
			if b.Value == value && b.Column == col {
				return b, true
			}
		}
	}
	return cardlayout.Bubble{}, false
}

// capsule is a segment with round ends, width w (mm).
type capsule struct{ ax, ay, bx, by, w float64 }

func (s capsule) dist(px, py float64) float64 {
	dx, dy := s.bx-s.ax, s.by-s.ay
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = ((px-s.ax)*dx + (py-s.ay)*dy) / l2
		t = math.Max(0, math.Min(1, t))
	}
	return math.Hypot(px-(s.ax+t*dx), py-(s.ay+t*dy)) - s.w/2
}

// drawCapsules draws segments as one stroke of ink.
func drawCapsules(c *canvas, segs []capsule, darkness float64, grain grainFn) {
	for _, s := range segs {
		x0, x1 := math.Min(s.ax, s.bx)-s.w, math.Max(s.ax, s.bx)+s.w
		y0, y1 := math.Min(s.ay, s.by)-s.w, math.Max(s.ay, s.by)+s.w
		c.shape(x0, y0, x1, y1, 255*(1-darkness), func(px, py, pix float64) float64 {
			return edge(s.dist(px, py), pix) * grain(px, py)
		})
	}
}

// grainFn varies ink coverage over the paper (pencil is grainy).
type grainFn func(x, y float64) float64

func makeGrain(seed uint64, amount float64) grainFn {
	return func(x, y float64) float64 {
		h := uint64(int64(x*40))*0x9E3779B97F4A7C15 ^ uint64(int64(y*40))*0xC2B2AE3D27D4EB4F ^ seed
		h ^= h >> 29
		h *= 0xBF58476D1CE4E5B9
		h ^= h >> 32
		return 1 - amount*float64(h&0xFFFF)/0xFFFF
	}
}

func drawStroke(c *canvas, s Stroke) {
	var segs []capsule
	for i := 1; i < len(s.Points); i++ {
		a, b := s.Points[i-1], s.Points[i]
		segs = append(segs, capsule{a[0], a[1], b[0], b[1], s.Width})
	}
	drawCapsules(c, segs, s.Darkness, func(x, y float64) float64 { return 1 })
}

// drawMark draws one mark in its bubble, varied by the mark's seed.
func drawMark(c *canvas, l *cardlayout.Layout, m Mark) error {
	b, ok := findBubble(l, m.Field, m.Value, m.Column)
	if !ok {
		return fmt.Errorf("mark %s=%s (column %d): no such bubble", m.Field, m.Value, m.Column)
	}
	rng := rand.New(rand.NewPCG(m.Seed, 0x5eed))
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	rIn := l.BubbleDiameter/2 - 0.25
	cx, cy := b.X+u(-0.18, 0.18), b.Y+u(-0.18, 0.18)
	grainAmt := 0.08
	if m.Darkness < 0.72 {
		grainAmt = 0.35 // pencil
	}
	grain := makeGrain(m.Seed, grainAmt)
	level := 255 * (1 - m.Darkness)
	switch m.Kind {
	case Fill, Faint, Residue, Partial, CrossOut:
		r := rIn * u(0.9, 1.06)
		if m.Kind == Fill && rng.Float64() < 0.1 {
			r = rIn * u(1.1, 1.3) // a sloppy fill, over the rim
		}
		if m.Kind == Residue {
			r = rIn * u(0.85, 1.1)
		}
		ph1, ph2 := u(0, 2*math.Pi), u(0, 2*math.Pi)
		a1, a2 := u(0, 0.06), u(0, 0.04)
		nx, ny, cut := 0.0, 0.0, math.Inf(1)
		if m.Kind == Partial {
			a := u(0, 2*math.Pi)
			nx, ny, cut = math.Cos(a), math.Sin(a), r*u(0.15, 0.5)
		}
		c.shape(cx-r*1.2, cy-r*1.2, cx+r*1.2, cy+r*1.2, level, func(px, py, pix float64) float64 {
			dx, dy := px-cx, py-cy
			th := math.Atan2(dy, dx)
			rr := r * (1 + a1*math.Sin(3*th+ph1) + a2*math.Sin(5*th+ph2))
			v := edge(math.Hypot(dx, dy)-rr, pix)
			if cut < math.Inf(1) {
				v = math.Min(v, edge(dx*nx+dy*ny-cut, pix))
			}
			return v * grain(px, py)
		})
		if m.Kind == CrossOut {
			arm := u(2.7, 3.4)
			w := u(0.5, 0.7)
			a := math.Pi/4 + u(-0.2, 0.2)
			b2 := 3*math.Pi/4 + u(-0.2, 0.2)
			drawCapsules(c, []capsule{
				{cx - arm*math.Cos(a), cy - arm*math.Sin(a), cx + arm*math.Cos(a), cy + arm*math.Sin(a), w},
				{cx - arm*math.Cos(b2), cy - arm*math.Sin(b2), cx + arm*math.Cos(b2), cy + arm*math.Sin(b2), w},
			}, 0.85, grain)
		}
	case Scribble:
		r := rIn * u(0.92, 1.05)
		w := u(0.45, 0.65)
		gap := u(0.42, 0.58)
		a := u(0, math.Pi)
		dx, dy := math.Cos(a), math.Sin(a) // stroke direction
		nx, ny := -dy, dx                  // across the strokes
		var pts [][2]float64
		side := 1.0
		for off := -r + w/2; off <= r-w/3; off += gap {
			half := math.Sqrt(math.Max(0, r*r-off*off)) * u(0.85, 1.02)
			pts = append(pts, [2]float64{cx + nx*off + side*dx*half, cy + ny*off + side*dy*half})
			side = -side
		}
		var segs []capsule
		for i := 1; i < len(pts); i++ {
			segs = append(segs, capsule{pts[i-1][0], pts[i-1][1], pts[i][0], pts[i][1], w})
		}
		drawCapsules(c, segs, m.Darkness, grain)
	case Tick:
		s := rIn * u(0.9, 1.25)
		w := u(0.4, 0.65)
		rot := u(-0.25, 0.25)
		p := [][2]float64{{-0.55, -0.05}, {-0.1, 0.55}, {0.75, -0.85}}
		var q [][2]float64
		for _, v := range p {
			x, y := v[0]*s, v[1]*s
			q = append(q, [2]float64{cx + x*math.Cos(rot) - y*math.Sin(rot), cy + x*math.Sin(rot) + y*math.Cos(rot)})
		}
		drawCapsules(c, []capsule{{q[0][0], q[0][1], q[1][0], q[1][1], w}, {q[1][0], q[1][1], q[2][0], q[2][1], w}}, m.Darkness, grain)
	case Cross:
		arm := rIn * u(0.75, 1.05)
		w := u(0.4, 0.65)
		a := math.Pi/4 + u(-0.18, 0.18)
		b2 := 3*math.Pi/4 + u(-0.18, 0.18)
		drawCapsules(c, []capsule{
			{cx - arm*math.Cos(a), cy - arm*math.Sin(a), cx + arm*math.Cos(a), cy + arm*math.Sin(a), w},
			{cx - arm*math.Cos(b2), cy - arm*math.Sin(b2), cx + arm*math.Cos(b2), cy + arm*math.Sin(b2), w},
		}, m.Darkness, grain)
	default:
		return fmt.Errorf("mark kind %q", m.Kind)
	}
	return nil
}

// damage scans the page: places it at d.DPI with rotation, flip and
// perspective on a scanner background, then blur, uneven light and noise.
func damage(base *canvas, l *cardlayout.Layout, d Damage, seed uint64) *image.Gray {
	dpi := d.DPI
	if dpi == 0 {
		dpi = 200
	}
	s := float64(dpi) / 25.4
	rng := rand.New(rand.NewPCG(seed, 0xda3a9e))
	W, H := l.Width, l.Height
	mm := [4][2]float64{{0, 0}, {W, 0}, {W, H}, {0, H}}
	th := d.Rotate * math.Pi / 180
	if d.Flip {
		th += math.Pi
	}
	var out [4][2]float64
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i, p := range mm {
		x, y := (p[0]-W/2)*s, (p[1]-H/2)*s
		x, y = x*math.Cos(th)-y*math.Sin(th), x*math.Sin(th)+y*math.Cos(th)
		x += (2*rng.Float64() - 1) * d.Skew * W * s
		y += (2*rng.Float64() - 1) * d.Skew * W * s
		out[i] = [2]float64{x, y}
		minX, minY = math.Min(minX, x), math.Min(minY, y)
		maxX, maxY = math.Max(maxX, x), math.Max(maxY, y)
	}
	m := d.Margin * s
	for i := range out {
		out[i][0] += m - minX
		out[i][1] += m - minY
	}
	w, h := int(maxX-minX+2*m), int(maxY-minY+2*m)
	hinv, err := fit(out, mm) // output pixels → card mm
	if err != nil {
		panic(err) // four distinct corners of a rotated rectangle
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	src := base.img
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	bppm := base.ppm
	bg := byte(d.Background)
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+w]
		py := float64(y) + 0.5
		nx := hinv[0]*0.5 + hinv[1]*py + hinv[2]
		ny := hinv[3]*0.5 + hinv[4]*py + hinv[5]
		dd := hinv[6]*0.5 + hinv[7]*py + 1
		for x := range row {
			mx, my := nx/dd, ny/dd
			nx += hinv[0]
			ny += hinv[3]
			dd += hinv[6]
			if mx < 0 || my < 0 || mx >= W || my >= H {
				row[x] = bg
				continue
			}
			if d.Warp != 0 {
				mx, my = mx+0.5*d.Warp*math.Sin(2*math.Pi*my/H), my+d.Warp*math.Sin(math.Pi*my/H)
			}
			fx, fy := mx*bppm-0.5, my*bppm-0.5
			x0, y0 := int(math.Floor(fx)), int(math.Floor(fy))
			tx, ty := fx-float64(x0), fy-float64(y0)
			x0c, x1c := clampInt(x0, sw), clampInt(x0+1, sw)
			y0c, y1c := clampInt(y0, sh), clampInt(y0+1, sh)
			r0, r1 := y0c*src.Stride, y1c*src.Stride
			a := float64(src.Pix[r0+x0c])*(1-tx) + float64(src.Pix[r0+x1c])*tx
			b := float64(src.Pix[r1+x0c])*(1-tx) + float64(src.Pix[r1+x1c])*tx
			row[x] = byte(a*(1-ty) + b*ty + 0.5)
		}
	}
	for i := 0; i < d.Blur; i++ {
		blur121(img)
	}
	// Uneven light and sensor noise.
	ca, sa := math.Cos(d.LightAngle), math.Sin(d.LightAngle)
	half := math.Hypot(float64(w), float64(h)) / 2
	state := seed | 1
	next := func() uint64 { // xorshift64*
		state ^= state >> 12
		state ^= state << 25
		state ^= state >> 27
		return state * 0x2545F4914F6CDD1D
	}
	noise := d.Noise * math.Sqrt(3) / 65535
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+w]
		// The light factor is linear along a row: t = t0 + x·dt, clamped.
		t0 := ((-float64(w)/2)*ca+(float64(y)-float64(h)/2)*sa)/half*0.5 + 0.5
		dt := ca / half * 0.5
		for x := range row {
			v := float64(row[x])
			if d.Light > 0 {
				t := t0 + float64(x)*dt
				if t < 0 {
					t = 0
				} else if t > 1 {
					t = 1
				}
				v *= 1 - d.Light*t
			}
			if noise > 0 {
				r := next()
				// Sum of four uniforms: near-Gaussian, unit variance.
				v += float64(int64(r&0xFFFF+(r>>16)&0xFFFF+(r>>32)&0xFFFF+(r>>48)&0xFFFF)-2*65535) * noise
			}
			switch {
			case v <= 0:
				row[x] = 0
			case v >= 255:
				row[x] = 255
			default:
				row[x] = byte(v + 0.5)
			}
		}
	}
	return img
}

func clampInt(v, n int) int {
	if v < 0 {
		return 0
	}
	if v >= n {
		return n - 1
	}
	return v
}

// blur121 blurs with a separable [1 2 1]/4 kernel.
func blur121(img *image.Gray) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	tmp := make([]byte, w)
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+w]
		copy(tmp, row)
		for x := 1; x < w-1; x++ {
			row[x] = byte((int(tmp[x-1]) + 2*int(tmp[x]) + int(tmp[x+1]) + 2) / 4)
		}
	}
	prev := make([]byte, w)
	cur := make([]byte, w)
	copy(prev, img.Pix[:w])
	for y := 1; y < h-1; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+w]
		copy(cur, row)
		next := img.Pix[(y+1)*img.Stride:]
		for x := 0; x < w; x++ {
			row[x] = byte((int(prev[x]) + 2*int(cur[x]) + int(next[x]) + 2) / 4)
		}
		prev, cur = cur, prev
	}
}

// showThrough turns a card's front into its blank back: the front,
// mirrored, at contrast k on white paper.
func showThrough(img *image.Gray, k float64) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+w]
		for x := 0; x < w/2; x++ {
			row[x], row[w-1-x] = row[w-1-x], row[x]
		}
		for x, v := range row {
			row[x] = byte(255 - (255-float64(v))*k + 0.5)
		}
	}
}

// encodeBlue writes a colour file whose marks are blue ballpoint: marked is
// the scan, unmarked the same scan without the diner's marks; where they
// differ, the ink is as dark as the difference in red, 55 % of it in green
// and 15 % in blue. The paper has the warm tint of encode's colour files.
func encodeBlue(marked, unmarked *image.Gray, d Damage) ([]byte, error) {
	rgba := image.NewRGBA(marked.Rect)
	for i, b := range marked.Pix {
		a := float64(unmarked.Pix[i])
		dk := math.Max(0, a-float64(b))
		rgba.Pix[4*i] = byte(a - dk)
		rgba.Pix[4*i+1] = byte((a - 0.55*dk) * 0.97)
		rgba.Pix[4*i+2] = byte((a - 0.15*dk) * 0.9)
		rgba.Pix[4*i+3] = 255
	}
	return encodeImage(rgba, d)
}

func encode(img *image.Gray, d Damage) ([]byte, error) {
	var out image.Image = img
	if d.Colour {
		rgba := image.NewRGBA(img.Rect)
		for i, v := range img.Pix {
			rgba.Pix[4*i] = v
			rgba.Pix[4*i+1] = byte(float64(v) * 0.97)
			rgba.Pix[4*i+2] = byte(float64(v) * 0.9)
			rgba.Pix[4*i+3] = 255
		}
		out = rgba
	}
	return encodeImage(out, d)
}

// encodeImage writes the file in d's format.
func encodeImage(out image.Image, d Damage) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	switch d.Format {
	case "", "jpeg":
		q := d.Quality
		if q == 0 {
			q = 85
		}
		err = jpeg.Encode(&buf, out, &jpeg.Options{Quality: q})
	case "png":
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, out)
	case "tiff":
		err = tiff.Encode(&buf, out, nil)
	default:
		err = errors.New("unknown format " + d.Format)
	}
	return buf.Bytes(), err
}

// fit solves the projective transform taking src[i] to dst[i].
func fit(src, dst [4][2]float64) ([8]float64, error) {
	var a [8][9]float64
	for i := 0; i < 4; i++ {
		x, y, u, v := src[i][0], src[i][1], dst[i][0], dst[i][1]
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -u * x, -u * y, u}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -v * x, -v * y, v}
	}
	for c := 0; c < 8; c++ {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-12 {
			return [8]float64{}, errors.New("singular transform")
		}
		a[c], a[p] = a[p], a[c]
		for r := 0; r < 8; r++ {
			if r != c {
				f := a[r][c] / a[c][c]
				for k := c; k < 9; k++ {
					a[r][k] -= f * a[c][k]
				}
			}
		}
	}
	var h [8]float64
	for i := range h {
		h[i] = a[i][8] / a[i][i]
	}
	return h, nil
}
