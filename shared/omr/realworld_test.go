package omr_test

import (
	"bytes"
	"image"
	"image/color"
	_ "image/jpeg" // image.Decode of the luminance comparison
	_ "image/png"
	"testing"

	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/omr"
	"github.com/cardloop/cardloop/shared/omr/synth"
)

// Issue 14: light pencil, QR codes that cannot be read, blue pens, blank
// backs.

// withInk sets every mark's kind and darkness (darkness[i % len]).
func withInk(c synth.Card, kind string, darkness ...float64) synth.Card {
	for i := range c.Marks {
		c.Marks[i].Kind = kind
		c.Marks[i].Darkness = darkness[i%len(darkness)]
	}
	return c
}

// TestLightPencilPage: a page filled throughout in light pencil reads with
// no review; a faint touch on it, or a lone faint touch on a page marked in
// pen, still goes to review.
func TestLightPencilPage(t *testing.T) {
	l := testLayout(t)
	r := newReader(l)
	faint := synth.Mark{Field: "reason", Value: "family", Kind: synth.Faint, Darkness: 0.22, Seed: 3}
	for _, tc := range []struct {
		name  string
		card  func() synth.Card
		faint bool // "reason" must be a faint review
	}{
		{"light pencil 0.30–0.40, 200 dpi", func() synth.Card {
			return withInk(cardWith(t, l, answers, synth.Fill, synth.Damage{DPI: 200, Rotate: 1, Noise: 3, Format: "jpeg", Quality: 75}), synth.Fill, 0.30, 0.35, 0.40, 0.32)
		}, false},
		{"light pencil 0.30–0.34, 150 dpi blurred, partial fills", func() synth.Card {
			return withInk(cardWith(t, l, answers, synth.Fill, synth.Damage{DPI: 150, Blur: 2, Noise: 4, Format: "jpeg", Quality: 60}), synth.Partial, 0.30, 0.34)
		}, false},
		{"light pencil with a faint touch", func() synth.Card {
			c := withInk(cardWith(t, l, answers, synth.Fill, synth.Damage{DPI: 200, Noise: 3, Format: "png"}), synth.Fill, 0.30, 0.36)
			c.Marks = append(c.Marks, faint)
			return c
		}, true},
		{"pen with a faint touch", func() synth.Card {
			c := cardWith(t, l, answers, synth.Fill, synth.Damage{DPI: 200, Noise: 3, Format: "png"})
			c.Marks = append(c.Marks, faint)
			return c
		}, true},
		{"pen ticks with a faint touch", func() synth.Card {
			c := cardWith(t, l, answers, synth.Tick, synth.Damage{DPI: 150, Blur: 1, Noise: 3, Format: "jpeg", Quality: 70})
			c.Marks = append(c.Marks, faint)
			return c
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.card()
			if tc.faint {
				c.Truth.Fields["reason"] = synth.Want{Review: true}
			}
			p, err := readScan(r, render(t, l, c))
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			checkFields(t, p, c.Truth)
			for _, f := range p.Fields {
				if f.Name == "reason" && tc.faint && f.Reason != omr.ReasonFaint {
					t.Errorf("reason: got reason %q, want %q", f.Reason, omr.ReasonFaint)
				}
			}
		})
	}
}

// blackOut paints the card rectangle rect (mm) black on a decoded scan of
// an upright, unrotated card (Damage with no rotation, margin mm).
func blackOut(img image.Image, rect cardlayout.Rect, dpi, margin float64) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g.Set(x, y, img.At(x, y))
		}
	}
	ppm := dpi / 25.4
	for y := int((rect.Y + margin) * ppm); y < int((rect.Y+rect.H+margin)*ppm); y++ {
		for x := int((rect.X + margin) * ppm); x < int((rect.X+rect.W+margin)*ppm); x++ {
			g.SetGray(x, y, color.Gray{})
		}
	}
	return g
}

// TestQRBlackedOut: a card whose QR code is painted over is identified by
// its ID code (serial and version; no store, no QR text), and read; with
// the ID code painted over too, it is CodeNoQR.
func TestQRBlackedOut(t *testing.T) {
	l := testLayout(t)
	r := newReader(l)
	if l.Code == nil {
		t.Fatal("the current layout has no ID code box")
	}
	serial := synth.SerialOf(123456)
	for _, tc := range []struct {
		name   string
		d      synth.Damage
		paint  []cardlayout.Rect
		wantOK bool
	}{
		{"QR black, 200 dpi", synth.Damage{DPI: 200, Margin: 3, Noise: 3, Format: "jpeg", Quality: 75}, []cardlayout.Rect{l.QR}, true},
		{"QR black, 150 dpi blurred", synth.Damage{DPI: 150, Margin: 3, Blur: 3, Noise: 4, Format: "jpeg", Quality: 60}, []cardlayout.Rect{l.QR}, true},
		{"QR black, 300 dpi", synth.Damage{DPI: 300, Margin: 3, Noise: 2, Format: "png"}, []cardlayout.Rect{l.QR}, true},
		{"QR and ID code black", synth.Damage{DPI: 200, Margin: 3, Noise: 3, Format: "png"}, []cardlayout.Rect{l.QR, *l.Code}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cardWith(t, l, answers, synth.Fill, tc.d)
			c.Serial = serial
			c.QR = synth.QRText("S001", serial, l.Version)
			s := render(t, l, c)
			img, err := omr.Decode(bytes.NewReader(s.Data))
			if err != nil {
				t.Fatal(err)
			}
			// Decode may reduce a large page: paint at the decoded scale.
			cfg, _, err := image.DecodeConfig(bytes.NewReader(s.Data))
			if err != nil {
				t.Fatal(err)
			}
			dpi := float64(tc.d.DPI) * float64(img.Bounds().Dx()) / float64(cfg.Width)
			var g *image.Gray
			for _, rect := range tc.paint {
				if g == nil {
					g = blackOut(img, rect, dpi, tc.d.Margin)
				} else {
					g = blackOut(g, rect, dpi, tc.d.Margin)
				}
			}
			p, err := r.Read(g)
			if !tc.wantOK {
				if omr.ErrorCode(err) != omr.CodeNoQR {
					t.Fatalf("got %v (page %v), want %s", err, p != nil, omr.CodeNoQR)
				}
				return
			}
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if p.QR != "" || p.Store != "" || p.Sig != "" || p.Serial != serial || p.Version != l.Version {
				t.Fatalf("got QR %q store %q sig %q serial %q version %d, want serial %q version %d only",
					p.QR, p.Store, p.Sig, p.Serial, p.Version, serial, l.Version)
			}
			checkFields(t, p, c.Truth)
		})
	}
}

