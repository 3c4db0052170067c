package jpeggray

import "math"

// The 8-point inverse DCT f(x) = Σ ½ C(u) F(u) cos((2x+1)uπ/16) split into
// even and odd frequencies: for x = 0…3, f(x) = E(x) + O(x) and
// f(7−x) = E(x) − O(x), where E uses F(0), F(2), F(4), F(6) and O the odd
// ones. E splits once more (F(0), F(4) against F(2), F(6)), so a row costs
// 22 multiplications instead of 64. The constants are ½ cos(kπ/16), with
// the ½ C(0) of F(0) and ½ cos(4π/16) of F(4) both 1/(2√2).
var (
	k0 = float32(0.5 / math.Sqrt2)
	k1 = float32(0.5 * math.Cos(1*math.Pi/16))
	k2 = float32(0.5 * math.Cos(2*math.Pi/16))
	k3 = float32(0.5 * math.Cos(3*math.Pi/16))
	k5 = float32(0.5 * math.Cos(5*math.Pi/16))
	k6 = float32(0.5 * math.Cos(6*math.Pi/16))
	k7 = float32(0.5 * math.Cos(7*math.Pi/16))
)

// idct8 transforms the 8 values at in[0], in[s], … in[7s] into out[0],
// out[t], … out[7t].
func idct8(in []float32, s int, out []float32, t int) {
	f0, f1, f2, f3 := in[0], in[s], in[2*s], in[3*s]
	f4, f5, f6, f7 := in[4*s], in[5*s], in[6*s], in[7*s]
	p0 := k0 * (f0 + f4)
	p1 := k0 * (f0 - f4)
	q0 := k2*f2 + k6*f6
	q1 := k6*f2 - k2*f6
	e0, e3 := p0+q0, p0-q0
	e1, e2 := p1+q1, p1-q1
	o0 := k1*f1 + k3*f3 + k5*f5 + k7*f7
	o1 := k3*f1 - k7*f3 - k1*f5 - k5*f7
	o2 := k5*f1 - k1*f3 + k7*f5 + k3*f7
	o3 := k7*f1 - k5*f3 + k3*f5 - k1*f7
	out[0], out[7*t] = e0+o0, e0-o0
	out[t], out[6*t] = e1+o1, e1-o1
	out[2*t], out[5*t] = e2+o2, e2-o2
	out[3*t], out[4*t] = e3+o3, e3-o3
}

// idctFull writes the full-size inverse DCT of blk (coefficients only in
// its first cols columns) to dst, level-shifted by 128, and clears blk.
// Down the columns first, then across, so that each output row is written
// whole.
func idctFull(blk *[64]float32, cols int, dst []byte, stride int) {
	var tmp [64]float32
	for u := 0; u < cols; u++ {
		idct8(blk[u:], 8, tmp[u:], 8)
	}
	clear(blk[:])
	for y := 0; y < 8; y++ {
		out := dst[y*stride:][:8]
		var row [8]float32
		if cols == 1 {
			// Only vertical frequencies: the row is one level.
			v := toByte(k0 * tmp[y*8])
			out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7] = v, v, v, v, v, v, v, v
			continue
		}
		idct8(tmp[y*8:y*8+8], 1, row[:], 1)
		out[0], out[1], out[2], out[3] = toByte(row[0]), toByte(row[1]), toByte(row[2]), toByte(row[3])
		out[4], out[5], out[6], out[7] = toByte(row[4]), toByte(row[5]), toByte(row[6]), toByte(row[7])
	}
}

// toByte level-shifts, rounds and clamps a sample to 0…255.
func toByte(f float32) byte {
	v := int32(f + 128.5)
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return byte(v)
}
