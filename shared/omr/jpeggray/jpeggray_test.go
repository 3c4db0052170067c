package jpeggray

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// reference decodes data with image/jpeg and converts it as the reader
// does (luminance, or the darkest of R, G and B computed from Y, Cb and
// Cr), then box-averages it down to n/8.
func reference(tb testing.TB, data []byte, n int) *image.Gray {
	tb.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("image/jpeg: %v", err)
	}
	r := img.Bounds()
	full := image.NewGray(r)
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < r.Dy(); y++ {
			copy(full.Pix[y*full.Stride:][:r.Dx()], m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):])
		}
	case *image.YCbCr:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				yy := int32(m.Y[m.YOffset(x, y)])
				ci := m.COffset(x, y)
				b, c := int32(m.Cb[ci])-128, int32(m.Cr[ci])-128
				d := min(91881*c, -22554*b-46802*c, 116130*b)
				full.SetGray(x, y, color.Gray{byte(max(0, min(255, (yy<<16+d+1<<15)>>16)))})
			}
		}
	default:
		tb.Fatalf("image/jpeg gave a %T", img)
	}
	if n == 8 {
		return full
	}
	// Each output pixel is the area-weighted mean of the full pixels under
	// it (8/n across and down, in part at its ends when n does not divide
	// 8).
	w, h := Size(r.Dx(), r.Dy(), n)
	out := image.NewGray(image.Rect(0, 0, w, h))
	step := 8 / float64(n)
	weights := func(o, size int) (int, []float64) {
		lo, hi := float64(o)*step, float64(o+1)*step
		first := int(lo)
		var ws []float64
		for p := first; p < size && float64(p) < hi; p++ {
			ws = append(ws, math.Min(hi, float64(p+1))-math.Max(lo, float64(p)))
		}
		return first, ws
	}
	for y := 0; y < h; y++ {
		y0, wy := weights(y, r.Dy())
		for x := 0; x < w; x++ {
			x0, wx := weights(x, r.Dx())
			var s, a float64
			for j, fy := range wy {
				for i, fx := range wx {
					s += fy * fx * float64(full.Pix[(y0+j)*full.Stride+x0+i])
					a += fy * fx
				}
			}
			out.Pix[y*out.Stride+x] = byte(s/a + 0.5)
		}
	}
	return out
}

// diff is how far two grey images are apart: mean and largest absolute
// difference and the 99th percentile.
type diff struct{ mean, p99, max float64 }

func compare(tb testing.TB, got, want *image.Gray) diff {
	tb.Helper()
	if got.Rect.Dx() != want.Rect.Dx() || got.Rect.Dy() != want.Rect.Dy() {
		tb.Fatalf("size: got %v, want %v", got.Rect.Size(), want.Rect.Size())
	}
	return compareIn(tb, got, want, got.Rect.Dx(), got.Rect.Dy())
}

// compareIn compares the top-left w×h pixels.
func compareIn(tb testing.TB, got, want *image.Gray, w, h int) diff {
	tb.Helper()
	ds := make([]float64, 0, w*h)
	var sum float64
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			a := float64(got.Pix[y*got.Stride+x])
			b := float64(want.Pix[(y+want.Rect.Min.Y)*want.Stride+x+want.Rect.Min.X])
			d := math.Abs(a - b)
			ds = append(ds, d)
			sum += d
		}
	}
	if len(ds) == 0 {
		return diff{}
	}
	slices.Sort(ds)
	return diff{mean: sum / float64(len(ds)), p99: ds[len(ds)*99/100], max: ds[len(ds)-1]}
}

