package synth

import (
	"fmt"
	"image"
	"math"
	"net/url"
	"strconv"

	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/cardloop/cardloop/shared/cardlayout"
)

// Grey levels of what Blank prints (paper is 255), as shared/cardprint
// prints them.
const (
	levelMark    = 0   // registration marks and the QR code
	levelOutline = 90  // bubble rims
	levelLabel   = 170 // values printed inside bubbles, light grey
	levelText    = 25  // questions and answers' words
	levelBox     = 120 // box outlines
)

// Blank rasterises a blank card of layout l at dpi, upright, much as
// shared/cardprint prints it (in ASCII, with a bitmap font): the
// registration marks, grey bubble rims with short values in light grey
// inside, answers' words beside bubbles, labels and texts where the layout
// puts them, box outlines, and qrText's QR code in l.QR (quiet zone
// included). Only the marks, the bubble rims and the QR code are things the
// reader relies on.
func Blank(l *cardlayout.Layout, dpi float64, qrText string) (*image.Gray, error) {
	c := newCanvas(l.Width, l.Height, dpi/25.4)
	drawTemplate(c, l)
	if err := drawQR(c, l.QR, qrText); err != nil {
		return nil, err
	}
	if u, err := url.Parse(qrText); err == nil {
		if v, err := strconv.Atoi(u.Query().Get("v")); err == nil {
			// A serial that is not base32 has no ID code.
			_ = drawIDCode(c, l, u.Query().Get("s"), v)
		}
	}
	return c.img, nil
}

// drawIDCode draws the ID code of serial and version (cardlayout.EncodeID)
// in the layout's code box, as shared/cardprint does.
func drawIDCode(c *canvas, l *cardlayout.Layout, serial string, version int) error {
	if l.Code == nil {
		return nil
	}
	cells, err := cardlayout.EncodeID(serial, version)
	if err != nil {
		return err
	}
	r := *l.Code
	cw, ch := r.W/cardlayout.IDCols, r.H/cardlayout.IDRows
	for i, black := range cells {
		if black {
			c.fillRect(r.X+float64(i%cardlayout.IDCols)*cw, r.Y+float64(i/cardlayout.IDCols)*ch, cw, ch, levelMark)
		}
	}
	return nil
}

// SerialOf is the serial of card n of a synthetic corpus: "SYN" and n in
// base32 (RFC 4648), 15 characters like a printed card's.
func SerialOf(n int) string {
	const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := []byte("SYNAAAAAAAAAAAA")
	for i := len(b) - 1; i >= 3 && n > 0; i-- {
		b[i] = abc[n%32]
		n /= 32
	}
	return string(b)
}

// canvas draws in millimetres on a grey image of ppm pixels per mm. Pixel
// (i, j) covers [i, i+1) × [j, j+1) in pixels.
type canvas struct {
	img *image.Gray
	ppm float64
}

func newCanvas(wmm, hmm, ppm float64) *canvas {
	w, h := int(math.Round(wmm*ppm)), int(math.Round(hmm*ppm))
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	return &canvas{img: img, ppm: ppm}
}

// plot darkens pixel (x, y) towards level by coverage cov (ink never
// lightens what is already darker).
func (c *canvas) plot(x, y int, level, cov float64) {
	if cov <= 0 || x < 0 || y < 0 || x >= c.img.Rect.Dx() || y >= c.img.Rect.Dy() {
		return
	}
	if cov > 1 {
		cov = 1
	}
	i := y*c.img.Stride + x
	old := float64(c.img.Pix[i])
	if level >= old {
		return
	}
	c.img.Pix[i] = byte(old + (level-old)*cov + 0.5)
}

// shape draws the pixels within the mm box [x0,x1]×[y0,y1] whose coverage
// cov(px, py) (pixel centre in mm, pixel size in mm) is positive.
func (c *canvas) shape(x0, y0, x1, y1 float64, level float64, cov func(px, py, pix float64) float64) {
	pix := 1 / c.ppm
	i0, i1 := int(math.Floor(x0*c.ppm))-1, int(math.Ceil(x1*c.ppm))+1
	j0, j1 := int(math.Floor(y0*c.ppm))-1, int(math.Ceil(y1*c.ppm))+1
	i0, j0 = max(i0, 0), max(j0, 0)
	i1, j1 = min(i1, c.img.Rect.Dx()-1), min(j1, c.img.Rect.Dy()-1)
	for j := j0; j <= j1; j++ {
		py := (float64(j) + 0.5) * pix
		for i := i0; i <= i1; i++ {
			px := (float64(i) + 0.5) * pix
			if v := cov(px, py, pix); v > 0 {
				c.plot(i, j, level, v)
			}
		}
	}
}

// edge turns a signed distance (mm, negative inside) into pixel coverage.
func edge(d, pix float64) float64 {
	v := 0.5 - d/pix
	if v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}

