package omr

import (
	"errors"
	"image"
	"math"
)

// pt is a point: millimetres on the card or pixels in the scan.
type pt struct{ x, y float64 }

func (a pt) sub(b pt) pt        { return pt{a.x - b.x, a.y - b.y} }
func (a pt) dist(b pt) float64  { return math.Hypot(a.x-b.x, a.y-b.y) }
func (a pt) cross(b pt) float64 { return a.x*b.y - a.y*b.x }

// homography is a plane projective transform:
// x' = (h0 x + h1 y + h2) / (h6 x + h7 y + 1), y' = (h3 x + h4 y + h5) / (…).
type homography [8]float64

func (h *homography) apply(p pt) pt {
	d := h[6]*p.x + h[7]*p.y + 1
	return pt{(h[0]*p.x + h[1]*p.y + h[2]) / d, (h[3]*p.x + h[4]*p.y + h[5]) / d}
}

// scaled is h followed by the enlargement from a page reduced by k to the
// page itself: pixel x of the reduced page is the mean of pixels k·x to
// k·x + k − 1, centred at k·x + (k − 1)/2.
func (h *homography) scaled(k float64) homography {
	c := (k - 1) / 2
	return homography{
		k*h[0] + c*h[6], k*h[1] + c*h[7], k*h[2] + c,
		k*h[3] + c*h[6], k*h[4] + c*h[7], k*h[5] + c,
		h[6], h[7],
	}
}

// shifted is h followed by moving the origin to o: points in the pixels
// of an image whose bounds start at o.
func (h *homography) shifted(o image.Point) homography {
	ox, oy := float64(o.X), float64(o.Y)
	return homography{
		h[0] - ox*h[6], h[1] - ox*h[7], h[2] - ox,
		h[3] - oy*h[6], h[4] - oy*h[7], h[5] - oy,
		h[6], h[7],
	}
}

// scale is the transform's mean linear scale at p (output units per input
// unit), from the Jacobian's determinant.
func (h *homography) scale(p pt) float64 {
	const e = 0.5
	a := h.apply(pt{p.x - e, p.y})
	b := h.apply(pt{p.x + e, p.y})
	c := h.apply(pt{p.x, p.y - e})
	d := h.apply(pt{p.x, p.y + e})
	u := b.sub(a)
	v := d.sub(c)
	return math.Sqrt(math.Abs(u.cross(v))) / (2 * e)
}

var errSingular = errors.New("singular transform")

// fitHomography solves the transform taking src[i] to dst[i] for four point
// pairs.
func fitHomography(src, dst [4]pt) (homography, error) {
	var a [8][9]float64
	for i := 0; i < 4; i++ {
		x, y, u, v := src[i].x, src[i].y, dst[i].x, dst[i].y
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -u * x, -u * y, u}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -v * x, -v * y, v}
	}
	// Gaussian elimination with partial pivoting.
	for c := 0; c < 8; c++ {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-12 {
			return homography{}, errSingular
		}
		a[c], a[p] = a[p], a[c]
		for r := 0; r < 8; r++ {
			if r == c {
				continue
			}
			f := a[r][c] / a[c][c]
			if f == 0 {
				continue
			}
			for k := c; k < 9; k++ {
				a[r][k] -= f * a[c][k]
			}
		}
	}
	var h homography
	for i := 0; i < 8; i++ {
		h[i] = a[i][8] / a[i][i]
	}
	return h, nil
}
