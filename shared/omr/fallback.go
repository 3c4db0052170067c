package omr

import (
	"math"
	"sort"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/cardloop/cardloop/shared/cardlayout"
)

// Blank paper, early reduction, the QR code's harder passes and the ID
// code.

// blankInk is the largest share of a page's pixels that may be ink (darker
// than 70 % of the local paper) for a page without registration marks to be
// blank paper. A card's QR code alone is more than 1 % of it, its marks,
// rims and words more again; a duplex scan's blank back, with scanner noise,
// JPEG artefacts and the front showing through faintly, has next to none.
const blankInk = 0.003

// inkShare is the share of the reduced page's pixels darker than 70 % of
// the local paper.
func (wk *work) inkShare() float64 {
	g := &wk.g
	b := wk.bg.blockWork
	n := 0
	for y := 0; y < g.h; y++ {
		row := g.pix[y*g.stride : y*g.stride+g.w]
		cells := wk.bg.cells[min(y/b, wk.bg.gh-1)*wk.bg.gw:]
		for x, v := range row {
			if float64(v) < 0.7*cells[min(x/b, wk.bg.gw-1)] {
				n++
			}
		}
	}
	return float64(n) / float64(max(1, g.w*g.h))
}

// reduceAbove is the resolution (px/mm) above which a page is reduced
// before it is read: about 260 dpi. The reader needs no more than 200 dpi
// gives.
const reduceAbove = 10.2

// ppm is the scan's resolution on the card (px/mm of the full image) from
// the quad's marks (in reduced pixels, f full pixels each) and the layout's
// mark centres lc.
func (q *quad) ppm(lc [4]pt, f float64) float64 {
	var img, mm float64
	for i := 0; i < 4; i++ {
		img += q.c[i].dist(q.c[(i+1)%4])
		mm += lc[i].dist(lc[(i+1)%4])
	}
	return img * f / mm
}

// downsample reduces a page of ppm px/mm to about 8 (200 dpi): by 3:2 area
// averaging from about 300 dpi, by an integer box average from 400 dpi up.
// It returns the page and the factor (1 when unchanged).
func downsample(g *gray, ppm float64) (*gray, float64) {
	s := ppm / 8
	if s < 1.75 {
		if s < 1.3 {
			return g, 1
		}
		return reduce32(g), 1.5
	}
	k := int(math.Round(s))
	return boxReduce(g, k), float64(k)
}

// reduce32 reduces by 3:2 in both directions, each output pixel the area
// average of the 1.5 × 1.5 input pixels it covers.
func reduce32(src *gray) *gray {
	w, h := src.w/3*2, src.h/3*2
	out := &gray{pix: make([]byte, w*h), w: w, h: h, stride: w}
	n := src.w / 3 * 3
	a := make([]uint32, n) // 2·r0 + r1
	b := make([]uint32, n) // r1 + 2·r2
	for y := 0; y < h/2; y++ {
		r0 := src.pix[(3*y)*src.stride:][:n]
		r1 := src.pix[(3*y+1)*src.stride:][:n]
		r2 := src.pix[(3*y+2)*src.stride:][:n]
		for x := 0; x < n; x++ {
			m := uint32(r1[x])
			a[x] = 2*uint32(r0[x]) + m
			b[x] = m + 2*uint32(r2[x])
		}
		oa := out.pix[(2*y)*w:][:w]
		ob := out.pix[(2*y+1)*w:][:w]
		for x := 0; x < w/2; x++ {
			i := 3 * x
			oa[2*x] = byte((2*a[i] + a[i+1] + 4) / 9)
			oa[2*x+1] = byte((a[i+1] + 2*a[i+2] + 4) / 9)
			ob[2*x] = byte((2*b[i] + b[i+1] + 4) / 9)
			ob[2*x+1] = byte((b[i+1] + 2*b[i+2] + 4) / 9)
		}
	}
	return out
}

// qrPass is one way of looking for the QR code where the layout puts it.
type qrPass struct {
	ppm     float64
	harder  bool
	global  bool                   // gozxing's global histogram binariser instead of the hybrid one
	prepare func([]byte, int, int) // applied to the resampled area first
}

func keep([]byte, int, int) {}

