package e2e

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/cardloop/cardloop/infra/runner"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/omr/synth"
	"github.com/cardloop/cardloop/shared/scan"
)

// seedHandwritten uploads a paper card of S001 whose marks are clean
// (overall 4, service 4, NPS 9: no case) and whose comment box holds a few
// lines of handwriting, and waits until the running pipeline has stored it
// with the crop of its comment box (comments.test.mjs types the comment
// in). It returns the card's id.
func seedHandwritten(ctx context.Context, t *testing.T, p *runner.Project, endpoint string) string {
	t.Helper()
	s := newScanner(ctx, t, p, endpoint)
	serial := fmt.Sprintf("E2EPEN%06d", time.Now().UnixNano()/1000%1000000)
	c := synth.Card{N: 1, Serial: serial, Marks: marks([][2]string{{"ratings.overall", "4"}, {"ratings.service", "4"}, {"nps", "9"}})}
	for _, b := range s.layout.Boxes {
		if b.Name == "comment" {
			c.Strays = writing(b.Rect.X, b.Rect.Y, b.Rect.W, b.Rect.H)
		}
	}
	if len(c.Strays) == 0 {
		t.Fatal("the card layout has no comment box")
	}
	key, _ := s.upload(ctx, t, c)
	id := card.PrintedID("S001", serial)
	s.await(ctx, t, key, scan.Stored, func() bool {
		got, err := s.db.Card(ctx, id)
		return err == nil && got.Source == card.SourceScan
	})
	t.Logf("paper card %s stored with its comment crop", id)
	return id
}

// writing is up to two lines of pen wiggles inside a box (mm), as
// handwriting looks to the reader: ink in the box, not near a bubble.
func writing(x, y, w, h float64) []synth.Stroke {
	var out []synth.Stroke
	for line := 0; line < 2 && 3+float64(line+1)*6 < h; line++ {
		base := y + 3 + float64(line)*6 + 3.5
		for word := x + 3; word+8 < x+w*0.7; word += 11 {
			var pts [][2]float64
			for d := 0.0; d <= 8; d += 0.35 {
				pts = append(pts, [2]float64{word + d, base - 1.6*math.Abs(math.Sin(d*2.3+word))})
			}
			out = append(out, synth.Stroke{Points: pts, Width: 0.4, Darkness: 0.85})
		}
	}
	return out
}
