package omr_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/omr"
	"github.com/cardloop/cardloop/shared/omr/synth"
)

// answers is a filled-in card used by several tests: field → value.
var answers = map[string]string{
	"ratings.item1":     "5",
	"ratings.item2":     "4",
	"ratings.service":   "1",
	"ratings.overall":   "2",
	"nps":               "10",
	"meal":              "dinner",
	"firstVisit":        "false",
	"reason":            "birthday",
	"diner.language":    "zh-TW",
	"diner.phone":       "0912345678",
	"diner.birthday":    "1125",
	"consent.contact":   "true",
	"consent.marketing": "false",
}

// cardWith plans a card of l with the given answers drawn in kind, and the
// truth that goes with them.
func cardWith(tb testing.TB, l *cardlayout.Layout, ans map[string]string, kind string, d synth.Damage) synth.Card {
	tb.Helper()
	c := synth.Card{N: 1, Serial: "TEST0001", Damage: d}
	c.QR = synth.QRText("S001", c.Serial, l.Version)
	c.Truth.Fields = map[string]synth.Want{}
	seed := uint64(7)
	for _, f := range l.Fields {
		v, ok := ans[f.Name]
		want := v
		switch {
		case f.Kind == cardlayout.Check:
			if v == "true" {
				c.Marks = append(c.Marks, synth.Mark{Field: f.Name, Value: f.Bubbles[0].Value, Kind: kind, Darkness: 0.85, Seed: seed})
			} else {
				want = "false"
			}
		case !ok:
		case f.Kind == cardlayout.Digits:
			for col, r := range v {
				c.Marks = append(c.Marks, synth.Mark{Field: f.Name, Value: string(r), Column: col, Kind: kind, Darkness: 0.85, Seed: seed})
				seed++
			}
		default:
			c.Marks = append(c.Marks, synth.Mark{Field: f.Name, Value: v, Kind: kind, Darkness: 0.85, Seed: seed})
		}
		seed++
		c.Truth.Fields[f.Name] = synth.Want{Value: want}
	}
	return c
}

func render(tb testing.TB, l *cardlayout.Layout, c synth.Card) *synth.Scan {
	tb.Helper()
	s, err := synth.New(l).Render(c)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// checkFields compares every field with the truth.
func checkFields(t *testing.T, p *omr.Page, truth synth.Truth) {
	t.Helper()
	for _, f := range p.Fields {
		w := truth.Fields[f.Name]
		switch {
		case w.Review && !f.Uncertain:
			t.Errorf("%s: got %q certain, want uncertain", f.Name, f.Value)
		case !w.Review && f.Uncertain:
			t.Errorf("%s: got uncertain (%s, %v), want %q", f.Name, f.Reason, f.Candidates, w.Value)
		case !w.Review && f.Value != w.Value:
			t.Errorf("%s: got %q, want %q", f.Name, f.Value, w.Value)
		case !f.Uncertain && f.Confidence < 0.5:
			t.Errorf("%s: certain with confidence %.2f, want ≥ 0.5", f.Name, f.Confidence)
		}
	}
}

func TestReadScans(t *testing.T) {
	l := testLayout(t)
	r := newReader(l)
	for _, tc := range []struct {
		name     string
		d        synth.Damage
		kind     string
		rotation int
	}{
		{"200 dpi upright", synth.Damage{DPI: 200, Format: "png"}, synth.Fill, 0},
		{"upside down", synth.Damage{DPI: 200, Flip: true, Rotate: 3, Format: "jpeg", Quality: 80}, synth.Fill, 180},
		{"150 dpi", synth.Damage{DPI: 150, Rotate: -2, Noise: 3, Format: "jpeg", Quality: 70}, synth.Fill, 0},
		{"300 dpi", synth.Damage{DPI: 300, Rotate: 1, Format: "tiff"}, synth.Fill, 0},
		{"rotated 10°", synth.Damage{DPI: 200, Rotate: 10, Format: "png"}, synth.Scribble, 0},
		{"rotated -10° upside down", synth.Damage{DPI: 200, Rotate: -10, Flip: true, Format: "png"}, synth.Partial, 180},
		{"perspective", synth.Damage{DPI: 200, Rotate: 4, Skew: 0.015, Format: "png"}, synth.Tick, 0},
		{"poor scan", synth.Damage{DPI: 150, Rotate: 6, Blur: 2, Noise: 6, Light: 0.35, LightAngle: 1, Format: "jpeg", Quality: 40, Colour: true}, synth.Cross, 0},
		{"grey scanner lid", synth.Damage{DPI: 200, Margin: 8, Background: 150, Format: "png"}, synth.Fill, 0},
		{"pen strokes over the marks", synth.Damage{DPI: 150, Rotate: 3, Format: "png"}, synth.Fill, 0},
		{"feeder slip 1 mm", synth.Damage{DPI: 200, Rotate: 1, Warp: 1, Format: "png"}, synth.Tick, 0},
		{"feeder slip 1 mm, 150 dpi", synth.Damage{DPI: 150, Rotate: -1, Warp: -1, Blur: 1, Format: "jpeg", Quality: 60}, synth.Fill, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cardWith(t, l, answers, tc.kind, tc.d)
			if strings.HasPrefix(tc.name, "pen strokes") {
				// A line out of every mark, towards the card's centre.
				for _, m := range l.Marks {
					dx, dy := l.Width/2-m.X, l.Height/2-m.Y
					c.Strays = append(c.Strays, synth.Stroke{Width: 0.6, Darkness: 0.9, Points: [][2]float64{
						{m.X, m.Y}, {m.X + dx*0.12, m.Y + dy*0.04}}})
				}
			}
			p, err := readScan(r, render(t, l, c))
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if p.QR != c.QR || p.Serial != c.Serial || p.Store != "S001" || p.Version != l.Version {
				t.Errorf("QR: got %q (serial %q, store %q, v%d), want %q", p.QR, p.Serial, p.Store, p.Version, c.QR)
			}
			if p.Rotation != tc.rotation {
				t.Errorf("rotation: got %d, want %d", p.Rotation, tc.rotation)
			}
			want := float64(tc.d.DPI) / 25.4
			if p.PxPerMM < want*0.97 || p.PxPerMM > want*1.03 {
				t.Errorf("resolution: got %.2f px/mm, want %.2f", p.PxPerMM, want)
			}
			checkFields(t, p, c.Truth)
		})
	}
}

