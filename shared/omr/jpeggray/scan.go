package jpeggray

import (
	"encoding/binary"
	"image"
	"slices"
)

// huffman is one Huffman table (T.81 Annex C) with a lookup of the codes of
// up to lookBits bits, which are nearly all the codes met in a scan.
type huffman struct {
	set bool
	// look[c] for the next lookBits bits c: code length << 8 | value, or 0
	// when the code is longer.
	look [1 << lookBits]uint16
	// For longer codes (Annex F.2.2.3): the largest code of each length
	// (−1 if none), and where that length's values start.
	maxcode [17]int32
	valptr  [17]int32
	mincode [17]int32
	vals    [256]byte
	// fast[c], for an AC table: a non-zero coefficient whose code and
	// value bits both lie in the next lookBits bits c, as value << 16 |
	// run << 8 | bits used; 0 otherwise. Most coefficients are small.
	fast [1 << lookBits]int32
}

const lookBits = 9

func (d *decoder) dht() error {
	p, err := d.segment()
	if err != nil {
		return err
	}
	for len(p) > 0 {
		if len(p) < 17 {
			return FormatError("short DHT")
		}
		tc, th := p[0]>>4, int(p[0]&15)
		if tc > 1 || th > 3 {
			return FormatError("DHT table")
		}
		var counts [17]int
		total := 0
		for l := 1; l <= 16; l++ {
			counts[l] = int(p[l])
			total += counts[l]
		}
		if total == 0 || total > 256 || len(p) < 17+total {
			return FormatError("DHT length")
		}
		t := &d.dc[th]
		if tc == 1 {
			t = &d.ac[th]
		}
		if err := t.build(counts, p[17:17+total]); err != nil {
			return err
		}
		p = p[17+total:]
	}
	return nil
}

// build generates the codes from the count of codes of each length (Annex
// C: codes of one length are consecutive, and the next length starts at
// twice the code after the last).
func (t *huffman) build(counts [17]int, vals []byte) error {
	*t = huffman{set: true}
	copy(t.vals[:], vals)
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		t.valptr[l] = k
		t.mincode[l] = code
		code += int32(counts[l])
		k += int32(counts[l])
		if code > 1<<l {
			return FormatError("Huffman code lengths")
		}
		if counts[l] == 0 {
			t.maxcode[l] = -1
		} else {
			t.maxcode[l] = code - 1
			if l <= lookBits {
				for c := t.mincode[l]; c < code; c++ {
					v := uint16(l)<<8 | uint16(vals[t.valptr[l]+c-t.mincode[l]])
					lo := int(c) << (lookBits - l)
					for j := 0; j < 1<<(lookBits-l); j++ {
						t.look[lo+j] = v
					}
				}
			}
		}
		code <<= 1
	}
	for c, e := range t.look {
		l, rs := int(e>>8), e&0xFF
		r, s := int(rs>>4), int(rs&15)
		if e == 0 || s == 0 || l+s > lookBits {
			continue
		}
		v := int32(c>>(lookBits-l-s)) & (1<<s - 1)
		if v < 1<<(s-1) {
			v += -1<<s + 1
		}
		t.fast[c] = v<<16 | int32(r)<<8 | int32(l+s)
	}
	return nil
}

// bitReader reads the entropy-coded data of a scan: bytes 0xFF 0x00 stand
// for 0xFF, and any other 0xFF xx is a marker, where reading stops. Past a
// marker it supplies zero bytes (counted in pad), so that decoding a block
// never needs a check per bit; a scan that uses them is corrupt.
type bitReader struct {
	data []byte
	pos  int
	acc  uint64 // the next n bits are its low n bits
	n    uint
	pad  int
}

func (b *bitReader) fill() {
	for b.n <= 56 {
		var c byte
		if b.pos < len(b.data) && b.pad == 0 {
			c = b.data[b.pos]
			if c == 0xFF {
				if b.pos+1 < len(b.data) && b.data[b.pos+1] == 0x00 {
					b.pos += 2
				} else {
					b.pad++
					c = 0
				}
			} else {
				b.pos++
			}
		} else {
			b.pad++
		}
		b.acc = b.acc<<8 | uint64(c)
		b.n += 8
	}
}

// overrun reports whether decoding used bits past the end of the data.
func (b *bitReader) overrun() bool { return uint(b.pad)*8 > b.n }

