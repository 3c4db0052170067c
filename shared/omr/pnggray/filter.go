package pnggray

import (
	"encoding/binary"
	"fmt"
)

// Filter types (PNG section 9.2).
const (
	ftNone = iota
	ftSub
	ftUp
	ftAverage
	ftPaeth
)

// unfilter undoes filter type ft on row cur in place, given prev, the
// unfiltered row above (zeros above the first), and bpp, the bytes in a
// pixel (1 when a pixel is less than a byte).
func unfilter(ft byte, cur, prev []byte, bpp int) error {
	prev = prev[:len(cur)]
	switch ft {
	case ftNone:
	case ftSub:
		if bpp == 1 {
			sub1(cur)
			break
		}
		for i := bpp; i < len(cur); i++ {
			cur[i] += cur[i-bpp]
		}
	case ftUp:
		up(cur, prev)
	case ftAverage:
		if bpp == 1 {
			average1(cur, prev)
			break
		}
		for i := range bpp {
			cur[i] += prev[i] / 2
		}
		for i := bpp; i < len(cur); i++ {
			cur[i] += byte((uint(cur[i-bpp]) + uint(prev[i])) / 2)
		}
	case ftPaeth:
		switch bpp {
		case 1:
			paeth1(cur, prev)
		case 3:
			paeth3(cur, prev)
		case 4:
			paeth4(cur, prev)
		default:
			paethN(cur, prev, bpp)
		}
	default:
		return fmt.Errorf("filter type %d", ft)
	}
	return nil
}

// sub1 undoes the Sub filter for one byte per pixel, the running sum in a
// register (the general loop's reads of the byte just written wait on the
// store).
func sub1(cur []byte) {
	var a byte
	for i, x := range cur {
		a += x
		cur[i] = a
	}
}

// up undoes the Up filter eight bytes at a time: bytewise addition in a
// uint64, without carries between bytes (the low seven bits of each byte
// are added, their carry into the top bit then combined with the top bits).
func up(cur, prev []byte) {
	const high = 0x8080808080808080
	i := 0
	for ; i+8 <= len(cur); i += 8 {
		x, y := binary.LittleEndian.Uint64(cur[i:]), binary.LittleEndian.Uint64(prev[i:])
		binary.LittleEndian.PutUint64(cur[i:], (x&^high+y&^high)^((x^y)&high))
	}
	for ; i < len(cur); i++ {
		cur[i] += prev[i]
	}
}

// average1 undoes the Average filter for one byte per pixel, the left byte
// in a register.
func average1(cur, prev []byte) {
	prev = prev[:len(cur)]
	a := uint(0)
	for i, x := range cur {
		a = (uint(x) + (a+uint(prev[i]))>>1) & 0xFF
		cur[i] = byte(a)
	}
}

// paeth is the Paeth predictor of a pixel from its left (a), upper (b) and
// upper-left (c) neighbours: whichever is closest to a+b-c, preferring a,
// then b, on ties. Written to be inlined, with conditional moves rather
// than branches (noisy scans make the choice unpredictable).
func paeth(a, b, c int) int {
	// The distances of a, b and c from a+b-c.
	pa, pb, pc := max(b-c, c-b), max(a-c, c-a), max(a+b-2*c, 2*c-a-b)
	if pb <= pc {
		c, pc = b, pb
	}
	if pa <= pc {
		c = a
	}
	return c
}

// paeth1 undoes the Paeth filter for one byte per pixel. Each byte waits
// on the one to its left (a), so the work that depends on a is cut to two
// comparisons with thresholds worked out from b and c alone, which the
// processor can compute ahead. With d = b-c, the predictor (see paeth) is:
//
//   - a when a is not strictly between b and 3c-2b (then |b-c| is the
//     least distance);
//   - otherwise b when a is on b's side of (3c-b)/2, the midpoint of c and
//     2c-b (|a-c| <= |a+b-2c|), counting the midpoint itself; else c.
//
// "a on b's side" is 2a >= 3c-b when d > 0 and 2a <= 3c-b when d < 0; d = 0
// leaves no a strictly between. TestPaeth checks it on every a, b and c.
func paeth1(cur, prev []byte) {
	prev = prev[:len(cur)]
	a, c := 0, 0
	for i, x := range cur {
		b := int(prev[i])
		e := 3*c - 2*b
		lo, hi := min(b, e), max(b, e)
		// Strictly between lo and hi is uint(a-lo-1) < width.
		width := uint(max(hi-lo-1, 0))
		// The midpoint test as a >= mid for d > 0, and, flipping every
		// bit when d < 0 (^x = -x-1), a <= mid.
		flip := (b - c) >> 63
		mid := ((3*c - b + 1 + flip) >> 1) ^ flip // rounded towards the b side
		pred := c
		if a^flip >= mid {
			pred = b
		}
		if uint(a-lo-1) >= width {
			pred = a
		}
		a = (pred + int(x)) & 0xFF
		cur[i] = byte(a)
		c = b
	}
}

// paeth3 undoes the Paeth filter for three bytes per pixel, the three
// channels' dependency chains side by side in registers.
func paeth3(cur, prev []byte) {
	prev = prev[:len(cur)]
	var a0, a1, a2, c0, c1, c2 int
	for i := 0; i+3 <= len(cur); i += 3 {
		x, p := cur[i:i+3:i+3], prev[i:i+3:i+3]
		b0, b1, b2 := int(p[0]), int(p[1]), int(p[2])
		a0 = (paeth(a0, b0, c0) + int(x[0])) & 0xFF
		a1 = (paeth(a1, b1, c1) + int(x[1])) & 0xFF
		a2 = (paeth(a2, b2, c2) + int(x[2])) & 0xFF
		x[0], x[1], x[2] = byte(a0), byte(a1), byte(a2)
		c0, c1, c2 = b0, b1, b2
	}
}

// paeth4 undoes the Paeth filter for four bytes per pixel, like paeth3.
func paeth4(cur, prev []byte) {
	prev = prev[:len(cur)]
	var a0, a1, a2, a3, c0, c1, c2, c3 int
	for i := 0; i+4 <= len(cur); i += 4 {
		x, p := cur[i:i+4:i+4], prev[i:i+4:i+4]
		b0, b1, b2, b3 := int(p[0]), int(p[1]), int(p[2]), int(p[3])
		a0 = (paeth(a0, b0, c0) + int(x[0])) & 0xFF
		a1 = (paeth(a1, b1, c1) + int(x[1])) & 0xFF
		a2 = (paeth(a2, b2, c2) + int(x[2])) & 0xFF
		a3 = (paeth(a3, b3, c3) + int(x[3])) & 0xFF
		x[0], x[1], x[2], x[3] = byte(a0), byte(a1), byte(a2), byte(a3)
		c0, c1, c2, c3 = b0, b1, b2, b3
	}
}

// paethN undoes the Paeth filter for any number of bytes per pixel.
func paethN(cur, prev []byte, bpp int) {
	prev = prev[:len(cur)]
	for i := range bpp {
		cur[i] += prev[i] // a and c are zero: the predictor is b
	}
	for i := bpp; i < len(cur); i++ {
		cur[i] += byte(paeth(int(cur[i-bpp]), int(prev[i]), int(prev[i-bpp])))
	}
}