func TestBlankCard(t *testing.T) {
	for _, tc := range []struct {
		name string
		l    *cardlayout.Layout
	}{
		{"current layout", testLayout(t)},
		{"fixture layout", fixtureLayout(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cardWith(t, tc.l, nil, synth.Fill, synth.Damage{DPI: 200, Rotate: 1.5, Noise: 3, Format: "jpeg", Quality: 75})
			p, err := readScan(newReader(tc.l), render(t, tc.l, c))
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			for _, f := range p.Fields {
				want := ""
				if f.Kind == cardlayout.Check {
					want = "false"
				}
				if f.Uncertain || f.Value != want {
					t.Errorf("%s: got %q (uncertain %v %s), want %q certain", f.Name, f.Value, f.Uncertain, f.Reason, want)
				}
			}
			if len(p.Boxes) != len(tc.l.Boxes) {
				t.Errorf("box crops: got %d, want %d", len(p.Boxes), len(tc.l.Boxes))
			}
			for i, b := range p.Boxes {
				want := tc.l.Boxes[i]
				w, h := b.Image.Rect.Dx(), b.Image.Rect.Dy()
				if b.Name != want.Name || w < int(want.W*7) || h < int(want.H*7) {
					t.Errorf("box crop %d: got %s %d×%d px, want %s about %.0f×%.0f", i, b.Name, w, h, want.Name, want.W*7.87, want.H*7.87)
				}
			}
		})
	}
}

