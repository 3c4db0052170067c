package omr

import (
	"image"
	"math"
	"math/rand"
	"testing"
)

// TestMinYCbCrMatchesPerPixel checks the row-wise colour conversion against
// the per-pixel one (COffset for every pixel) for every subsampling ratio,
// including a sub-image that starts at odd coordinates.
func TestMinYCbCrMatchesPerPixel(t *testing.T) {
	ratios := []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	}
	rng := rand.New(rand.NewSource(1))
	for _, ratio := range ratios {
		full := image.NewYCbCr(image.Rect(0, 0, 37, 23), ratio)
		for _, p := range [][]byte{full.Y, full.Cb, full.Cr} {
			for i := range p {
				p[i] = byte(rng.Intn(256))
			}
		}
		for _, m := range []*image.YCbCr{full, full.SubImage(image.Rect(3, 5, 30, 20)).(*image.YCbCr)} {
			got := minYCbCr(m)
			r := m.Bounds()
			for y := r.Min.Y; y < r.Max.Y; y++ {
				for x := r.Min.X; x < r.Max.X; x++ {
					ci := m.COffset(x, y)
					b, c := int32(m.Cb[ci])-128, int32(m.Cr[ci])-128
					d := min(91881*c, -22554*b-46802*c, 116130*b)
					v := (int32(m.Y[m.YOffset(x, y)])<<16 + d + 1<<15) >> 16
					want := byte(max(0, min(255, v)))
					if g := got.at(x-r.Min.X, y-r.Min.Y); g != want {
						t.Fatalf("ratio %v, %v: pixel (%d, %d) = %d, want %d", ratio, r, x, y, g, want)
					}
				}
			}
		}
	}
}

// TestMorphAndBoxReduceMatchReference checks the row-order morphology and
// box average against straightforward per-pixel definitions.
func TestMorphAndBoxReduceMatchReference(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, sz := range [][2]int{{1, 1}, {2, 5}, {7, 3}, {31, 17}, {40, 40}} {
		w, h := sz[0], sz[1]
		m := make([]bool, w*h)
		for i := range m {
			m[i] = rng.Intn(3) > 0
		}
		for k := 1; k <= 3; k++ {
			for _, dilate := range []bool{false, true} {
				got := morph(m, w, h, k, dilate)
				// Separable: rows, then columns, outside is background.
				tmp := make([]bool, len(m))
				for y := 0; y < h; y++ {
					for x := 0; x < w; x++ {
						tmp[y*w+x] = window(func(j int) bool { return j >= 0 && j < w && m[y*w+j] }, x, k, dilate)
					}
				}
				for y := 0; y < h; y++ {
					for x := 0; x < w; x++ {
						want := window(func(j int) bool { return j >= 0 && j < h && tmp[j*w+x] }, y, k, dilate)
						if got[y*w+x] != want {
							t.Fatalf("%d×%d k %d dilate %v: (%d, %d) = %v", w, h, k, dilate, x, y, got[y*w+x])
						}
					}
				}
			}
		}
	}
	src := &gray{w: 23, h: 19, stride: 25, pix: make([]byte, 25*19)}
	for i := range src.pix {
		src.pix[i] = byte(rng.Intn(256))
	}
	for f := 1; f <= 5; f++ {
		got := boxReduce(src, f)
		for y := 0; y < got.h; y++ {
			for x := 0; x < got.w; x++ {
				var s int
				for dy := 0; dy < f; dy++ {
					for dx := 0; dx < f; dx++ {
						s += int(src.at(x*f+dx, y*f+dy))
					}
				}
				if want := byte((s + f*f/2) / (f * f)); got.at(x, y) != want {
					t.Fatalf("f %d: (%d, %d) = %d, want %d", f, x, y, got.at(x, y), want)
				}
			}
		}
	}
}

// window is all (dilate false) or any of set(i-k..i+k).
func window(set func(int) bool, i, k int, dilate bool) bool {
	for j := i - k; j <= i+k; j++ {
		if set(j) == dilate {
			return dilate
		}
	}
	return !dilate
}

// TestHomographyShifted: a point mapped by h.shifted(o) is the point mapped
// by h, less o.
func TestHomographyShifted(t *testing.T) {
	h := homography{11.8, 0.2, 35, -0.3, 11.7, 42, 1e-4, -2e-4}
	for _, c := range []struct {
		o image.Point
		p pt
	}{
		{image.Pt(0, 0), pt{10, 20}},
		{image.Pt(0, 1600), pt{70, 140}},
		{image.Pt(812, 1604), pt{137, 196}},
	} {
		s := h.shifted(c.o)
		got, want := s.apply(c.p), h.apply(c.p)
		want.x -= float64(c.o.X)
		want.y -= float64(c.o.Y)
		if math.Abs(got.x-want.x) > 1e-9 || math.Abs(got.y-want.y) > 1e-9 {
			t.Errorf("shifted(%v).apply(%v) = %v, want %v", c.o, c.p, got, want)
		}
	}
}