// decode reads one Huffman-coded value with t.
func (b *bitReader) decode(t *huffman) (byte, bool) {
	if b.n < 16 {
		b.fill()
	}
	if e := t.look[(b.acc>>(b.n-lookBits))&(1<<lookBits-1)]; e != 0 {
		b.n -= uint(e >> 8)
		return byte(e), true
	}
	for l := uint(lookBits + 1); l <= 16; l++ {
		c := int32((b.acc >> (b.n - l)) & (1<<l - 1))
		if c <= t.maxcode[l] {
			b.n -= l
			return t.vals[t.valptr[l]+c-t.mincode[l]], true
		}
	}
	return 0, false
}

// receive reads s bits (s ≤ 16) as a signed value (T.81 F.2.2.1, EXTEND).
func (b *bitReader) receive(s uint) int32 {
	if s == 0 {
		return 0
	}
	if b.n < s {
		b.fill()
	}
	v := int32((b.acc >> (b.n - s)) & (1<<s - 1))
	b.n -= s
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

// scanComp is a component of the scan being decoded.
type scanComp struct {
	c      *component
	dc, ac *huffman
	q      *[64]int32
	pred   int32
}

func (d *decoder) sos() error {
	p, err := d.segment()
	if err != nil {
		return err
	}
	if !d.frame {
		return FormatError("SOS before SOF")
	}
	if len(p) < 1 {
		return FormatError("short SOS")
	}
	ns := int(p[0])
	if ns < 1 || ns > len(d.comps) || len(p) != 4+2*ns {
		return FormatError("SOS length")
	}
	if p[1+2*ns] != 0 || p[2+2*ns] != 63 || p[3+2*ns] != 0 {
		return unsupported("spectral selection or approximation in a sequential scan")
	}
	sc := make([]scanComp, ns)
	for i := range sc {
		id := p[1+2*i]
		var c *component
		for j := range d.comps {
			if d.comps[j].id == id {
				c = &d.comps[j]
			}
		}
		if c == nil {
			return FormatError("SOS component")
		}
		for j := 0; j < i; j++ {
			if sc[j].c == c {
				return FormatError("repeated SOS component")
			}
		}
		if c.done {
			return FormatError("component scanned twice")
		}
		td, ta := int(p[2+2*i]>>4), int(p[2+2*i]&15)
		if td > 3 || ta > 3 || !d.dc[td].set || !d.ac[ta].set || !d.quantSet[c.tq] {
			return FormatError("missing table")
		}
		sc[i] = scanComp{c: c, dc: &d.dc[td], ac: &d.ac[ta], q: &d.quant[c.tq]}
	}
	d.bits = bitReader{data: d.data, pos: d.pos}
	if err := d.scan(sc); err != nil {
		return err
	}
	for i := range sc {
		sc[i].c.done = true
	}
	// Skip to the next marker: the bit reader may have stopped at one
	// already, or (buffer full) just before the scan's last bytes.
	d.pos = d.bits.pos
	for d.pos+1 < len(d.data) && !(d.data[d.pos] == 0xFF && d.data[d.pos+1] != 0 && (d.data[d.pos+1] < 0xD0 || d.data[d.pos+1] > 0xD7)) {
		d.pos++
	}
	return nil
}

// scanSize is the scan's size in MCUs. A scan of one component codes its
// blocks in raster order, only those covering the image; one of several
// codes whole MCUs.
func (d *decoder) scanSize(sc []scanComp) (mx, my int) {
	if len(sc) == 1 {
		c := sc[0].c
		return (ceilDiv(d.width*c.h, d.hmax) + 7) / 8, (ceilDiv(d.height*c.v, d.vmax) + 7) / 8
	}
	return d.mcusX, d.mcusY
}

// mark is where an MCU starts in the entropy-coded data: the decoder's
// state then, from which Reduced.Full decodes from that MCU on again.
type mark struct {
	acc    uint64
	pos    int
	preds  [3]int32 // DC predictions
	n, pad uint8    // bitReader.n, and pad (at most 8 in a scan decoded)
}

// markEvery is how far apart the marks are, in MCUs of a row: Full
// decodes at most markEvery − 1 MCUs before the first it needs, and marks
// cost the first decode a little (a 2,480-pixel grey row has 310 MCUs).
const markEvery = 8

// scan decodes the entropy-coded data of one scan into the planes, marking
// (if d.keep) every markEvery-th MCU of each row, from the first.
func (d *decoder) scan(sc []scanComp) error {
	mx, my := d.scanSize(sc)
	d.marks = d.marks[:0]
	if d.keep {
		d.marks = slices.Grow(d.marks, my*ceilDiv(mx, markEvery))
	}
	d.lastScan = sc
	d.scans++
	var blk [64]float32
	left := d.restart
	for my0 := 0; my0 < my; my0++ {
		if err := d.row(sc, &blk, my0, 0, mx, &left); err != nil {
			return err
		}
	}
	if d.bits.overrun() {
		return FormatError("entropy-coded data ends early")
	}
	return nil
}

// row decodes MCUs from to to of row my0 of the scan.
func (d *decoder) row(sc []scanComp, blk *[64]float32, my0, from, to int, left *int) error {
	for mx0 := from; mx0 < to; mx0++ {
		if d.keep && mx0%markEvery == 0 {
			b := &d.bits
			m := mark{acc: b.acc, pos: b.pos, n: uint8(b.n), pad: uint8(b.pad)}
			for i := range sc {
				m.preds[i] = sc[i].pred
			}
			d.marks = append(d.marks, m)
		}
		if d.restart > 0 {
			if *left == 0 {
				if err := d.nextRestart(sc); err != nil {
					return err
				}
				*left = d.restart
			}
			*left--
		}
		for i := range sc {
			s := &sc[i]
			bh, bv := s.c.h, s.c.v
			if len(sc) == 1 {
				bh, bv = 1, 1
			}
			for by := 0; by < bv; by++ {
				for bx := 0; bx < bh; bx++ {
					if err := d.block(s, blk, (mx0*bh+bx)*d.n, (my0*bv+by)*d.n); err != nil {
						return err
					}
				}
			}
		}
	}
	if d.bits.pad > 8 {
		return FormatError("entropy-coded data ends early")
	}
	return nil
}

// nextRestart expects an RSTn marker where the interval ends, and starts
// the next interval afresh (T.81 F.2.1.3.1).
func (d *decoder) nextRestart(sc []scanComp) error {
	b := &d.bits
	// The bits left over must be the padding of the interval's last byte,
	// and the marker next (reading stops at a marker, so pos is on it or
	// just before it).
	real := int(b.n) - 8*b.pad
	if real < 0 {
		return FormatError("entropy-coded data ends early")
	}
	if real >= 8 {
		return FormatError("restart marker expected")
	}
	p := b.pos
	for p < len(b.data) && b.data[p] == 0xFF && p+1 < len(b.data) && b.data[p+1] == 0xFF {
		p++
	}
	if p+1 >= len(b.data) || b.data[p] != 0xFF || b.data[p+1] < 0xD0 || b.data[p+1] > 0xD7 {
		return FormatError("restart marker expected")
	}
	*b = bitReader{data: b.data, pos: p + 2}
	for i := range sc {
		sc[i].pred = 0
	}
	return nil
}

// maxCoef bounds a dequantised coefficient of 8-bit samples: a block's
// transform is at most 2048 in magnitude, and quantisation rounds it by
// at most one step (itself no more than twice that, or the coefficient
// rounds to zero). Beyond, the data is corrupt: refused, for image/jpeg
// to judge, rather than decoded to pixels that overflow differently.
const maxCoef = 8192

// block decodes one 8×8 block (Annex F.2.2) and writes its n×n pixels at
// (x, y) of the component's plane.
func (d *decoder) block(s *scanComp, blk *[64]float32, x, y int) error {
	b := &d.bits
	t, ok := b.decode(s.dc)
	if !ok || t > 11 {
		return FormatError("DC code")
	}
	s.pred += b.receive(uint(t))
	q := s.q
	if dc := s.pred * q[0]; dc > maxCoef || dc < -maxCoef {
		return FormatError("DC out of range")
	}
	ac := false
	last := 0 // zig-zag position of the last coefficient
	fast := &s.ac.fast
	for k := 1; k < 64; k++ {
		if b.n < 16 {
			b.fill()
		}
		if e := fast[(b.acc>>(b.n-lookBits))&(1<<lookBits-1)]; e != 0 {
			// Code and value within the next lookBits bits.
			b.n -= uint(e & 0xFF)
			k += int(e >> 8 & 0xFF)
			if k > 63 {
				return FormatError("AC run past the block")
			}
			v := (e >> 16) * q[k]
			if v > maxCoef || v < -maxCoef {
				return FormatError("coefficient out of range")
			}
			blk[zigzag[k]] = float32(v)
			ac = true
			last = k
			continue
		}
		rs, ok := b.decode(s.ac)
		if !ok {
			return FormatError("AC code")
		}
		r, sz := int(rs>>4), uint(rs&15)
		if sz == 0 {
			if r != 15 {
				break // end of block
			}
			k += 15
			continue
		}
		k += r
		if k > 63 {
			return FormatError("AC run past the block")
		}
		if sz > 10 {
			return FormatError("AC magnitude category")
		}
		v := b.receive(sz) * q[k]
		if v > maxCoef || v < -maxCoef {
			return FormatError("coefficient out of range")
		}
		blk[zigzag[k]] = float32(v)
		ac = true
		last = k
	}
	n := d.n
	c := s.c
	if d.clipped && !overlapsAny(image.Rect(x, y, x+8, y+8), c.clip) {
		clear(blk[:])
		return nil
	}
	dst := c.pix[(y-c.y0)*c.stride+x-c.x0:]
	dc := float32(s.pred * q[0])
	if !ac {
		// The whole block is one level: paper, or flat ink. A row at
		// a time at the common sizes.
		v := clampByte(dc/8 + 128)
		switch n {
		case 8:
			w := uint64(v) * 0x0101010101010101
			for j := 0; j < 8; j++ {
				binary.LittleEndian.PutUint64(dst[j*c.stride:], w)
			}
		case 4:
			w := uint32(v) * 0x01010101
			for j := 0; j < 4; j++ {
				binary.LittleEndian.PutUint32(dst[j*c.stride:], w)
			}
		default:
			for j := 0; j < n; j++ {
				row := dst[j*c.stride:][:n]
				for i := range row {
					row[i] = v
				}
			}
		}
		return nil
	}
	blk[0] = dc
	switch n {
	case 8:
		idctFull(blk, int(zzRows[last]), int(zzCols[last]), dst, c.stride)
		return nil
	case 4:
		idctHalf(blk, int(zzRows[last]), dst, c.stride)
		return nil
	}
	idct(blk, d.basis, n, int(zzRows[last]), int(zzCols[last]), dst, c.stride)
	return nil
}

// zzRows[k] and zzCols[k] bound the coefficients up to zig-zag position
// k: all lie in rows below zzRows[k] and columns below zzCols[k].
var zzRows, zzCols [64]uint8

func init() {
	var r, c uint8
	for k, z := range zigzag {
		r, c = max(r, z/8+1), max(c, z%8+1)
		zzRows[k], zzCols[k] = r, c
	}
}

// idct writes the n×n box-averaged inverse DCT of blk to dst (rows stride
// apart), level-shifted by 128, and clears blk. Only the coefficients in
// the first rows rows and cols columns can be non-zero (the rest are
// skipped: in a scan, most blocks end early). Output pixels x and n−1−x
// are mirror images, where the even frequencies have the same basis value
// and the odd ones opposite: each pair costs one sum of each.
func idct(blk *[64]float32, basis []float32, n, rows, cols int, dst []byte, stride int) {
	var tmp [64]float32 // tmp[v*8+x]: row v of coefficients transformed across
	half := n / 2
	for v := 0; v < rows; v++ {
		in := blk[v*8 : v*8+8]
		out := tmp[v*8 : v*8+8]
		for x := 0; x < half; x++ {
			b := basis[x*8 : x*8+8]
			var e, o float32
			for u := 0; u < cols; u += 2 {
				e += b[u] * in[u]
			}
			for u := 1; u < cols; u += 2 {
				o += b[u] * in[u]
			}
			out[x], out[n-1-x] = e+o, e-o
		}
		if n%2 == 1 {
			b := basis[half*8 : half*8+8]
			var e float32
			for u := 0; u < cols; u += 2 {
				e += b[u] * in[u]
			}
			out[half] = e
		}
		clear(in)
	}
	for x := 0; x < n; x++ {
		for y := 0; y < half; y++ {
			b := basis[y*8 : y*8+8]
			var e, o float32
			for v := 0; v < rows; v += 2 {
				e += b[v] * tmp[v*8+x]
			}
			for v := 1; v < rows; v += 2 {
				o += b[v] * tmp[v*8+x]
			}
			dst[y*stride+x] = clampByte(128 + e + o)
			dst[(n-1-y)*stride+x] = clampByte(128 + e - o)
		}
		if n%2 == 1 {
			b := basis[half*8 : half*8+8]
			var e float32
			for v := 0; v < rows; v += 2 {
				e += b[v] * tmp[v*8+x]
			}
			dst[half*stride+x] = clampByte(128 + e)
		}
	}
}

func clampByte(f float32) byte {
	f += 0.5
	if f <= 0 {
		return 0
	}
	if f >= 255 {
		return 255
	}
	return byte(f)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func overlapsAny(r image.Rectangle, rs []image.Rectangle) bool {
	for _, c := range rs {
		if r.Overlaps(c) {
			return true
		}
	}
	return false
}