func (c *canvas) fillRect(x, y, w, h, level float64) {
	c.shape(x, y, x+w, y+h, level, func(px, py, pix float64) float64 {
		dx := math.Max(x-px, px-(x+w))
		dy := math.Max(y-py, py-(y+h))
		return edge(math.Max(dx, dy), pix)
	})
}

func (c *canvas) strokeRect(x, y, w, h, width, level float64) {
	c.fillRect(x, y, w, width, level)
	c.fillRect(x, y+h-width, w, width, level)
	c.fillRect(x, y, width, h, level)
	c.fillRect(x+w-width, y, width, h, level)
}

func (c *canvas) ring(cx, cy, r, width, level float64) {
	ro := r + width/2
	c.shape(cx-ro, cy-ro, cx+ro, cy+ro, level, func(px, py, pix float64) float64 {
		d := math.Abs(math.Hypot(px-cx, py-cy)-r) - width/2
		return edge(d, pix)
	})
}

// text draws s with the 7×13 basic font scaled to a cap height of h mm, its
// top-left at (x, y). It returns the text's width in mm.
func (c *canvas) text(s string, x, y, h, level float64) float64 {
	face := basicfont.Face7x13
	wpx := font.MeasureString(face, s).Ceil()
	if wpx == 0 {
		return 0
	}
	mask := image.NewAlpha(image.Rect(0, 0, wpx, 13))
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: face, Dot: fixed.P(0, 10)}
	d.DrawString(s)
	scale := h / 10 // mm per font pixel (cap height ≈ 10 px)
	wmm := float64(wpx) * scale
	c.shape(x, y, x+wmm, y+13*scale, level, func(px, py, pix float64) float64 {
		fx := (px - x) / scale
		fy := (py - y) / scale
		if fx < 0 || fy < 0 || fx >= float64(wpx) || fy >= 13 {
			return 0
		}
		return float64(mask.Pix[int(fy)*mask.Stride+int(fx)]) / 255
	})
	return wmm
}

func textWidth(s string, h float64) float64 {
	return float64(font.MeasureString(basicfont.Face7x13, s).Ceil()) * h / 10
}

// drawTemplate draws everything but the QR code.
func drawTemplate(c *canvas, l *cardlayout.Layout) {
	for _, m := range l.Marks {
		c.fillRect(m.X-m.Size/2, m.Y-m.Size/2, m.Size, m.Size, levelMark)
	}
	d := l.BubbleDiameter
	const line = 0.25
	for _, f := range l.Fields {
		if f.Label != nil {
			textIn(c, *f.Label, f.Name, levelText)
		}
		for _, b := range f.Bubbles {
			c.ring(b.X, b.Y, d/2-line/2, line, levelOutline)
			if r, ok := l.WordsRect(f, b); ok {
				textIn(c, r, b.Value, levelText)
				continue
			}
			if f.Kind == cardlayout.Check {
				continue
			}
			label := b.Value
			if b.Text != "" {
				label = b.Text
			}
			th := 0.42 * d
			tw := textWidth(label, th)
			c.text(label, b.X-tw/2, b.Y-th*0.65, th, levelLabel)
		}
	}
	for _, b := range l.Boxes {
		c.strokeRect(b.X, b.Y, b.W, b.H, 0.3, levelBox)
	}
	for _, t := range l.Texts {
		textIn(c, t.Rect, t.Key, levelText)
	}
}

// textIn writes s in r: a line half r's height (at most 3 mm), vertically
// centred, cut to r's width.
func textIn(c *canvas, r cardlayout.Rect, s string, level float64) {
	h := math.Min(3, r.H*0.5)
	for len(s) > 0 && textWidth(s, h) > r.W {
		s = s[:len(s)-1]
	}
	c.text(s, r.X, r.Y+(r.H-h*1.3)/2, h, level)
}

// drawQR draws qrText's symbol (with its four-module quiet zone) filling
// the square centred in r.
func drawQR(c *canvas, r cardlayout.Rect, qrText string) error {
	q, err := qrcode.New(qrText, qrcode.Medium)
	if err != nil {
		return fmt.Errorf("encode QR %q: %w", qrText, err)
	}
	bits := q.Bitmap() // includes the quiet zone
	n := len(bits)
	side := math.Min(r.W, r.H)
	mod := side / float64(n)
	x0 := r.X + (r.W-side)/2
	y0 := r.Y + (r.H-side)/2
	// Each pixel's coverage from a 3×3 supersample.
	c.shape(x0, y0, x0+side, y0+side, levelMark, func(px, py, pix float64) float64 {
		hit := 0
		for sy := -1; sy <= 1; sy++ {
			for sx := -1; sx <= 1; sx++ {
				u := (px + float64(sx)*pix/3 - x0) / mod
				v := (py + float64(sy)*pix/3 - y0) / mod
				if u >= 0 && v >= 0 && int(u) < n && int(v) < n && bits[int(v)][int(u)] {
					hit++
				}
			}
		}
		return float64(hit) / 9
	})
	return nil
}
