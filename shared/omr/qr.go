package omr

import (
	"fmt"
	"image"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/cardloop/cardloop/shared/cardlayout"
)

// graySource hands a grey pixel slice to gozxing without the per-pixel
// interface calls of gozxing.NewLuminanceSourceFromImage.
type graySource struct {
	gozxing.LuminanceSourceBase
	pix []byte // Width*Height, rows contiguous
}

func newGraySource(pix []byte, w, h int) *graySource {
	return &graySource{LuminanceSourceBase: gozxing.LuminanceSourceBase{Width: w, Height: h}, pix: pix}
}

func (s *graySource) GetRow(y int, row []byte) ([]byte, error) {
	if y < 0 || y >= s.Height {
		return nil, fmt.Errorf("row %d outside 0..%d", y, s.Height-1)
	}
	if len(row) < s.Width {
		row = make([]byte, s.Width)
	}
	copy(row, s.pix[y*s.Width:(y+1)*s.Width])
	return row, nil
}

func (s *graySource) GetMatrix() []byte { return s.pix }

func (s *graySource) Invert() gozxing.LuminanceSource {
	return gozxing.NewInvertedLuminanceSource(s)
}

func (s *graySource) String() string { return gozxing.LuminanceSourceString(s) }

// qrResult is a decoded QR code: its text, and which way up it lies in the
// image it was decoded from, in quarter turns clockwise (0 = upright).
type qrResult struct {
	text  string
	turns int
	at    pt // centre, in the decoded image's pixels
}

// decodeQR decodes the one QR code in a grey image.
func decodeQR(pix []byte, w, h int, tryHarder bool) (qrResult, bool) {
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(newGraySource(pix, w, h)))
	if err != nil {
		return qrResult{}, false
	}
	hints := map[gozxing.DecodeHintType]interface{}{}
	if tryHarder {
		hints[gozxing.DecodeHintType_TRY_HARDER] = true
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return qrResult{}, false
	}
	return resultOf(res), true
}

// resultOf is a gozxing result's text and which way up it lies.
func resultOf(res *gozxing.Result) qrResult {
	out := qrResult{text: res.GetText()}
	// Result points: bottom-left, top-left, top-right finder patterns.
	if p := res.GetResultPoints(); len(p) >= 3 {
		tl, tr, bl := p[1], p[2], p[0]
		ang := math.Atan2(tr.GetY()-tl.GetY(), tr.GetX()-tl.GetX())
		out.turns = (int(math.Round(ang/(math.Pi/2))) + 4) % 4
		out.at = pt{(tr.GetX() + bl.GetX()) / 2, (tr.GetY() + bl.GetY()) / 2}
	}
	return out
}

// rectify resamples the card area r (mm, through h) into an upright grey
// image of ppm pixels per mm.
func rectify(g *gray, h *homography, r cardlayout.Rect, ppm float64) *image.Gray {
	w := max(1, int(math.Round(r.W*ppm)))
	ht := max(1, int(math.Round(r.H*ppm)))
	out := image.NewGray(image.Rect(0, 0, w, ht))
	step := 1 / ppm
	for y := 0; y < ht; y++ {
		my := r.Y + (float64(y)+0.5)*step
		// Numerators and denominator are linear along a row.
		mx := r.X + 0.5*step
		nx := h[0]*mx + h[1]*my + h[2]
		ny := h[3]*mx + h[4]*my + h[5]
		d := h[6]*mx + h[7]*my + 1
		dnx, dny, dd := h[0]*step, h[3]*step, h[6]*step
		row := out.Pix[y*out.Stride : y*out.Stride+w]
		maxU, maxV := float64(g.w-1), float64(g.h-1)
		for x := range row {
			u, v := nx/d, ny/d
			nx += dnx
			ny += dny
			d += dd
			if u >= 0 && v >= 0 && u < maxU && v < maxV {
				// Inside: bilinear without the edge clamps.
				x0, y0 := int(u), int(v)
				fx, fy := u-float64(x0), v-float64(y0)
				i := y0*g.stride + x0
				p := g.pix[i : i+g.stride+2]
				a := float64(p[0]) + (float64(p[1])-float64(p[0]))*fx
				b := float64(p[g.stride]) + (float64(p[g.stride+1])-float64(p[g.stride]))*fx
				row[x] = byte(a + (b-a)*fy + 0.5)
				continue
			}
			if u < -0.5 || v < -0.5 || u > float64(g.w)-0.5 || v > float64(g.h)-0.5 {
				row[x] = 255
			} else {
				row[x] = byte(g.bilinear(u, v) + 0.5)
			}
		}
	}
	return out
}

// cardURL is what a card's QR code says.
type cardURL struct {
	store, serial, sig string
	version            int
}

// parseCardURL parses {base}/c/{store}?s={serial}&v={version}&k={sig}.
func parseCardURL(text string) (cardURL, error) {
	u, err := url.Parse(strings.TrimSpace(text))
	if err != nil || u.Host == "" {
		return cardURL{}, fmt.Errorf("not a URL")
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 2 || parts[len(parts)-2] != "c" || parts[len(parts)-1] == "" {
		return cardURL{}, fmt.Errorf("path %q is not /c/{store}", u.Path)
	}
	q := u.Query()
	c := cardURL{store: parts[len(parts)-1], serial: q.Get("s"), sig: q.Get("k")}
	if c.serial == "" || c.sig == "" {
		return cardURL{}, fmt.Errorf("no serial or signature")
	}
	c.version, err = strconv.Atoi(q.Get("v"))
	if err != nil || c.version <= 0 {
		return cardURL{}, fmt.Errorf("layout version %q", q.Get("v"))
	}
	return c, nil
}
