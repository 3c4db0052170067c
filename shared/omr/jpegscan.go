package omr

import (
	"bytes"
	"image"
	"image/jpeg"
	"sync/atomic"

	"github.com/cardloop/cardloop/shared/omr/jpeggray"
)

// minDecodedSide is the long side, in pixels, a JPEG is decoded to at the
// least: a scan with more is decoded at a half, a quarter or an eighth of
// its size in the DCT domain (jpeggray), the smallest that keeps this
// many. A card page (up to about 225 mm long with the scanner's margins)
// keeps at least 135 dpi, and a 300 dpi page is read at 150 dpi, where
// the reader works as well (docs/omr.md). Decoding costs less (no full-size
// inverse DCT) and so does reading the smaller page.
const minDecodedSide = 1200

// jpegScale is the n/8 a w×h JPEG is decoded at.
func jpegScale(w, h int) int {
	long := max(w, h)
	for _, n := range []int{1, 2, 4} {
		if long*n/8 >= minDecodedSide {
			return n
		}
	}
	return 8
}

// reducedJPEG is a JPEG scan decoded at less than its size. It keeps the
// file, so that Read can decode it in full when the reduced page is not
// read with certainty (see Reader.Read).
type reducedJPEG struct {
	*image.Gray
	scale float64 // the file's pixels per pixel of Gray
	data  []byte
}

// full decodes the scan at its full size.
func (m *reducedJPEG) full() (image.Image, error) {
	return decodeJPEG(m.data, 8)
}

// decodeJPEG decodes a JPEG file (whose header has been checked) at n/8.
// Baseline files (what scanners write) are decoded by jpeggray straight to
// the grey plane the reader uses; anything it does not decode — or
// finds malformed — is left to image/jpeg, which decides what is
// unreadable.
func decodeJPEG(data []byte, n int) (image.Image, error) {
	g, err := jpeggray.Decode(data, n, MaxPixels)
	if err == nil {
		if n < 8 {
			return &reducedJPEG{Gray: g, scale: 8 / float64(n), data: data}, nil
		}
		return g, nil
	}
	jpegFallbacks.Add(1)
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, &Error{Code: CodeBadImage, Detail: "decode jpeg", Err: err}
	}
	return img, nil
}

// Counters for tests and benchmarks: JPEGs image/jpeg decoded, and
// reduced pages read again at full size.
var jpegFallbacks, fullRereads atomic.Int64
