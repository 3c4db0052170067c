package pnggray

import "testing"

// TestPaeth checks the predictor, and paeth1's rewriting of it, against
// the specification's definition for every a, b and c.
func TestPaeth(t *testing.T) {
	cur, prev := make([]byte, 2), make([]byte, 2)
	for a := range 256 {
		for b := range 256 {
			for c := range 256 {
				want := paethPredictor(a, b, c)
				if got := paeth(a, b, c); got != want {
					t.Fatalf("paeth(%d, %d, %d) = %d, want %d", a, b, c, got, want)
				}
				// The second byte's neighbours are a, b and c when the
				// first unfilters to a (its prediction is c, from above).
				prev[0], prev[1] = byte(c), byte(b)
				cur[0], cur[1] = byte(a-c), 0
				paeth1(cur, prev)
				if int(cur[0]) != a || int(cur[1]) != want {
					t.Fatalf("paeth1 with a=%d b=%d c=%d: %d, want %d", a, b, c, cur[1], want)
				}
			}
		}
	}
}
