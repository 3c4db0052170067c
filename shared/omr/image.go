package omr

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/tiff"

	"github.com/cardloop/cardloop/shared/omr/pnggray"
)

// MaxPixels is the largest image Decode accepts: an A4 page at 600 dpi is
// 35 megapixels, so 60 leaves room for a large scanner bed and refuses
// nonsense before it fills a Lambda's memory.
const MaxPixels = 60_000_000

// Decode decodes a JPEG, PNG or TIFF scan read from r: DecodeBytes of
// its bytes.
func Decode(r io.Reader) (image.Image, error) {
	size := 0 // the file's length, when the reader knows it
	if l, ok := r.(interface{ Len() int }); ok {
		size = l.Len()
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, &Error{Code: CodeBadImage, Detail: "read scan", Err: err}
	}
	return DecodeBytes(buf.Bytes())
}

// DecodeBytes decodes a JPEG, PNG or TIFF scan. It reads the header first
// and refuses an image of more than MaxPixels (CodeTooLarge) before
// decoding it; anything else unreadable is CodeBadImage. A multi-page
// TIFF yields its first page. The scan is decoded to the grey the reader
// reads (luminance, or the darkest of R, G and B of a colour scan), and a
// large one at a reduced size (see minDecodedSide): the image is for Read,
// not to show. A page decoded reduced keeps data (not a copy) to decode
// parts of it again at full size: data must not change while the image is
// in use.
func DecodeBytes(data []byte) (image.Image, error) {
	format, err := sniff(data)
	if err != nil {
		return nil, err
	}
	var cfg image.Config
	switch format {
	case "jpeg":
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case "png":
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case "tiff":
		cfg, err = tiff.DecodeConfig(bytes.NewReader(data))
	}
	if err != nil {
		return nil, &Error{Code: CodeBadImage, Detail: "read " + format + " header", Err: err}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, &Error{Code: CodeBadImage, Detail: fmt.Sprintf("%s of %d×%d pixels", format, cfg.Width, cfg.Height)}
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > MaxPixels {
		return nil, &Error{Code: CodeTooLarge, Detail: fmt.Sprintf("%s of %d×%d pixels (%.0f megapixels; at most %d)",
			format, cfg.Width, cfg.Height, float64(px)/1e6, MaxPixels/1_000_000)}
	}
	var img image.Image
	switch format {
	case "jpeg":
		return decodeJPEG(data, decodeScale(cfg.Width, cfg.Height))
	case "png":
		// pnggray decodes what scanners write straight to grey; anything
		// it does not (or finds malformed) is left to image/png, which
		// decides what is unreadable.
		if g, perr := pnggray.Decode(data, MaxPixels); perr == nil {
			return reduceLarge(g), nil
		}
		pngFallbacks.Add(1)
		img, err = png.Decode(bytes.NewReader(data))
	case "tiff":
		if m, ok := decodeTIFF(data, decodeScale(cfg.Width, cfg.Height)); ok {
			return m, nil
		}
		img, err = tiff.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, &Error{Code: CodeBadImage, Detail: "decode " + format, Err: err}
	}
	// Grey now rather than in Read, so that a large page can be reduced.
	return reduceLarge(toGray(img).image()), nil
}

// sniff names the format from the file's first bytes.
func sniff(b []byte) (string, error) {
	if len(b) < 4 {
		return "", &Error{Code: CodeBadImage, Detail: "file too short", Err: io.ErrUnexpectedEOF}
	}
	switch {
	case b[0] == 0xFF && b[1] == 0xD8:
		return "jpeg", nil
	case bytes.HasPrefix(b, []byte("\x89PNG")):
		return "png", nil
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return "tiff", nil
	}
	return "", &Error{Code: CodeBadImage, Detail: "not a JPEG, PNG or TIFF file"}
}

// gray is an 8-bit grey image as a plain pixel slice, so the hot loops index
// memory instead of calling image.Image.At.
type gray struct {
	pix    []byte
	w, h   int
	stride int
}

func (g *gray) at(x, y int) byte { return g.pix[y*g.stride+x] }

// image is g as an *image.Gray, sharing its pixels.
func (g *gray) image() *image.Gray {
	return &image.Gray{Pix: g.pix, Stride: g.stride, Rect: image.Rect(0, 0, g.w, g.h)}
}

// bilinear samples at (x, y) in pixel coordinates (pixel centres at
// integers), clamping at the edges.
func (g *gray) bilinear(x, y float64) float64 {
	if x < 0 {
		x = 0
	}
	if y < 0 {
		y = 0
	}
	maxX, maxY := float64(g.w-1), float64(g.h-1)
	if x > maxX {
		x = maxX
	}
	if y > maxY {
		y = maxY
	}
	x0, y0 := int(x), int(y)
	fx, fy := x-float64(x0), y-float64(y0)
	x1, y1 := x0+1, y0+1
	if x1 > g.w-1 {
		x1 = g.w - 1
	}
	if y1 > g.h-1 {
		y1 = g.h - 1
	}
	r0 := y0 * g.stride
	r1 := y1 * g.stride
	a := float64(g.pix[r0+x0])*(1-fx) + float64(g.pix[r0+x1])*fx
	b := float64(g.pix[r1+x0])*(1-fx) + float64(g.pix[r1+x1])*fx
	return a*(1-fy) + b*fy
}

// toGray converts once to grey, without copying when the image already has
// a grey plane (*image.Gray, and the Y plane of a JPEG's *image.YCbCr).
func toGray(img image.Image) *gray {
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	switch m := img.(type) {
	case *reducedScan:
		return toGray(m.Gray)
	case *image.Gray:
		return &gray{pix: m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], w: w, h: h, stride: m.Stride}
	case *image.YCbCr:
		if !hasChroma(m) {
			return &gray{pix: m.Y[m.YOffset(r.Min.X, r.Min.Y):], w: w, h: h, stride: m.YStride}
		}
		return minYCbCr(m)
	}
	g := &gray{pix: make([]byte, w*h), w: w, h: h, stride: w}
	switch m := img.(type) {
	case *image.RGBA:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):]
			dst := g.pix[y*w : y*w+w]
			for x := range dst {
				p := src[4*x : 4*x+3]
				dst[x] = min(p[0], p[1], p[2])
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):]
			dst := g.pix[y*w : y*w+w]
			for x := range dst {
				p := src[4*x : 4*x+4]
				// Transparent pixels are paper.
				a := uint32(p[3])
				l := uint32(min(p[0], p[1], p[2]))
				dst[x] = byte((l*a + 255*(255-a)) / 255)
			}
		}
	case *image.Gray16:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):]
			dst := g.pix[y*w : y*w+w]
			for x := range dst {
				dst[x] = src[2*x]
			}
		}
	case *image.RGBA64:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):]
			dst := g.pix[y*w : y*w+w]
			for x := range dst {
				p := src[8*x : 8*x+8]
				dst[x] = min(p[0], p[2], p[4])
			}
		}
	case *image.CMYK:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):]
			dst := g.pix[y*w : y*w+w]
			for x := range dst {
				p := src[4*x : 4*x+4]
				cr, cg, cb := color.CMYKToRGB(p[0], p[1], p[2], p[3])
				dst[x] = min(cr, cg, cb)
			}
		}
	case *image.Paletted:
		var lut [256]byte
		for i, c := range m.Palette {
			lut[i] = darkest(c)
		}
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):]
			dst := g.pix[y*w : y*w+w]
			for x := range dst {
				dst[x] = lut[src[x]]
			}
		}
	default:
		// Other colour models are rare in scans; take the slow path.
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				g.pix[y*w+x] = darkest(img.At(r.Min.X+x, r.Min.Y+y))
			}
		}
	}
	return g
}