// tolerance is how close the decoders must agree. At full size they differ
// only by the rounding of their inverse DCTs. Scaled, grey differs by
// rounding and by clamping (a block that overshoots 0 or 255 averages a
// little differently); colour also because the darkest channel is taken
// after averaging, not before: JPEG's noise in the chroma planes makes
// image/jpeg's pixels darker one by one (the darkest of three noisy
// channels is biased low), a few levels on average. An image shifted by a
// pixel, or a block in the wrong place, is far outside these.
func tolerance(n int, colour bool) diff {
	switch {
	case n == 8:
		return diff{mean: 0.6, p99: 2, max: 3}
	case colour:
		return diff{mean: 6, p99: 32, max: 90}
	}
	return diff{mean: 1.5, p99: 20, max: 60}
}

// compareScaled compares a decode at n/8 with image/jpeg's box-averaged
// one, leaving out the last row and column when they stand for fewer than
// 8/n pixels of the file: there the decoder's pixel includes the block's
// padding, and the reference cannot.
func compareScaled(tb testing.TB, data []byte, got *image.Gray, n int) diff {
	tb.Helper()
	want := reference(tb, data, n)
	if got.Rect.Dx() != want.Rect.Dx() || got.Rect.Dy() != want.Rect.Dy() {
		tb.Fatalf("size: got %v, want %v", got.Rect.Size(), want.Rect.Size())
	}
	w, h := got.Rect.Dx(), got.Rect.Dy()
	if n < 8 {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			tb.Fatal(err)
		}
		w, h = cfg.Width*n/8, cfg.Height*n/8
	}
	return compareIn(tb, got, want, w, h)
}

func within(d, tol diff) bool { return d.mean <= tol.mean && d.p99 <= tol.p99 && d.max <= tol.max }

func TestFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/*.jpg")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	unsupportedWant := map[string]bool{"progressive.jpg": true, "arithmetic.jpg": true}
	for _, f := range files {
		name := filepath.Base(f)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{8, 6, 4, 2, 1} {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				got, err := Decode(data, n, 1<<30)
				if unsupportedWant[name] {
					if !errors.Is(err, ErrUnsupported) {
						t.Fatalf("got %v, want ErrUnsupported", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				d := compareScaled(t, data, got, n)
				colour := bytes.Contains([]byte(name), []byte("colour"))
				if tol := tolerance(n, colour); !within(d, tol) {
					t.Errorf("differs from image/jpeg: %+v, want within %+v", d, tol)
				}
			})
		}
	}
}

// TestGoEncoder compares with image/jpeg on what Go's encoder writes (grey,
// and 4:2:0 colour) at sizes that are not whole MCUs, and at qualities
// from coarse to fine.
func TestGoEncoder(t *testing.T) {
	for _, tc := range []struct {
		w, h, q int
		colour  bool
	}{
		{1, 1, 75, false}, {7, 9, 75, true}, {17, 33, 40, false}, {123, 77, 95, false},
		{123, 77, 95, true}, {64, 64, 60, true}, {200, 9, 85, true}, {9, 200, 30, false},
	} {
		t.Run(fmt.Sprintf("%dx%d-q%d-colour=%v", tc.w, tc.h, tc.q, tc.colour), func(t *testing.T) {
			data := encodeTest(t, tc.w, tc.h, tc.q, tc.colour)
			for _, n := range []int{8, 6, 4, 2, 1} {
				if tc.w*n/8 < 4 || tc.h*n/8 < 4 {
					continue // too few whole pixels to compare
				}
				got, err := Decode(data, n, 1<<30)
				if err != nil {
					t.Fatalf("%d/8: %v", n, err)
				}
				d := compareScaled(t, data, got, n)
				if tol := tolerance(n, tc.colour); !within(d, tol) {
					t.Errorf("%d/8: differs from image/jpeg: %+v, want within %+v", n, d, tol)
				}
			}
		})
	}
}

// encodeTest encodes a card-like picture (paper, noise, dark boxes, a blue
// stroke when colour) with image/jpeg.
func encodeTest(tb testing.TB, w, h, q int, colour bool) []byte {
	tb.Helper()
	var img image.Image
	s := uint32(99)
	level := func(x, y int) int {
		s = s*1664525 + 1013904223
		v := 230 - x/6 + int(s>>28) - 8
		if (x/7+y/5)%4 == 0 && x%7 < 5 {
			v = 25
		}
		return max(0, min(255, v))
	}
	if colour {
		m := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := byte(level(x, y))
				c := color.RGBA{v, byte(float64(v) * 0.97), byte(float64(v) * 0.9), 255}
				if d := x - y; d > -3 && d < 3 {
					c = color.RGBA{40, 60, 170, 255}
				}
				m.SetRGBA(x, y, c)
			}
		}
		img = m
	} else {
		m := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				m.Pix[y*m.Stride+x] = byte(level(x, y))
			}
		}
		img = m
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TestErrors: damaged files are errors (for the caller to fall back on),
// never a panic or an image; too many pixels is refused from the header.
func TestErrors(t *testing.T) {
	good := encodeTest(t, 64, 48, 75, true)
	if _, err := Decode(good, 8, 64*48-1); err == nil {
		t.Error("more than maxPixels: got no error")
	}
	if _, err := Decode(good, 8, 64*48); err != nil {
		t.Errorf("exactly maxPixels: %v", err)
	}
	if _, err := Decode(good, 0, 1<<30); err == nil {
		t.Error("scale 0/8: got no error")
	}
	sos := bytes.Index(good, []byte{0xFF, 0xDA})
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"not a JPEG", []byte("GIF89a")},
		{"header only", good[:sos]},
		{"truncated in the scan", good[:sos+40]},
		{"no EOI", good[:len(good)-2]},
		{"SOS first", append([]byte{0xFF, 0xD8}, good[sos:]...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Decode(tc.data, 8, 1<<30)
			if err == nil {
				t.Errorf("got a %v image, want an error", img.Rect.Size())
			}
		})
	}
}

// TestRestartMismatch: a restart marker out of sequence position (here,
// one removed) is an error, not a silently shifted image.
func TestRestartMismatch(t *testing.T) {
	data, err := os.ReadFile("testdata/grey-restart.jpg")
	if err != nil {
		t.Fatal(err)
	}
	sos := bytes.Index(data, []byte{0xFF, 0xDA})
	i := bytes.Index(data[sos+2:], []byte{0xFF, 0xD0})
	if i < 0 {
		t.Fatal("fixture has no RST0")
	}
	i += sos + 2
	cut := append(bytes.Clone(data[:i]), data[i+2:]...)
	if _, err := Decode(cut, 8, 1<<30); err == nil {
		t.Error("missing restart marker: got no error")
	}
}

// FuzzDecode: whatever the bytes, Decode returns an error or an image; an
// image only for data image/jpeg decodes too, and then the same picture.
// DecodeReduced and Full never panic either.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.jpg")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add(encodeTest(f, 20, 13, 75, true))
	f.Add(encodeTest(f, 9, 17, 50, false))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, cerr := jpeg.DecodeConfig(bytes.NewReader(data))
		if cerr == nil && cfg.Width*cfg.Height > 1<<20 {
			return // keep each input quick
		}
		// A reduced decode and a partial full-size one: no panic, and
		// nothing outside the image.
		rect := image.Rect(3, 5, 40, 21)
		if red, err := DecodeReduced(data, 4, 1<<20); err == nil {
			if part, err := red.Full([]image.Rectangle{rect}); err == nil {
				if want := rect.Intersect(image.Rect(0, 0, cfg.Width, cfg.Height)); cerr == nil && part.Rect != want {
					t.Fatalf("full-size part %v, want %v", part.Rect, want)
				}
			}
		}
		got, err := Decode(data, 8, 1<<20)
		if err != nil {
			return // the caller falls back to image/jpeg
		}
		ref, rerr := jpeg.Decode(bytes.NewReader(data))
		if rerr != nil {
			t.Fatalf("decoded a file image/jpeg refuses (%v)", rerr)
		}
		if got.Rect.Dx() != ref.Bounds().Dx() || got.Rect.Dy() != ref.Bounds().Dy() {
			t.Fatalf("size %v, image/jpeg %v", got.Rect.Size(), ref.Bounds().Size())
		}
		if d := compare(t, got, reference(t, data, 8)); !within(d, diff{mean: 1, p99: 4, max: 255}) {
			t.Fatalf("differs from image/jpeg: %+v", d)
		}
	})
}

// TestReducedFull: after a reduced decode, Full gives the union of its
// rectangles (clipped to the image) and decodes every pixel inside them as
// Decode does at full size: grey and colour (4:2:0, 4:2:2, 4:4:4, 4:4:0,
// 4:1:1), restart intervals, images many MCUs wide (Full then starts
// decoding mid-row, from a mark) and one scan per component; rectangles at
// the image's edges, overlapping, across it, partly or wholly outside it,
// and random sets.
func TestReducedFull(t *testing.T) {
	images := map[string][]byte{
		"go-420-317x91":  encodeTest(t, 317, 91, 80, true),
		"go-grey-250x41": encodeTest(t, 250, 41, 60, false),
	}
	for _, name := range []string{
		"grey.jpg", "grey-restart.jpg", "grey-optimized.jpg", "grey-16bit-quant.jpg", "grey-wide-restart.jpg",
		"colour-420.jpg", "colour-420-restart1.jpg", "colour-420-wide-restart.jpg", "colour-422-restart.jpg",
		"colour-422-wide.jpg", "colour-444.jpg", "colour-444-wide-restart.jpg", "colour-440.jpg", "colour-411.jpg",
		"colour-scan-per-component.jpg",
	} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		images[name] = data
	}
	for name, data := range images {
		full, err := Decode(data, 8, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		red, err := DecodeReduced(data, 4, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		if d := compareScaled(t, data, red.Gray, 4); !within(d, tolerance(4, !strings.Contains(name, "grey"))) {
			t.Errorf("%s: reduced decode differs from image/jpeg: %+v", name, d)
		}
		w, h := full.Rect.Dx(), full.Rect.Dy()
		sets := map[string][]image.Rectangle{
			"two":         {image.Rect(21, 17, 50, 33), image.Rect(3, 50, 9, 58)},
			"whole image": {full.Rect},
			"one pixel":   {image.Rect(w/2, h/2, w/2+1, h/2+1)},
			"corners": {image.Rect(0, 0, 5, 3), image.Rect(w-7, 0, w, 9), image.Rect(0, h-2, 3, h),
				image.Rect(w-1, h-1, w, h)},
			"overlapping":      {image.Rect(5, 5, 40, 30), image.Rect(20, 10, 60, 20), image.Rect(10, 25, 25, 40)},
			"across":           {image.Rect(0, h/3, w, h/3+9), image.Rect(w/2, 0, w/2+3, h)},
			"partly outside":   {image.Rect(-10, -4, 12, 7), image.Rect(w-9, h-5, w+30, h+8)},
			"wholly outside":   {image.Rect(w+3, 0, w+20, 10), image.Rect(-9, -9, -1, -1)},
			"outside and one":  {image.Rect(w+3, h+3, w+9, h+9), image.Rect(7, 3, 30, 12)},
			"same row, apart":  {image.Rect(1, 8, 9, 20), image.Rect(w-30, 10, w-20, 14), image.Rect(w/2, 9, w/2+2, 11)},
			"touching":         {image.Rect(8, 8, 16, 16), image.Rect(16, 8, 24, 16), image.Rect(8, 16, 16, 24)},
			"nested":           {image.Rect(2, 2, w-2, h-2), image.Rect(10, 10, 20, 20)},
			"empty rectangles": {image.Rect(5, 5, 5, 20), image.Rect(9, 9, 20, 20)},
		}
		rnd := rand.New(rand.NewPCG(uint64(len(data)), 7))
		for i := range 6 {
			var rs []image.Rectangle
			for range 1 + rnd.IntN(8) {
				x, y := rnd.IntN(w+20)-10, rnd.IntN(h+20)-10
				rs = append(rs, image.Rect(x, y, x+1+rnd.IntN(w/2+1), y+1+rnd.IntN(h/2+1)))
			}
			sets[fmt.Sprintf("random %d", i)] = rs
		}
		for set, rects := range sets {
			got, err := red.Full(rects)
			if err != nil {
				t.Fatalf("%s, %s: %v", name, set, err)
			}
			var u image.Rectangle
			for _, r := range rects {
				u = u.Union(r.Intersect(full.Rect))
			}
			if got.Rect != u {
				t.Fatalf("%s, %s: bounds %v, want %v", name, set, got.Rect, u)
			}
			for _, r := range rects {
				r = r.Intersect(full.Rect)
				for y := r.Min.Y; y < r.Max.Y; y++ {
					for x := r.Min.X; x < r.Max.X; x++ {
						if g, w := got.Pix[got.PixOffset(x, y)], full.Pix[full.PixOffset(x, y)]; g != w {
							t.Fatalf("%s, %s: pixel (%d, %d) = %d, want %d", name, set, x, y, g, w)
						}
					}
				}
			}
		}
	}
}

func TestDisjoint(t *testing.T) {
	for _, tc := range []struct {
		name string
		rs   []image.Rectangle
		want []image.Rectangle
	}{
		{"one", []image.Rectangle{image.Rect(1, 2, 3, 4)}, []image.Rectangle{image.Rect(1, 2, 3, 4)}},
		{"apart", []image.Rectangle{image.Rect(0, 0, 2, 2), image.Rect(5, 0, 7, 2)},
			[]image.Rectangle{image.Rect(0, 0, 2, 2), image.Rect(5, 0, 7, 2)}},
		{"overlapping", []image.Rectangle{image.Rect(0, 0, 4, 4), image.Rect(2, 2, 6, 6)},
			[]image.Rectangle{image.Rect(0, 0, 4, 2), image.Rect(0, 2, 6, 4), image.Rect(2, 4, 6, 6)}},
		{"touching", []image.Rectangle{image.Rect(3, 0, 6, 2), image.Rect(0, 0, 3, 2)},
			[]image.Rectangle{image.Rect(0, 0, 6, 2)}},
		{"nested", []image.Rectangle{image.Rect(0, 0, 9, 9), image.Rect(2, 2, 3, 3)},
			[]image.Rectangle{image.Rect(0, 0, 9, 2), image.Rect(0, 2, 9, 3), image.Rect(0, 3, 9, 9)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := disjoint(tc.rs); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestIdct8x4: the shorter transform gives idct8's results when the upper
// four inputs are zero — exactly on amd64; within a rounding of float32
// where the compiler may fuse a multiply and an add (arm64), which can move
// a pixel by one level, no more. (Full and Decode choose the same transform
// for a block, so they agree with each other either way.)
func TestIdct8x4(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		var f [4]float32
		for i := range f {
			f[i] = float32(rnd.IntN(16385)-8192) * [...]float32{1, 0.5, 1.0 / 3, 0.7071}[rnd.IntN(4)]
			if rnd.IntN(3) == 0 {
				f[i] = 0
			}
		}
		a0, a1, a2, a3, a4, a5, a6, a7 := idct8(f[0], f[1], f[2], f[3], 0, 0, 0, 0)
		b0, b1, b2, b3, b4, b5, b6, b7 := idct8x4(f[0], f[1], f[2], f[3])
		a := [8]float32{a0, a1, a2, a3, a4, a5, a6, a7}
		b := [8]float32{b0, b1, b2, b3, b4, b5, b6, b7}
		for i := range a {
			if d := math.Abs(float64(a[i] - b[i])); d > 1e-5*max(1, math.Abs(float64(a[i]))) {
				t.Fatalf("%v: idct8 %v, idct8x4 %v", f, a, b)
			}
		}
	}
}