// TestUncertain covers the marks that have no right answer, and the ones
// that look odd but do.
func TestUncertain(t *testing.T) {
	l := testLayout(t)
	r := newReader(l)
	pen := func(field, value string, col int, kind string) synth.Mark {
		return synth.Mark{Field: field, Value: value, Column: col, Kind: kind, Darkness: 0.85, Seed: uint64(len(field)*31 + len(value) + col)}
	}
	for _, tc := range []struct {
		name       string
		field      string
		marks      []synth.Mark
		reason     string // "" = certain
		value      string
		candidates []string
	}{
		{"double", "ratings.service", []synth.Mark{pen("ratings.service", "2", 0, synth.Fill), pen("ratings.service", "4", 0, synth.Fill)}, omr.ReasonDouble, "", []string{"2", "4"}},
		{"double tick and fill", "nps", []synth.Mark{pen("nps", "3", 0, synth.Tick), pen("nps", "9", 0, synth.Fill)}, omr.ReasonDouble, "", []string{"9", "3"}},
		{"crossed out then another", "meal", []synth.Mark{pen("meal", "lunch", 0, synth.CrossOut), pen("meal", "dinner", 0, synth.Fill)}, omr.ReasonCrossedOut, "", []string{"dinner", "", "lunch"}},
		{"crossed out alone", "ratings.overall", []synth.Mark{pen("ratings.overall", "1", 0, synth.CrossOut)}, omr.ReasonCrossedOut, "", []string{"", "1"}},
		{"crossed out check", "consent.marketing", []synth.Mark{pen("consent.marketing", "true", 0, synth.CrossOut)}, omr.ReasonCrossedOut, "", []string{"false", "true"}},
		{"faint", "reason", []synth.Mark{{Field: "reason", Value: "family", Kind: synth.Faint, Darkness: 0.19, Seed: 3}}, omr.ReasonFaint, "", []string{"family", ""}},
		{"faint check", "consent.contact", []synth.Mark{{Field: "consent.contact", Value: "true", Kind: synth.Faint, Darkness: 0.18, Seed: 4}}, omr.ReasonFaint, "", []string{"true", "false"}},
		{"erased and marked again", "heardFrom", []synth.Mark{{Field: "heardFrom", Value: "ad", Kind: synth.Residue, Darkness: 0.05, Seed: 5}, pen("heardFrom", "friend", 0, synth.Fill)}, "", "friend", nil},
		{"cross as an answer", "visitCount", []synth.Mark{pen("visitCount", "3", 0, synth.Cross)}, "", "3", nil},
		{"digits gap", "diner.phone", digitMarks("diner.phone", "09123 5678", synth.Fill), omr.ReasonGap, "", []string{"091235678"}},
		{"digits leading blank", "diner.birthday", digitMarks("diner.birthday", " 125", synth.Fill), omr.ReasonGap, "", []string{"125"}},
		{"digits short number", "diner.phone", digitMarks("diner.phone", "02123456", synth.Fill), "", "02123456", nil},
		{"digits double in a column", "diner.phone", append(digitMarks("diner.phone", "0912345678", synth.Fill), pen("diner.phone", "7", 3, synth.Fill)), omr.ReasonDouble, "", []string{"0912345678", "0917345678"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cardWith(t, l, nil, synth.Fill, synth.Damage{DPI: 200, Rotate: -1, Noise: 2, Format: "jpeg", Quality: 85})
			c.Marks = tc.marks
			p, err := readScan(r, render(t, l, c))
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			for _, f := range p.Fields {
				if f.Name != tc.field {
					want := ""
					if f.Kind == cardlayout.Check {
						want = "false"
					}
					if f.Uncertain || f.Value != want {
						t.Errorf("other field %s: got %q (uncertain %v), want %q certain", f.Name, f.Value, f.Uncertain, want)
					}
					continue
				}
				if tc.reason == "" {
					if f.Uncertain || f.Value != tc.value {
						t.Errorf("got %q (uncertain %v %s %v), want %q certain", f.Value, f.Uncertain, f.Reason, f.Candidates, tc.value)
					}
					if f.Crop != nil {
						t.Errorf("certain field has a crop")
					}
					return
				}
				if !f.Uncertain || f.Reason != tc.reason {
					t.Fatalf("got %q (uncertain %v, reason %q), want uncertain %q", f.Value, f.Uncertain, f.Reason, tc.reason)
				}
				got := f.Candidates
				if tc.reason == omr.ReasonDouble { // ordered by darkness: either way
					got, tc.candidates = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(tc.candidates))
				}
				if !slices.Equal(got, tc.candidates) {
					t.Errorf("candidates: got %q, want %q", f.Candidates, tc.candidates)
				}
				if f.Confidence >= 0.5 {
					t.Errorf("confidence: got %.2f, want < 0.5", f.Confidence)
				}
				if f.Crop == nil || f.Crop.Rect.Dx() < 20 {
					t.Errorf("uncertain field has no crop")
				}
				if len(p.Uncertain()) != 1 {
					t.Errorf("uncertain fields: got %d, want 1", len(p.Uncertain()))
				}
			}
		})
	}
}