// darkest is a colour's darkest channel, 8 bits.
func darkest(c color.Color) byte {
	r, g, b, a := c.RGBA()
	// Transparent is paper.
	v := min(r, g, b) + 0xFFFF - a
	return byte(min(v, 0xFFFF) >> 8)
}

// hasChroma reports whether a YCbCr image has colour worth converting: any
// of a sparse grid of chroma samples more than 4 from neutral.
func hasChroma(m *image.YCbCr) bool {
	if len(m.Cb) == 0 || len(m.Cr) == 0 {
		return false
	}
	step := max(1, len(m.Cb)/4096)
	for i := 0; i < len(m.Cb) && i < len(m.Cr); i += step {
		if d := int(m.Cb[i]) - 128; d > 4 || d < -4 {
			return true
		}
		if d := int(m.Cr[i]) - 128; d > 4 || d < -4 {
			return true
		}
	}
	return false
}

// minYCbCr converts a colour JPEG to the darkest of its R, G and B at each
// pixel: a blue or red pen mark is as dark as it is in its darkest channel,
// where luminance would count it lighter (blue ink is dark in red). The
// chroma offset is worked out once per chroma sample.
func minYCbCr(m *image.YCbCr) *gray {
	r := m.Bounds()
	w, h := r.Dx(), r.Dy()
	g := &gray{pix: make([]byte, w*h), w: w, h: h, stride: w}
	// min(R, G, B) − Y for a chroma pair, in 1/65536.
	delta := func(cb, cr byte) int32 {
		b, c := int32(cb)-128, int32(cr)-128
		dr := 91881 * c
		dg := -22554*b - 46802*c
		db := 116130 * b
		return min(dr, dg, db)
	}
	// The chroma planes are subsampled across by 1, 2 or 4 (4:4:4, 4:2:x,
	// 4:1:x): a pixel's chroma column is its column shifted right by hs,
	// worked out here instead of calling COffset for every pixel.
	hs := uint(0)
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420:
		hs = 1
	case image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
		hs = 2
	}
	cx0 := r.Min.X >> hs
	cw := ((r.Max.X - 1) >> hs) - cx0 + 1
	ds := make([]int32, cw) // delta for each chroma sample of the row
	lastRow := -1
	for y := 0; y < h; y++ {
		yrow := m.Y[m.YOffset(r.Min.X, r.Min.Y+y):][:w]
		dst := g.pix[y*w : y*w+w]
		// Rows that share a chroma row (4:2:0) reuse its deltas.
		if ci := m.COffset(r.Min.X, r.Min.Y+y); ci != lastRow {
			cb, cr := m.Cb[ci:][:cw], m.Cr[ci:][:cw]
			for i := range ds {
				ds[i] = delta(cb[i], cr[i])
			}
			lastRow = ci
		}
		for x := range dst {
			d := ds[((r.Min.X+x)>>hs)-cx0]
			v := (int32(yrow[x])<<16 + d + 1<<15) >> 16
			dst[x] = byte(max(0, min(255, v)))
		}
	}
	return g
}
