package omr_test

import (
	"bytes"
	"image"
	"math"
	"testing"

	_ "golang.org/x/image/tiff" // image.DecodeConfig of TIFF

	"github.com/cardloop/cardloop/shared/omr"
	"github.com/cardloop/cardloop/shared/omr/synth"
)

// TestReducedScan: a 300 dpi scan is decoded at half its size (a JPEG in
// the DCT domain, PNG and TIFF after decoding) and read there; the page
// still reports the scan's resolution, and its crops are made from the
// scan at its own size (8 px/mm), like those of the full-size page.
func TestReducedScan(t *testing.T) {
	l := testLayout(t)
	r := newReader(l)
	for _, f := range []string{"jpeg", "png", "tiff"} {
		t.Run(f, func(t *testing.T) {
			c := cardWith(t, l, answers, synth.Fill, synth.Damage{DPI: 300, Rotate: 2, Noise: 2, Format: f, Quality: 85})
			s := render(t, l, c)
			cfg, _, err := image.DecodeConfig(bytes.NewReader(s.Data))
			if err != nil {
				t.Fatal(err)
			}
			img, err := omr.Decode(bytes.NewReader(s.Data))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() > (cfg.Width+1)/2 || b.Dx() < cfg.Width/2-1 {
				t.Fatalf("decoded %v of a %d×%d scan, want half", b.Size(), cfg.Width, cfg.Height)
			}
			rereads := omr.FullRereads()
			p, err := r.Read(img)
			if err != nil {
				t.Fatal(err)
			}
			if n := omr.FullRereads() - rereads; n != 0 {
				t.Errorf("read again at full size %d times, want none (all fields certain)", n)
			}
			checkFields(t, p, c.Truth)
			if want := 300 / 25.4; math.Abs(p.PxPerMM-want) > 0.03*want {
				t.Errorf("resolution: got %.2f px/mm, want %.2f", p.PxPerMM, want)
			}
			// The same scan read at full size, for its crops.
			full, err := r.Read(fullSize(t, s.Data))
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Boxes) != len(full.Boxes) || len(p.Boxes) == 0 {
				t.Fatalf("crops: got %d, full size %d", len(p.Boxes), len(full.Boxes))
			}
			for i, b := range p.Boxes {
				// The full-size page is read at 300/1.5 = 7.9 px/mm, so
				// its crops are that (CropPPM is never above the page's
				// own); these are at 8. Compare at matching positions.
				got, want := b.Image, full.Boxes[i].Image
				gw, ww := got.Rect.Dx(), want.Rect.Dx()
				if gw < ww || gw > ww*103/100 {
					t.Errorf("crop %s: %v, full size %v", b.Name, got.Rect, want.Rect)
					continue
				}
				var sum float64
				wh := want.Rect.Dy()
				for y := 0; y < wh; y++ {
					for x := 0; x < ww; x++ {
						gx, gy := (2*x+1)*gw/(2*ww), (2*y+1)*got.Rect.Dy()/(2*wh)
						sum += math.Abs(float64(got.GrayAt(gx, gy).Y) - float64(want.GrayAt(x, y).Y))
					}
				}
				d := sum / float64(ww*wh)
				t.Logf("crop %s: %v, mean difference %.2f from the full-size page's %v", b.Name, got.Rect.Size(), d, want.Rect.Size())
				if d > 6 {
					t.Errorf("crop %s: differs from the full-size page's by %.2f on average", b.Name, d)
				}
			}
		})
	}
}

// fullSize decodes a scan at its own size with the standard library, as
// grey (luminance: these scans are grey).
func fullSize(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	g := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g.Set(x, y, img.At(x, y))
		}
	}
	return g
}

// TestReducedScanRereads: a reduced page with a field to review is read
// again at full size, and that reading stands.
func TestReducedScanRereads(t *testing.T) {
	l := testLayout(t)
	r := newReader(l)
	c := cardWith(t, l, answers, synth.Fill, synth.Damage{DPI: 300, Rotate: -1, Noise: 2, Format: "jpeg", Quality: 80})
	// A second mark in a single-choice field: a double, to review.
	c.Marks = append(c.Marks, synth.Mark{Field: "meal", Value: "lunch", Kind: synth.Fill, Darkness: 0.85, Seed: 99})
	c.Truth.Fields["meal"] = synth.Want{Review: true}
	s := render(t, l, c)
	img, err := omr.Decode(bytes.NewReader(s.Data))
	if err != nil {
		t.Fatal(err)
	}
	rereads := omr.FullRereads()
	p, err := r.Read(img)
	if err != nil {
		t.Fatal(err)
	}
	if n := omr.FullRereads() - rereads; n != 1 {
		t.Errorf("read again at full size %d times, want 1", n)
	}
	checkFields(t, p, c.Truth)
	if want := 300 / 25.4; math.Abs(p.PxPerMM-want) > 0.03*want {
		t.Errorf("resolution: got %.2f px/mm, want %.2f", p.PxPerMM, want)
	}
}