// qrPasses are tried in order until one decodes: as scanned, then trying
// harder, then resampled finer and thresholded here (Otsu), sharpened, or
// binarised over the whole area at once, at more than one scale (blurred
// 150 dpi scans, colour JPEGs).
func qrPasses(ppm float64) []qrPass {
	thr := func(p []byte, _, _ int) { otsu(p) }
	sharpThr := func(p []byte, w, h int) { sharpen(p, w, h); otsu(p) }
	return []qrPass{
		{ppm: ppm, prepare: keep},
		{ppm: ppm, harder: true, prepare: keep},
		{ppm: 10, harder: true, prepare: thr},
		{ppm: 10, harder: true, prepare: sharpThr},
		{ppm: 8, harder: true, global: true, prepare: keep},
		{ppm: 12, harder: true, prepare: sharpThr},
		{ppm: 6, harder: true, prepare: thr},
	}
}

// sharpen applies an unsharp mask (the pixel less its 4-neighbour mean) in
// place.
func sharpen(p []byte, w, h int) {
	src := append([]byte(nil), p...)
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			v := 2*int(src[i]) - (int(src[i-1])+int(src[i+1])+int(src[i-w])+int(src[i+w]))/4
			p[i] = byte(max(0, min(255, v)))
		}
	}
}

// decodeQRWith decodes the one QR code in a grey image with the hybrid or
// the global histogram binariser.
func decodeQRWith(pix []byte, w, h int, tryHarder, global bool) (qrResult, bool) {
	if !global {
		return decodeQR(pix, w, h, tryHarder)
	}
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewGlobalHistgramBinarizer(newGraySource(pix, w, h)))
	if err != nil {
		return qrResult{}, false
	}
	hints := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return qrResult{}, false
	}
	return resultOf(res), true
}

// idRead is an ID code read from a page.
type idRead struct {
	serial  string
	version int
	ok      bool
}

// readIDCode reads the ID code (cardlayout.EncodeID) in box, through h.
// The grid is searched within ±1 mm across and ±0.75 mm down of where the
// marks put it (a page that slipped or curled); the shifts whose cells
// separate best into dark and light are decoded first, and only a check
// code that matches counts (a CRC-32: a wrong serial passes one shift in
// four thousand million).
func readIDCode(g *gray, h *homography, box cardlayout.Rect) idRead {
	const n = cardlayout.IDRows * cardlayout.IDCols
	cw, ch := box.W/cardlayout.IDCols, box.H/cardlayout.IDRows
	type try struct {
		cells [n]float64
		thr   float64
		score float64
	}
	var tries []try
	// Each cell is the mean of 3 × 3 points over its middle half.
	offs := [3]float64{-0.25, 0, 0.25}
	for sy := -3; sy <= 3; sy++ {
		for sx := -4; sx <= 4; sx++ {
			var t try
			dx, dy := float64(sx)*0.25, float64(sy)*0.25
			for r := 0; r < cardlayout.IDRows; r++ {
				for c := 0; c < cardlayout.IDCols; c++ {
					cx := box.X + (float64(c)+0.5)*cw + dx
					cy := box.Y + (float64(r)+0.5)*ch + dy
					var sum float64
					for _, oy := range offs {
						for _, ox := range offs {
							p := h.apply(pt{cx + ox*cw, cy + oy*ch})
							sum += g.bilinear(p.x, p.y)
						}
					}
					t.cells[r*cardlayout.IDCols+c] = sum / 9
				}
			}
			t.thr, t.score = split(t.cells[:])
			tries = append(tries, t)
		}
	}
	sort.SliceStable(tries, func(i, j int) bool { return tries[i].score > tries[j].score })
	bits := make([]bool, n)
	for _, t := range tries[:min(8, len(tries))] {
		if t.score <= 0 {
			break
		}
		for i, v := range t.cells {
			bits[i] = v < t.thr
		}
		if serial, version, err := cardlayout.DecodeID(bits); err == nil {
			return idRead{serial: serial, version: version, ok: true}
		}
	}
	return idRead{}
}

// split finds the threshold that best separates v into dark and light (two
// means, iterated), and a score: the gap between the two means over the
// spread within them.
func split(v []float64) (thr, score float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	thr = (lo + hi) / 2
	var m0, m1, s0, s1 float64
	for it := 0; it < 6; it++ {
		var n0, n1 int
		m0, m1 = 0, 0
		for _, x := range v {
			if x < thr {
				m0 += x
				n0++
			} else {
				m1 += x
				n1++
			}
		}
		if n0 == 0 || n1 == 0 {
			return thr, 0
		}
		m0 /= float64(n0)
		m1 /= float64(n1)
		thr = (m0 + m1) / 2
	}
	for _, x := range v {
		if x < thr {
			s0 = math.Max(s0, math.Abs(x-m0))
		} else {
			s1 = math.Max(s1, math.Abs(x-m1))
		}
	}
	return thr, (m1 - m0) / (1 + s0 + s1)
}