// digitMarks marks a digit string column by column; a space leaves a
// column blank.
func digitMarks(field, digits string, kind string) []synth.Mark {
	var out []synth.Mark
	for col, r := range digits {
		if r == ' ' {
			continue
		}
		out = append(out, synth.Mark{Field: field, Value: string(r), Column: col, Kind: kind, Darkness: 0.85, Seed: uint64(col + 11)})
	}
	return out
}

func TestNotACard(t *testing.T) {
	l := testLayout(t)
	r := newReader(l)
	blankWithQR := func(qr string) image.Image {
		img, err := synth.Blank(l, 200, qr)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	noQR := blankWithQR(synth.QRText("S001", "X1", l.Version)).(*image.Gray)
	// Paint the QR code over.
	ppm := 200 / 25.4
	for y := int(l.QR.Y * ppm); y < int((l.QR.Y+l.QR.H)*ppm); y++ {
		for x := int(l.QR.X * ppm); x < int((l.QR.X+l.QR.W)*ppm); x++ {
			noQR.Pix[y*noQR.Stride+x] = 255
		}
	}
	noMark := blankWithQR(synth.QRText("S001", "X2", l.Version)).(*image.Gray)
	m := l.Marks[3]
	for y := int((m.Y - m.Size) * ppm); y < int((m.Y+m.Size)*ppm); y++ {
		for x := int((m.X - m.Size) * ppm); x < int((m.X+m.Size)*ppm); x++ {
			noMark.Pix[y*noMark.Stride+x] = 255
		}
	}
	for _, tc := range []struct {
		name string
		img  image.Image
		code string
		qr   string // Error.QR
	}{
		{"a mark torn off", noMark, omr.CodeNoMarks, synth.QRText("S001", "X2", l.Version)},
		{"random noise", noise(1165, 1654), omr.CodeNoMarks, ""},
		{"text page", textPage(1240, 1754), omr.CodeNoMarks, ""},
		{"white page", white(1165, 1654), omr.CodeBlank, ""},
		{"tiny image", image.NewGray(image.Rect(0, 0, 10, 10)), omr.CodeNoMarks, ""},
		{"marks but no QR code", noQR, omr.CodeNoQR, ""},
		{"QR code of something else", blankWithQR("https://example.com/menu"), omr.CodeBadQR, "https://example.com/menu"},
		{"unknown layout version", blankWithQR(synth.QRText("S001", "X1", 99)), omr.CodeUnknownLayout, synth.QRText("S001", "X1", 99)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := r.Read(tc.img)
			if err == nil {
				t.Fatalf("got a page (QR %q), want error %s", p.QR, tc.code)
			}
			var e *omr.Error
			if !errors.As(err, &e) || e.Code != tc.code {
				t.Fatalf("got %v, want code %s", err, tc.code)
			}
			if omr.ErrorCode(err) != tc.code {
				t.Errorf("ErrorCode: got %q, want %q", omr.ErrorCode(err), tc.code)
			}
			if e.QR != tc.qr {
				t.Errorf("QR: got %q, want %q", e.QR, tc.qr)
			}
		})
	}
}

func white(w, h int) image.Image {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 250
	}
	return g
}

func noise(w, h int) image.Image {
	rng := rand.New(rand.NewPCG(1, 2))
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = byte(rng.IntN(256))
	}
	return g
}

// textPage is a page of "words": dark blocks a few millimetres long in
// lines, with a title in bigger blocks and bullets.
func textPage(w, h int) image.Image {
	rng := rand.New(rand.NewPCG(3, 4))
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 245
	}
	fill := func(x0, y0, x1, y1 int) {
		for y := max(0, y0); y < min(h, y1); y++ {
			for x := max(0, x0); x < min(w, x1); x++ {
				g.Pix[y*w+x] = 30
			}
		}
	}
	for y := 100; y < h-100; y += 40 {
		x := 120
		if rng.IntN(6) == 0 {
			fill(x-50, y+4, x-36, y+18) // a square bullet
		}
		for x < w-150 {
			wl := 20 + rng.IntN(90)
			for cx := x; cx < x+wl; cx += 9 {
				fill(cx, y+rng.IntN(6), cx+6, y+22)
			}
			x += wl + 14
		}
	}
	return g
}

