package synth_test

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/omr/synth"
)

func layout() *cardlayout.Layout {
	l := cardlayout.Current()
	return &l
}

func TestBlank(t *testing.T) {
	l := layout()
	for _, dpi := range []float64{150, 200, 300} {
		img, err := synth.Blank(l, dpi, synth.QRText("S001", "SYN000000000001", l.Version))
		if err != nil {
			t.Fatal(err)
		}
		w, h := img.Rect.Dx(), img.Rect.Dy()
		ww, wh := int(math.Round(l.Width*dpi/25.4)), int(math.Round(l.Height*dpi/25.4))
		if w != ww || h != wh {
			t.Errorf("%v dpi: got %d×%d px, want %d×%d", dpi, w, h, ww, wh)
		}
		// A mark's centre is black, a corner of the card is paper.
		m := l.Marks[0]
		if v := img.GrayAt(int(m.X*dpi/25.4), int(m.Y*dpi/25.4)).Y; v > 10 {
			t.Errorf("%v dpi: mark centre grey %d, want black", dpi, v)
		}
		if v := img.GrayAt(2, 2).Y; v != 255 {
			t.Errorf("%v dpi: corner grey %d, want 255", dpi, v)
		}
	}
}

func TestRenderDeterministic(t *testing.T) {
	l := layout()
	g := synth.New(l)
	a, err := g.Render(synth.Plan(l, 7, 42, 0.01))
	if err != nil {
		t.Fatal(err)
	}
	b, err := synth.New(l).Render(synth.Plan(l, 7, 42, 0.01))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Data, b.Data) {
		t.Errorf("card 7 of seed 42 rendered twice: files differ")
	}
	c, err := g.Render(synth.Plan(l, 8, 42, 0.01))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Data, c.Data) {
		t.Errorf("cards 7 and 8: same file")
	}
}

// TestPlanMix checks the corpus has the documented mix, and that every
// plan is complete and drawable.
func TestPlanMix(t *testing.T) {
	l := layout()
	const n = 4000
	var problems, flips, dpi200, jpeg int
	cases := map[string]int{}
	for i := 0; i < n; i++ {
		c := synth.Plan(l, i, 1, 0.01)
		for _, k := range c.Truth.Cases {
			cases[k]++
		}
		if c.Back != slices.Contains(c.Truth.Cases, synth.CaseBack) {
			t.Fatalf("card %d: Back %v, cases %v", i, c.Back, c.Truth.Cases)
		}
		if len(c.Truth.Fields) != len(l.Fields) {
			t.Fatalf("card %d: truth of %d fields, want %d", i, len(c.Truth.Fields), len(l.Fields))
		}
		review := 0
		for _, w := range c.Truth.Fields {
			if w.Review {
				review++
			}
		}
		if (c.Truth.Problem != "") != (review == 1) || review > 1 {
			t.Fatalf("card %d: problem %q with %d fields to review", i, c.Truth.Problem, review)
		}
		if c.Truth.Problem != "" {
			problems++
		}
		if c.Damage.Flip {
			flips++
		}
		if c.Damage.DPI == 200 {
			dpi200++
		}
		if c.Damage.Format == "jpeg" {
			jpeg++
		}
		for _, m := range c.Marks {
			if _, ok := l.Field(m.Field); !ok {
				t.Fatalf("card %d: mark in unknown field %s", i, m.Field)
			}
		}
	}
	for _, tc := range []struct {
		name     string
		got      int
		want, lo float64 // expected share, and the least acceptable
	}{
		{"deliberate problems", problems, 0.01, 0.006},
		{"upside down", flips, 0.08, 0.065},
		{"200 dpi", dpi200, 0.5, 0.47},
		{"JPEG", jpeg, 0.75, 0.72},
		{"blank backs", cases[synth.CaseBack], 0.03, 0.022},
		{"light-pencil pages", cases[synth.CaseLightPage], 0.04, 0.031},
		{"blurred 150 dpi", cases[synth.CaseBlurred150], 0.03, 0.022},
		{"blue ticks", cases[synth.CaseBlueTicks], 0.03, 0.022},
	} {
		share := float64(tc.got) / n
		if share < tc.lo || share > 2*tc.want-tc.lo {
			t.Errorf("%s: got %.3f of cards, want about %.3f", tc.name, share, tc.want)
		}
	}
}
