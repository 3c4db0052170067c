package jpeggray

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"testing"

	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/omr/synth"
)

// scans renders cards of the reader's test corpus as JPEGs: grey and
// colour (4:2:0), 150, 200 and 300 dpi, coarse to fine quality.
func scans(tb testing.TB) map[string][]byte {
	tb.Helper()
	l := cardlayout.Current()
	g := synth.New(&l)
	out := map[string][]byte{}
	for i, d := range []synth.Damage{
		{DPI: 150, Rotate: -2, Noise: 3, Format: "jpeg", Quality: 70},
		{DPI: 200, Rotate: 1, Noise: 4, Blur: 1, Format: "jpeg", Quality: 40},
		{DPI: 200, Rotate: 3, Noise: 2, Format: "jpeg", Quality: 95, Colour: true},
		{DPI: 300, Rotate: -1, Noise: 5, Format: "jpeg", Quality: 75},
		{DPI: 300, Rotate: 7, Noise: 3, Light: 0.3, Format: "jpeg", Quality: 60, Colour: true},
	} {
		c := synth.Plan(&l, i, 2026, 0)
		c.Damage = d
		s, err := g.Render(c)
		if err != nil {
			tb.Fatal(err)
		}
		out[fmt.Sprintf("%ddpi-q%d-colour=%v", d.DPI, d.Quality, d.Colour)] = s.Data
	}
	return out
}

// TestCorpus compares with image/jpeg on the generator's scans.
func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("renders five pages")
	}
	for name, data := range scans(t) {
		colour := bytes.Contains([]byte(name), []byte("colour=true"))
		for _, n := range []int{8, 6, 4} {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				got, err := Decode(data, n, 1<<30)
				if err != nil {
					t.Fatal(err)
				}
				d := compareScaled(t, data, got, n)
				if tol := tolerance(n, colour); !within(d, tol) {
					t.Errorf("differs from image/jpeg: %+v, want within %+v", d, tol)
				}
				t.Logf("%+v", d)
			})
		}
	}
}

// BenchmarkDecode decodes the generator's scans with image/jpeg and at
// full, 6/8 and half size here.
func BenchmarkDecode(b *testing.B) {
	for name, data := range scans(b) {
		b.Run(name+"/image-jpeg", func(b *testing.B) {
			for b.Loop() {
				if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
		for _, n := range []int{8, 6, 4} {
			b.Run(fmt.Sprintf("%s/jpeggray-%d", name, n), func(b *testing.B) {
				for b.Loop() {
					if _, err := Decode(data, n, 1<<30); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