// TestBlankBack: the blank back of a card (duplex scan: noise, JPEG, the
// front showing through) is CodeBlank; the card's front never is.
func TestBlankBack(t *testing.T) {
	l := testLayout(t)
	r := newReader(l)
	for _, tc := range []struct {
		name string
		d    synth.Damage
	}{
		{"200 dpi JPEG 40, show-through 12 %", synth.Damage{DPI: 200, Rotate: 2, Noise: 6, Format: "jpeg", Quality: 40, ShowThrough: 0.12, Background: 235}},
		{"150 dpi colour, show-through 5 %", synth.Damage{DPI: 150, Noise: 3, Format: "jpeg", Quality: 80, Colour: true, ShowThrough: 0.05, Background: 250}},
		{"300 dpi PNG, uneven light", synth.Damage{DPI: 300, Noise: 2, Format: "png", Light: 0.3, LightAngle: 1, ShowThrough: 0.08, Background: 230}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cardWith(t, l, answers, synth.Fill, tc.d)
			c.Back = true
			if _, err := readScan(r, render(t, l, c)); omr.ErrorCode(err) != omr.CodeBlank {
				t.Errorf("back: got %v, want %s", err, omr.CodeBlank)
			}
			c.Back = false
			if _, err := readScan(r, render(t, l, c)); err != nil {
				t.Errorf("front: got %v, want a page", err)
			}
		})
	}
}

// TestBlueTicks: ticks in blue ballpoint are marks. Blue ink is dark in red
// and light in blue: the reader takes each pixel's darkest channel.
func TestBlueTicks(t *testing.T) {
	l := testLayout(t)
	r := newReader(l)
	for _, tc := range []struct {
		name string
		d    synth.Damage
	}{
		{"200 dpi JPEG", synth.Damage{DPI: 200, Rotate: 1, Noise: 3, Format: "jpeg", Quality: 75, Colour: true, Blue: true}},
		{"150 dpi JPEG", synth.Damage{DPI: 150, Noise: 3, Format: "jpeg", Quality: 70, Colour: true, Blue: true}},
		{"300 dpi PNG", synth.Damage{DPI: 300, Noise: 2, Format: "png", Colour: true, Blue: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := withInk(cardWith(t, l, answers, synth.Tick, tc.d), synth.Tick, 0.7, 0.75)
			s := render(t, l, c)
			p, err := readScan(r, s)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			checkFields(t, p, c.Truth)
			// The same scan in luminance, for comparison: the ticks are
			// lighter there. (Decoded by the standard library: omr.Decode
			// gives a JPEG's darkest channel already.)
			img, _, err := image.Decode(bytes.NewReader(s.Data))
			if err != nil {
				t.Fatal(err)
			}
			b := img.Bounds()
			luma := image.NewGray(b)
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					luma.Set(x, y, color.GrayModel.Convert(img.At(x, y)))
				}
			}
			pl, err := r.Read(luma)
			if err != nil {
				t.Fatalf("read luminance: %v", err)
			}
			dk, dkCover, faint := markedFill(p)
			lu, luCover, luFaint := markedFill(pl)
			t.Logf("ticks: darkest channel Fill %.3f Cover %.3f, %d fields faint; luminance Fill %.3f Cover %.3f, %d fields faint", dk, dkCover, faint, lu, luCover, luFaint)
			if dk <= lu {
				t.Errorf("ticks' mean Fill: darkest channel %.3f, luminance %.3f; want the darkest channel darker", dk, lu)
			}
		})
	}
}

// markedFill is the mean Fill and Cover of the bubbles of a page that are
// not empty, and the number of fields uncertain as faint.
func markedFill(p *omr.Page) (fill, cover float64, faint int) {
	n := 0
	for _, f := range p.Fields {
		if f.Reason == omr.ReasonFaint {
			faint++
		}
		for _, b := range f.Bubbles {
			if b.State != "empty" {
				fill += b.Fill
				cover += b.Cover
				n++
			}
		}
	}
	return fill / float64(max(1, n)), cover / float64(max(1, n)), faint
}