func TestDecode(t *testing.T) {
	l := testLayout(t)
	c := cardWith(t, l, answers, synth.Fill, synth.Damage{DPI: 150, Format: "png"})
	var pngData, jpegData, tiffData []byte
	for _, f := range []string{"png", "jpeg", "tiff"} {
		c.Damage.Format = f
		s := render(t, l, c)
		switch f {
		case "png":
			pngData = s.Data
		case "jpeg":
			jpegData = s.Data
		case "tiff":
			tiffData = s.Data
		}
	}
	for _, tc := range []struct {
		name string
		data []byte
		code string
	}{
		{"png", pngData, ""},
		{"jpeg", jpegData, ""},
		{"tiff", tiffData, ""},
		{"truncated jpeg", jpegData[:len(jpegData)/3], omr.CodeBadImage},
		{"corrupt png", append(append([]byte{}, pngData[:40]...), bytes.Repeat([]byte{7}, 500)...), omr.CodeBadImage},
		{"not an image", []byte("%PDF-1.4 hello"), omr.CodeBadImage},
		{"empty", nil, omr.CodeBadImage},
		{"80 megapixels", hugePNG(t, 10000, 8000), omr.CodeTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := omr.Decode(bytes.NewReader(tc.data))
			if tc.code == "" {
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				if img.Bounds().Dx() < 800 {
					t.Errorf("got %v, want a page", img.Bounds())
				}
				return
			}
			if got := omr.ErrorCode(err); got != tc.code {
				t.Errorf("got %v, want code %s", err, tc.code)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "omr: "+tc.code) {
				t.Errorf("message %q does not start with the code", err)
			}
		})
	}
}

// hugePNG is a small file that declares a w×h image (only the start of its
// data is there, which is enough for the header check).
func hugePNG(t *testing.T, w, h int) []byte {
	img := image.NewGray(image.Rect(0, 0, w, 1))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// IHDR: length (8–11), "IHDR" (12–15), width (16–19), height (20–23)…,
	// then the CRC of type and data (29–32).
	b[20], b[21], b[22], b[23] = byte(h>>24), byte(h>>16), byte(h>>8), byte(h)
	binary.BigEndian.PutUint32(b[29:33], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// TestWrongLayout reads a card printed from another arrangement than its QR
// code's layout version: the rims are not where the layout says, so no
// field may be read as certain.
func TestWrongLayout(t *testing.T) {
	cur, other := testLayout(t), fixtureLayout(t)
	ans := maps.Clone(answers)
	ans["firstVisit"] = "no" // the fixture's values
	c := cardWith(t, other, ans, synth.Fill, synth.Damage{DPI: 200, Rotate: 1, Format: "png"})
	c.QR = synth.QRText("S001", c.Serial, cur.Version)
	p, err := readScan(newReader(cur), render(t, other, c))
	if err != nil {
		t.Logf("read: %v", err) // refusing the page is as good
		return
	}
	for _, f := range p.Fields {
		if !f.Uncertain {
			t.Errorf("%s: got %q certain, want uncertain", f.Name, f.Value)
		} else if f.Reason != omr.ReasonRegistration {
			t.Logf("%s: uncertain, %s", f.Name, f.Reason)
		}
	}
}

// TestOtherVersion reads a card of another layout version than the probe
// layout, with its marks and QR code elsewhere: the QR code is found by the
// whole-card search and the page registered with that version's marks.
func TestOtherVersion(t *testing.T) {
	old := testLayout(t)
	probe := fixtureLayout(t)
	probe.Version = old.Version + 1
	r := omr.NewReader(func(v int) (*cardlayout.Layout, error) {
		switch v {
		case old.Version:
			return old, nil
		case probe.Version:
			return probe, nil
		}
		return nil, cardlayout.ErrUnknownVersion
	}, probe)
	c := cardWith(t, old, answers, synth.Fill, synth.Damage{DPI: 200, Rotate: -2, Flip: true, Format: "jpeg", Quality: 80})
	p, err := readScan(r, render(t, old, c))
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if p.Version != old.Version || p.Rotation != 180 {
		t.Errorf("got version %d rotation %d, want %d and 180", p.Version, p.Rotation, old.Version)
	}
	checkFields(t, p, c.Truth)
}
