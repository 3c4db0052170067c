package omr

import (
	"bytes"
	"image"
	"image/jpeg"
	"sync/atomic"

	"github.com/cardloop/cardloop/shared/omr/jpeggray"
)

// minDecodedSide is the long side, in pixels, a scan is decoded to at the
// least: a scan with more is decoded at a half, a quarter or an eighth of
// its size, the smallest that keeps this many. A card page (up to about
// 225 mm long with the scanner's margins) keeps at least 135 dpi, and a
// 300 dpi page is read at 150 dpi, where the reader works as well
// (docs/omr.md). A JPEG is reduced in the DCT domain (jpeggray), which
// spares most of its decoding; PNG and TIFF are reduced after decoding,
// which spares the reading of the larger page.
const minDecodedSide = 1200

// decodeScale is the n/8 a w×h scan is decoded at.
func decodeScale(w, h int) int {
	long := max(w, h)
	for _, n := range []int{1, 2, 4} {
		if long*n/8 >= minDecodedSide {
			return n
		}
	}
	return 8
}

// reducedScan is a scan decoded at less than its size. Read reads it, and
// when that reading is not certain reads the full-size page instead (see
// Reader.Read).
type reducedScan struct {
	*image.Gray
	scale float64                     // the file's pixels per pixel of Gray
	full  func() (image.Image, error) // the page at full size
	// region gives the page at full size, where only the given
	// rectangles need be right: the crops of a page read reduced are made
	// from it.
	region func([]image.Rectangle) (image.Image, error)
}

// reduceLarge returns g, or g box-averaged down to decodeScale when it is
// large.
func reduceLarge(g *image.Gray) image.Image {
	r := g.Bounds()
	k := 8 / decodeScale(r.Dx(), r.Dy())
	if k == 1 {
		return g
	}
	src := &gray{pix: g.Pix[g.PixOffset(r.Min.X, r.Min.Y):], w: r.Dx(), h: r.Dy(), stride: g.Stride}
	s := boxReduce(src, k)
	small := &image.Gray{Pix: s.pix, Stride: s.stride, Rect: image.Rect(0, 0, s.w, s.h)}
	full := func() (image.Image, error) { return g, nil }
	return &reducedScan{Gray: small, scale: float64(k), full: full,
		region: func([]image.Rectangle) (image.Image, error) { return g, nil }}
}

// decodeTIFF decodes an uncompressed 8-bit TIFF (tiffGray) at n/8: a page
// to be halved is halved as its rows are read, and read again whole only
// for crops or a second reading. It reports false for what tiffGray does
// not read.
func decodeTIFF(data []byte, n int) (image.Image, bool) {
	if n != 4 {
		g, ok := tiffGray(data)
		if !ok {
			return nil, false
		}
		return reduceLarge(g), true
	}
	t, ok := parseTIFFStrips(data)
	if !ok {
		return nil, false
	}
	full := func() (image.Image, error) { return t.rows(0, t.h), nil }
	region := func(rs []image.Rectangle) (image.Image, error) {
		// The rows of the rectangles' union only, full width.
		var u image.Rectangle
		for _, r := range rs {
			u = u.Union(r)
		}
		u = u.Intersect(image.Rect(0, 0, t.w, t.h))
		if u.Empty() {
			return &image.Gray{}, nil
		}
		return t.rows(u.Min.Y, u.Max.Y), nil
	}
	return &reducedScan{Gray: t.halved(), scale: 2, full: full, region: region}, true
}

// decodeJPEG decodes a JPEG file (whose header has been checked) at n/8.
// Baseline files (what scanners write) are decoded by jpeggray straight to
// the grey plane the reader uses; anything it does not decode — or
// finds malformed — is left to image/jpeg, which decides what is
// unreadable.
func decodeJPEG(data []byte, n int) (image.Image, error) {
	if n < 8 {
		if m, err := jpeggray.DecodeReduced(data, n, MaxPixels); err == nil {
			// The file is kept, and decoded at full size only as needed.
			return &reducedScan{Gray: m.Gray, scale: 8 / float64(n),
				full: func() (image.Image, error) { return decodeJPEG(data, 8) },
				region: func(rs []image.Rectangle) (image.Image, error) {
					return m.Full(rs)
				},
			}, nil
		}
	} else if g, err := jpeggray.Decode(data, n, MaxPixels); err == nil {
		return g, nil
	}
	jpegFallbacks.Add(1)
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, &Error{Code: CodeBadImage, Detail: "decode jpeg", Err: err}
	}
	if n < 8 {
		return reduceLarge(toGray(img).image()), nil
	}
	return img, nil
}

// Counters for tests and benchmarks: JPEGs image/jpeg decoded, PNGs
// image/png decoded, and reduced pages read again at full size.
var jpegFallbacks, pngFallbacks, fullRereads atomic.Int64
