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

// idct8 transforms F(0) to F(7) into f(0) to f(7). On values, so that its
// callers index arrays with no bounds to check.
func idct8(f0, f1, f2, f3, f4, f5, f6, f7 float32) (o0, o1, o2, o3, o4, o5, o6, o7 float32) {
	p0 := k0 * (f0 + f4)
	p1 := k0 * (f0 - f4)
	q0 := k2*f2 + k6*f6
	q1 := k6*f2 - k2*f6
	e0, e3 := p0+q0, p0-q0
	e1, e2 := p1+q1, p1-q1
	d0 := k1*f1 + k3*f3 + k5*f5 + k7*f7
	d1 := k3*f1 - k7*f3 - k1*f5 - k5*f7
	d2 := k5*f1 - k1*f3 + k7*f5 + k3*f7
	d3 := k7*f1 - k5*f3 + k3*f5 - k1*f7
	return e0 + d0, e1 + d1, e2 + d2, e3 + d3, e3 - d3, e2 - d2, e1 - d1, e0 - d0
}

// idct8x4 is idct8 when F(4) to F(7) are zero: the same sums without the
// terms that are zero, so the same results to the bit (adding or
// subtracting a zero product changes nothing), for fewer multiplications.
func idct8x4(f0, f1, f2, f3 float32) (o0, o1, o2, o3, o4, o5, o6, o7 float32) {
	p := k0 * f0
	q0 := k2 * f2
	q1 := k6 * f2
	e0, e3 := p+q0, p-q0
	e1, e2 := p+q1, p-q1
	d0 := k1*f1 + k3*f3
	d1 := k3*f1 - k7*f3
	d2 := k5*f1 - k1*f3
	d3 := k7*f1 - k5*f3
	return e0 + d0, e1 + d1, e2 + d2, e3 + d3, e3 - d3, e2 - d2, e1 - d1, e0 - d0
}

// idctFull writes the full-size inverse DCT of blk (coefficients only in
// its first rows rows and cols columns) to dst, level-shifted by 128, and
// clears blk. Down the columns first (in place), then across, so that
// each output row is written whole; a pass whose inputs are at most 4 non-zero values
// (most blocks of a scan end early) takes the shorter idct8x4.
func idctFull(blk *[64]float32, rows, cols int, dst []byte, stride int) {
	for u := range 8 {
		if u == cols {
			break
		}
		c := blk[u:]
		if rows <= 4 {
			c[0], c[8], c[16], c[24], c[32], c[40], c[48], c[56] = idct8x4(c[0], c[8], c[16], c[24])
		} else {
			c[0], c[8], c[16], c[24], c[32], c[40], c[48], c[56] = idct8(c[0], c[8], c[16], c[24], c[32], c[40], c[48], c[56])
		}
	}
	for y := range 8 {
		r := (*[8]float32)(blk[y*8:])
		out := (*[8]byte)(dst[y*stride:])
		if cols == 1 {
			// Only vertical frequencies: the row is one level.
			v := toByte(k0 * r[0])
			out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7] = v, v, v, v, v, v, v, v
			continue
		}
		var o0, o1, o2, o3, o4, o5, o6, o7 float32
		if cols <= 4 {
			o0, o1, o2, o3, o4, o5, o6, o7 = idct8x4(r[0], r[1], r[2], r[3])
		} else {
			o0, o1, o2, o3, o4, o5, o6, o7 = idct8(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7])
		}
		out[0], out[1], out[2], out[3] = toByte(o0), toByte(o1), toByte(o2), toByte(o3)
		out[4], out[5], out[6], out[7] = toByte(o4), toByte(o5), toByte(o6), toByte(o7)
	}
	clear(blk[:])
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

// The half-size transform: each output pixel the mean of 2 × 2 pixels of
// the full-size block (see idctBasis), straight-line. F(4) drops out (its
// basis function averages to zero over every pair of pixels), and pixels
// x and 3−x share the even terms and negate the odd ones.
var h [4][8]float32 // h[x][u] for x = 0, 1

func init() {
	b := idctBasis(4)
	for x := 0; x < 4; x++ {
		copy(h[x][:], b[x*8:x*8+8])
	}
}

// idct4 transforms the 8 values at in[0], in[s], … in[7s] into 4.
func idct4(in []float32, s int) (o0, o1, o2, o3 float32) {
	f0, f1, f2, f3 := in[0], in[s], in[2*s], in[3*s]
	f5, f6, f7 := in[5*s], in[6*s], in[7*s]
	e0 := h[0][0]*f0 + h[0][2]*f2 + h[0][6]*f6
	e1 := h[1][0]*f0 + h[1][2]*f2 + h[1][6]*f6
	d0 := h[0][1]*f1 + h[0][3]*f3 + h[0][5]*f5 + h[0][7]*f7
	d1 := h[1][1]*f1 + h[1][3]*f3 + h[1][5]*f5 + h[1][7]*f7
	return e0 + d0, e1 + d1, e1 - d1, e0 - d0
}

// idctHalf writes the half-size (4×4) box-averaged inverse DCT of blk
// (coefficients only in its first rows rows) to dst, level-shifted by 128,
// and clears blk.
func idctHalf(blk *[64]float32, rows int, dst []byte, stride int) {
	var tmp [32]float32 // tmp[v*4+x]
	for v := 0; v < rows; v++ {
		tmp[v*4], tmp[v*4+1], tmp[v*4+2], tmp[v*4+3] = idct4(blk[v*8:v*8+8], 1)
	}
	clear(blk[:rows*8])
	for x := 0; x < 4; x++ {
		a, b, c, d := idct4(tmp[x:], 4)
		dst[x] = toByte(a)
		dst[stride+x] = toByte(b)
		dst[2*stride+x] = toByte(c)
		dst[3*stride+x] = toByte(d)
	}
}
