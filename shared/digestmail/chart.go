package digestmail

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"strconv"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"

	"github.com/cardloop/cardloop/shared/digest"
)

// The chart is a PNG, not SVG: Gmail and Outlook show no SVG. Its labels
// are digits only (day of month, counts, scores on 5), drawn with the Go
// font, so the image needs no CJK font; the words (title, legend) are in
// the HTML around it, in the reader's language, and its alt text says what
// it shows.
const (
	ChartWidth  = 600
	ChartHeight = 260
)

var (
	chartBar   = color.RGBA{0xc9, 0x8b, 0x8b, 0xff} // cards: light brand red
	chartLine  = color.RGBA{0x1f, 0x5f, 0x2a, 0xff} // CSAT: green
	chartGrid  = color.RGBA{0xe4, 0xde, 0xd9, 0xff}
	chartInk   = color.RGBA{0x1f, 0x1a, 0x17, 0xff}
	chartMuted = color.RGBA{0x5b, 0x52, 0x4c, 0xff}
)

var (
	faceOnce sync.Once
	face     font.Face
	faceErr  error
)

func labelFace() (font.Face, error) {
	faceOnce.Do(func() {
		f, err := opentype.Parse(goregular.TTF)
		if err != nil {
			faceErr = fmt.Errorf("parse the Go font: %w", err)
			return
		}
		face, faceErr = opentype.NewFace(f, &opentype.FaceOptions{Size: 13, DPI: 72, Hinting: font.HintingFull})
	})
	return face, faceErr
}

// Chart draws a week's days: cards as bars (count above each, left scale)
// and CSAT as a line on 1–5 (right scale; a day without a rated card has
// no point), with the day of month under each bar.
func Chart(days []digest.DayPoint) ([]byte, error) {
	fc, err := labelFace()
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, ChartWidth, ChartHeight))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	const left, right, top, bottom = 44, ChartWidth - 44, 24, ChartHeight - 32
	plotH := float32(bottom - top)
	maxCards := int64(1)
	for _, d := range days {
		maxCards = max(maxCards, d.Cards)
	}
	text := func(s string, x, y int, c color.Color, centred bool) {
		d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: fc}
		if centred {
			x -= d.MeasureString(s).Round() / 2
		}
		d.Dot = fixed.P(x, y)
		d.DrawString(s)
	}
	// CSAT grid lines 1–5, labelled on the right; the cards scale on the left.
	for v := 1; v <= 5; v++ {
		y := float32(bottom) - plotH*float32(v-1)/4
		fill(img, rectPath(left, y, right, y+1), chartGrid)
		text(strconv.Itoa(v), right+8, int(y)+5, chartLine, false)
	}
	text(strconv.FormatInt(maxCards, 10), 6, top+5, chartMuted, false)
	text("0", 6, bottom+5, chartMuted, false)
	n := max(len(days), 1)
	slot := float32(right-left) / float32(n)
	var line []point
	for i, d := range days {
		cx := float32(left) + slot*(float32(i)+0.5)
		h := plotH * float32(d.Cards) / float32(maxCards)
		if d.Cards > 0 {
			fill(img, rectPath(cx-slot*0.28, float32(bottom)-h, cx+slot*0.28, float32(bottom)), chartBar)
		}
		text(strconv.FormatInt(d.Cards, 10), int(cx), int(float32(bottom)-h)-4, chartInk, true)
		text(strconv.Itoa(d.Date.Day()), int(cx), bottom+20, chartMuted, true)
		if d.CSATN > 0 {
			line = append(line, point{cx, float32(bottom) - plotH*float32(d.CSAT-1)/4})
		}
	}
	for i := 1; i < len(line); i++ {
		fill(img, segmentPath(line[i-1], line[i], 1.6), chartLine)
	}
	for _, p := range line {
		fill(img, circlePath(p, 4.5), chartLine)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("encode the chart: %w", err)
	}
	return b.Bytes(), nil
}

type point struct{ x, y float32 }

type path []point

func rectPath(x0, y0, x1, y1 float32) path {
	return path{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
}

// segmentPath is a line from a to b, w wide on each side, as a polygon.
func segmentPath(a, b point, w float32) path {
	dx, dy := b.x-a.x, b.y-a.y
	l := float32(math.Hypot(float64(dx), float64(dy)))
	if l == 0 {
		return nil
	}
	nx, ny := -dy/l*w, dx/l*w
	return path{{a.x + nx, a.y + ny}, {b.x + nx, b.y + ny}, {b.x - nx, b.y - ny}, {a.x - nx, a.y - ny}}
}

func circlePath(c point, r float32) path {
	const steps = 20
	out := make(path, steps)
	for i := range out {
		a := 2 * math.Pi * float64(i) / steps
		out[i] = point{c.x + r*float32(math.Cos(a)), c.y + r*float32(math.Sin(a))}
	}
	return out
}

// fill rasterises a closed polygon onto img in colour c.
func fill(img *image.RGBA, p path, c color.Color) {
	if len(p) < 3 {
		return
	}
	b := img.Bounds()
	r := vector.NewRasterizer(b.Dx(), b.Dy())
	r.MoveTo(p[0].x, p[0].y)
	for _, q := range p[1:] {
		r.LineTo(q.x, q.y)
	}
	r.ClosePath()
	r.Draw(img, b, image.NewUniform(c), image.Point{})
}
