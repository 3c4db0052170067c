// Package jpeggray decodes baseline JPEG files straight to the one grey
// plane the mark reader works on — the luminance of a grey JPEG, the
// darkest of red, green and blue of a colour one — optionally scaled down
// by n/8 in the DCT domain (n = 4 gives half the width and height).
//
// It exists for speed: decoding the file was most of the cost of reading a
// scanned card, and a 300 dpi scan carries 2.25 times the pixels of a
// 200 dpi one, more than the reader needs. Scaling in the DCT domain makes
// each reduced pixel, the mean of the 8/n × 8/n pixels it stands for,
// straight from the block's coefficients (a transform with n outputs
// instead of 8 each way); white paper (blocks with no AC coefficients)
// costs one fill. DecodeReduced keeps where every 8th MCU of each row
// starts, so that Reduced.Full can decode parts of the image at full size
// afterwards (the crops of a page read reduced) without decoding it all
// again.
//
// Only what scanners write is handled: baseline or extended sequential
// Huffman coding, 8-bit samples, one component (grey) or three (YCbCr),
// sampling factors whose ratios are 1, 2 or 4, restart intervals.
// Anything else (progressive, arithmetic coding, 12-bit, CMYK, RGB) is
// ErrUnsupported and any malformed data an error, so that the caller can
// fall back to image/jpeg, which decides what is really unreadable.
//
// Written from ITU-T T.81 (the JPEG specification): the marker syntax
// (Annex B), the Huffman decoding procedures (Annex F.2.2) and the table
// generation (Annex C).
package jpeggray

import (
	"errors"
	"fmt"
	"image"
	"math"
	"slices"
)

// ErrUnsupported is returned for a valid JPEG this package does not decode.
var ErrUnsupported = errors.New("jpeggray: unsupported JPEG")

// FormatError is malformed JPEG data.
type FormatError string

func (e FormatError) Error() string { return "jpeggray: invalid JPEG: " + string(e) }

// unsupported wraps ErrUnsupported with what was found.
func unsupported(what string) error { return fmt.Errorf("%w: %s", ErrUnsupported, what) }

// zigzag[k] is the natural (row-major) index of the k-th coefficient in
// zig-zag order (T.81 Figure A.6).
var zigzag = [64]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
}

// component is one colour component of the frame and its decoded plane.
type component struct {
	id     byte
	h, v   int // sampling factors
	tq     int // quantisation table
	pix    []byte
	stride int
	// x0, y0: where pix starts in the component's samples (at n/8),
	// non-zero when Full allocates only part of the plane.
	x0, y0 int
	clip   []image.Rectangle // Full's rectangles, in the component's samples
	done   bool              // decoded by a scan
}

type decoder struct {
	data []byte
	pos  int
	n    int // output pixels per 8 of the file's (1..8)

	maxPixels int64

	width, height int
	frame         bool
	comps         []component
	hmax, vmax    int
	mcusX, mcusY  int

	quant    [4][64]int32 // in zig-zag order
	quantSet [4]bool
	dc, ac   [4]huffman
	restart  int

	adobe          bool
	adobeTransform byte

	basis []float32 // n×8: basis[x*8+u]

	clip    []image.Rectangle // Full's: blocks outside are not transformed
	clipped bool

	colour bool // the chroma planes have colour (hasChroma): converted

	keep     bool       // DecodeReduced's: mark the scans for Full
	scans    int        // scans decoded
	lastScan []scanComp // the last scan's components
	marks    []mark     // where every markEvery-th MCU of it starts

	bits bitReader
}

// Decode decodes data at n/8 of its width and height (n from 1 to 8,
// rounded up to whole pixels), refusing an image of more than maxPixels
// pixels (at full size) before allocating it.
func Decode(data []byte, n int, maxPixels int64) (*image.Gray, error) {
	if n < 1 || n > 8 {
		return nil, fmt.Errorf("jpeggray: scale %d/8 out of range", n)
	}
	d := &decoder{data: data, n: n, maxPixels: maxPixels}
	d.basis = idctBasis(n)
	return d.decode()
}

// Reduced is a JPEG decoded at n/8 (Gray) that can decode parts of itself
// at full size again (Full), for crops of a page read reduced.
type Reduced struct {
	Gray *image.Gray
	d    *decoder
}

// DecodeReduced is Decode, keeping what Full needs: the tables and where
// each row of MCUs starts in the data.
func DecodeReduced(data []byte, n int, maxPixels int64) (*Reduced, error) {
	if n < 1 || n > 8 {
		return nil, fmt.Errorf("jpeggray: scale %d/8 out of range", n)
	}
	d := &decoder{data: data, n: n, maxPixels: maxPixels, keep: true}
	d.basis = idctBasis(n)
	g, err := d.decode()
	if err != nil {
		return nil, err
	}
	return &Reduced{Gray: g, d: d}, nil
}

// Full decodes the parts of the image under rects (in the image's
// pixels) at full size, for the crops of a page read reduced.
//
// The image returned covers only the union of the rectangles, clipped to
// the image: its Rect is that union (Min is not (0, 0) in general) and its
// Pix starts at Min, as with image.Gray.SubImage. Only its pixels inside
// one of the rectangles are decoded, exactly as Decode decodes them at
// full size; the others are unspecified. An empty union gives an empty
// image. Whether colour is converted (the darkest of R, G and B) is the
// reduced decode's decision, for the whole image.
//
// Only the MCUs that meet a rectangle are decoded again, from the mark
// before them (see mark), and of their blocks only those meeting a
// rectangle are transformed; only the union's MCUs have planes. (An image
// coded in several scans is decoded in full, transforming only those
// blocks.)
func (r *Reduced) Full(rects []image.Rectangle) (*image.Gray, error) {
	o := r.d
	var clip []image.Rectangle
	var u image.Rectangle
	for _, c := range rects {
		if c = c.Intersect(image.Rect(0, 0, o.width, o.height)); !c.Empty() {
			clip = append(clip, c)
			u = u.Union(c)
		}
	}
	if len(clip) == 0 {
		return &image.Gray{}, nil
	}
	d := &decoder{data: o.data, n: 8, maxPixels: o.maxPixels, clip: clip, clipped: true}
	if o.scans != 1 {
		if _, err := d.decode(); err != nil {
			return nil, err
		}
	} else if err := d.decodeMarked(o, u); err != nil {
		return nil, err
	}
	y := &d.comps[0]
	out := &image.Gray{Pix: y.pix[(u.Min.Y-y.y0)*y.stride+u.Min.X-y.x0:], Stride: y.stride, Rect: u}
	if o.colour {
		for _, a := range disjoint(clip) {
			darkest(y, &d.comps[1], &d.comps[2], d.hmax, d.vmax, a)
		}
	}
	return out, nil
}

// decodeMarked decodes again, at full size, the MCUs of o's only scan that
// meet d.clip (whose union is u), each row of them from the last of o's
// marks before the first of them.
func (d *decoder) decodeMarked(o *decoder, u image.Rectangle) error {
	// The frame and tables as the first decode left them.
	d.width, d.height, d.frame = o.width, o.height, true
	d.hmax, d.vmax, d.mcusX, d.mcusY = o.hmax, o.vmax, o.mcusX, o.mcusY
	d.quant, d.quantSet, d.dc, d.ac, d.restart = o.quant, o.quantSet, o.dc, o.ac, o.restart
	d.comps = make([]component, len(o.comps))
	for i, c := range o.comps {
		d.comps[i] = component{id: c.id, h: c.h, v: c.v, tq: c.tq, done: true}
	}
	sc := make([]scanComp, len(o.lastScan))
	for i, s := range o.lastScan {
		k := slices.IndexFunc(o.comps, func(c component) bool { return c.id == s.c.id })
		sc[i] = scanComp{c: &d.comps[k], dc: &d.dc[dcIndex(o, s.dc)], ac: &d.ac[acIndex(o, s.ac)], q: &d.quant[d.comps[k].tq]}
	}
	mx, _ := d.scanSize(sc)
	// An MCU's size in image pixels.
	mw, mh := 8*d.hmax, 8*d.vmax
	if len(sc) == 1 {
		mw, mh = 8*d.hmax/sc[0].c.h, 8*d.vmax/sc[0].c.v
	}
	d.allocate(u.Min.X/mw, u.Min.Y/mh, ceilDiv(u.Max.X, mw), ceilDiv(u.Max.Y, mh))
	perRow := ceilDiv(mx, markEvery)
	var blk [64]float32
	var spans [][2]int
	for y := u.Min.Y / mh; y*mh < u.Max.Y; y++ {
		// The runs of MCUs of this row that meet a rectangle.
		spans = spans[:0]
		for _, c := range d.clip {
			if c.Min.Y < (y+1)*mh && c.Max.Y > y*mh {
				spans = append(spans, [2]int{c.Min.X / mw, ceilDiv(c.Max.X, mw)})
			}
		}
		slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
		at := -1 // the MCU the decoder is at, if in this row
		var left int
		for _, s := range spans {
			if s[1] <= at {
				continue
			}
			// From the mark before the span, unless the decoder is
			// already past it.
			if from := s[0] / markEvery * markEvery; at < from {
				m := &o.marks[y*perRow+s[0]/markEvery]
				d.bits = bitReader{data: d.data, pos: m.pos, acc: m.acc, n: uint(m.n), pad: int(m.pad)}
				for i := range sc {
					sc[i].pred = m.preds[i]
				}
				at, left = from, d.left(y*mx+from)
			}
			if err := d.row(sc, &blk, y, at, s[1], &left); err != nil {
				return err
			}
			at = s[1]
		}
	}
	return nil
}

// left is how many MCUs of the restart interval are left before MCU i of
// the scan (in raster order) is decoded: 0 where a restart marker is due.
func (d *decoder) left(i int) int {
	if d.restart == 0 || i == 0 {
		return d.restart
	}
	if r := i % d.restart; r != 0 {
		return d.restart - r
	}
	return 0
}

// disjoint splits the union of rs into rectangles that do not overlap: the
// runs across each band between the rectangles' top and bottom edges.
func disjoint(rs []image.Rectangle) []image.Rectangle {
	var ys []int
	for _, r := range rs {
		ys = append(ys, r.Min.Y, r.Max.Y)
	}
	slices.Sort(ys)
	ys = slices.Compact(ys)
	var out []image.Rectangle
	var runs [][2]int
	for i := 0; i+1 < len(ys); i++ {
		y0, y1 := ys[i], ys[i+1]
		runs = runs[:0]
		for _, r := range rs {
			if r.Min.Y <= y0 && r.Max.Y >= y1 {
				runs = append(runs, [2]int{r.Min.X, r.Max.X})
			}
		}
		slices.SortFunc(runs, func(a, b [2]int) int { return a[0] - b[0] })
		for j := 0; j < len(runs); {
			x0, x1 := runs[j][0], runs[j][1]
			for j++; j < len(runs) && runs[j][0] <= x1; j++ {
				x1 = max(x1, runs[j][1])
			}
			out = append(out, image.Rect(x0, y0, x1, y1))
		}
	}
	return out
}

// dcIndex and acIndex find which of o's tables t is.
func dcIndex(o *decoder, t *huffman) int {
	for i := range o.dc {
		if &o.dc[i] == t {
			return i
		}
	}
	return 0
}

func acIndex(o *decoder, t *huffman) int {
	for i := range o.ac {
		if &o.ac[i] == t {
			return i
		}
	}
	return 0
}

// Size is the size Decode returns for an image of w×h at n/8.
func Size(w, h, n int) (int, int) { return (w*n + 7) / 8, (h*n + 7) / 8 }

func (d *decoder) decode() (*image.Gray, error) {
	if len(d.data) < 2 || d.data[0] != 0xFF || d.data[1] != 0xD8 {
		return nil, FormatError("no SOI marker")
	}
	d.pos = 2
	for {
		m, err := d.nextMarker()
		if err != nil {
			return nil, err
		}
		switch {
		case m == 0xD9: // EOI
			return d.finish()
		case m == 0xC0 || m == 0xC1: // baseline, extended sequential Huffman
			err = d.sof()
		case m == 0xC4:
			err = d.dht()
		case m == 0xDB:
			err = d.dqt()
		case m == 0xDD:
			err = d.dri()
		case m == 0xDA:
			err = d.sos()
		case m == 0xEE:
			err = d.app14()
		case m >= 0xC2 && m <= 0xCF: // progressive, lossless, arithmetic, DAC, JPG
			return nil, unsupported(fmt.Sprintf("SOF marker %#x", m))
		case m == 0xDC: // DNL
			return nil, unsupported("DNL marker")
		case m >= 0xD0 && m <= 0xD7, m == 0x01:
			// RSTn outside a scan, TEM: no length; nothing to do.
		case m == 0xD8:
			return nil, FormatError("second SOI marker")
		default: // APPn, COM and other segments with a length
			_, err = d.segment()
		}
		if err != nil {
			return nil, err
		}
	}
}

// nextMarker skips to the next marker (fill bytes 0xFF allowed) and
// returns its code.
func (d *decoder) nextMarker() (byte, error) {
	for d.pos < len(d.data) {
		if d.data[d.pos] != 0xFF {
			// Stray bytes between segments: tolerated only after a scan,
			// handled there; elsewhere the file is malformed.
			return 0, FormatError("expected a marker")
		}
		for d.pos < len(d.data) && d.data[d.pos] == 0xFF {
			d.pos++
		}
		if d.pos >= len(d.data) {
			break
		}
		m := d.data[d.pos]
		d.pos++
		if m == 0x00 {
			return 0, FormatError("stuffed byte outside a scan")
		}
		return m, nil
	}
	return 0, FormatError("no EOI marker")
}

// segment returns the payload of a marker segment with a length field, and
// moves past it.
func (d *decoder) segment() ([]byte, error) {
	if d.pos+2 > len(d.data) {
		return nil, FormatError("short segment")
	}
	l := int(d.data[d.pos])<<8 | int(d.data[d.pos+1])
	if l < 2 || d.pos+l > len(d.data) {
		return nil, FormatError("segment length")
	}
	p := d.data[d.pos+2 : d.pos+l]
	d.pos += l
	return p, nil
}

func (d *decoder) sof() error {
	p, err := d.segment()
	if err != nil {
		return err
	}
	if d.frame {
		return FormatError("second SOF marker")
	}
	if len(p) < 6 {
		return FormatError("short SOF")
	}
	if p[0] != 8 {
		return unsupported(fmt.Sprintf("%d-bit samples", p[0]))
	}
	d.height = int(p[1])<<8 | int(p[2])
	d.width = int(p[3])<<8 | int(p[4])
	nf := int(p[5])
	if d.height == 0 {
		return unsupported("height defined by DNL")
	}
	if d.width == 0 {
		return FormatError("zero width")
	}
	if int64(d.width)*int64(d.height) > d.maxPixels {
		return FormatError(fmt.Sprintf("%d×%d pixels, more than %d", d.width, d.height, d.maxPixels))
	}
	if nf != 1 && nf != 3 {
		return unsupported(fmt.Sprintf("%d components", nf))
	}
	if len(p) != 6+3*nf {
		return FormatError("SOF length")
	}
	d.comps = make([]component, nf)
	for i := range d.comps {
		c := &d.comps[i]
		c.id = p[6+3*i]
		c.h, c.v = int(p[7+3*i]>>4), int(p[7+3*i]&15)
		c.tq = int(p[8+3*i])
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3 {
			return FormatError("component parameters")
		}
		for j := 0; j < i; j++ {
			if d.comps[j].id == c.id {
				return FormatError("repeated component id")
			}
		}
		d.hmax, d.vmax = max(d.hmax, c.h), max(d.vmax, c.v)
	}
	if nf == 1 {
		// A single component is one block per MCU whatever its factors.
		d.comps[0].h, d.comps[0].v = 1, 1
		d.hmax, d.vmax = 1, 1
	}
	if nf == 3 && (d.comps[0].h != d.hmax || d.comps[0].v != d.vmax ||
		d.comps[1].h != d.comps[2].h || d.comps[1].v != d.comps[2].v) {
		// Luminance sampled most, both chroma planes alike: what encoders
		// write (4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1, 4:1:0).
		return unsupported("sampling factors")
	}
	for i := range d.comps {
		c := &d.comps[i]
		if r := d.hmax / c.h; d.hmax%c.h != 0 || (r != 1 && r != 2 && r != 4) {
			return unsupported("horizontal sampling factors")
		}
		if r := d.vmax / c.v; d.vmax%c.v != 0 || (r != 1 && r != 2 && r != 4) {
			return unsupported("vertical sampling factors")
		}
	}
	d.mcusX = (d.width + 8*d.hmax - 1) / (8 * d.hmax)
	d.mcusY = (d.height + 8*d.vmax - 1) / (8 * d.vmax)
	d.allocate(0, 0, d.mcusX, d.mcusY)
	d.frame = true
	return nil
}

// allocate makes the components' planes for MCUs x0 to x1 across and y0
// to y1 down, and for Full its rectangles in each component's samples
// (the pixels of a subsampled component's block cover more than 8 of the
// image's): the smallest that meet the same blocks.
func (d *decoder) allocate(x0, y0, x1, y1 int) {
	for i := range d.comps {
		c := &d.comps[i]
		c.x0, c.y0 = x0*c.h*d.n, y0*c.v*d.n
		c.stride = (x1 - x0) * c.h * d.n
		c.pix = make([]byte, c.stride*(y1-y0)*c.v*d.n)
		if d.clipped {
			rh, rv := d.hmax/c.h, d.vmax/c.v
			c.clip = make([]image.Rectangle, len(d.clip))
			for j, r := range d.clip {
				c.clip[j] = image.Rect(r.Min.X/rh, r.Min.Y/rv, ceilDiv(r.Max.X, rh), ceilDiv(r.Max.Y, rv))
			}
		}
	}
}

func (d *decoder) dqt() error {
	p, err := d.segment()
	if err != nil {
		return err
	}
	for len(p) > 0 {
		pq, tq := p[0]>>4, int(p[0]&15)
		if tq > 3 || pq > 1 {
			return FormatError("DQT table")
		}
		size := 64 * (1 + int(pq))
		if len(p) < 1+size {
			return FormatError("short DQT")
		}
		for k := 0; k < 64; k++ {
			if pq == 0 {
				d.quant[tq][k] = int32(p[1+k])
			} else {
				d.quant[tq][k] = int32(p[1+2*k])<<8 | int32(p[2+2*k])
			}
		}
		d.quantSet[tq] = true
		p = p[1+size:]
	}
	return nil
}

func (d *decoder) dri() error {
	p, err := d.segment()
	if err != nil {
		return err
	}
	if len(p) != 2 {
		return FormatError("DRI length")
	}
	d.restart = int(p[0])<<8 | int(p[1])
	return nil
}

func (d *decoder) app14() error {
	p, err := d.segment()
	if err != nil {
		return err
	}
	if len(p) >= 12 && string(p[:5]) == "Adobe" {
		d.adobe, d.adobeTransform = true, p[11]
	}
	return nil
}

// finish assembles the output image once every component is decoded.
func (d *decoder) finish() (*image.Gray, error) {
	if !d.frame {
		return nil, FormatError("no SOF marker")
	}
	for i := range d.comps {
		if !d.comps[i].done {
			return nil, FormatError("a component has no scan")
		}
	}
	w, h := Size(d.width, d.height, d.n)
	y := &d.comps[0]
	out := &image.Gray{Pix: y.pix, Stride: y.stride, Rect: image.Rect(0, 0, w, h)}
	if len(d.comps) == 1 {
		return out, nil
	}
	if d.adobe && d.adobeTransform == 0 {
		return nil, unsupported("RGB colour (Adobe transform 0)")
	}
	if !d.adobe && d.comps[0].id == 'R' && d.comps[1].id == 'G' && d.comps[2].id == 'B' {
		return nil, unsupported("RGB colour (component ids R, G, B)")
	}
	if d.clipped {
		return out, nil // Full converts the rectangles
	}
	cb, cr := &d.comps[1], &d.comps[2]
	if d.colour = hasChroma(cb, cr); d.colour {
		darkest(y, cb, cr, d.hmax, d.vmax, out.Rect)
	}
	return out, nil
}

// hasChroma reports whether the chroma planes have colour worth
// converting: any of a sparse set of samples more than 4 from neutral. A
// colour scan of grey paper is read from luminance alone.
func hasChroma(cb, cr *component) bool {
	n := min(len(cb.pix), len(cr.pix))
	step := max(1, n/4096)
	for i := 0; i < n; i += step {
		if v := int(cb.pix[i]) - 128; v > 4 || v < -4 {
			return true
		}
		if v := int(cr.pix[i]) - 128; v > 4 || v < -4 {
			return true
		}
	}
	return false
}

// darkest replaces the pixels of r in the luminance plane y with the
// darkest of R, G and B at each pixel: a blue or red pen mark is as dark
// as in its darkest channel, where luminance would count it lighter.
// Chroma is taken from the sample covering the pixel (no interpolation),
// as image/jpeg's colour model does. The JFIF conversion (R = Y + 1.402
// Cr, G = Y − 0.344136 Cb − 0.714136 Cr, B = Y + 1.772 Cb) in 1/65536.
func darkest(y, cb, cr *component, hmax, vmax int, r image.Rectangle) {
	hs := shift(hmax / cb.h)
	vs := shift(vmax / cb.v)
	hr := shift(hmax / cr.h)
	vr := shift(vmax / cr.v)
	ds := make([]int32, r.Dx())
	for py := r.Min.Y; py < r.Max.Y; py++ {
		rb := cb.pix[((py>>vs)-cb.y0)*cb.stride:]
		rr := cr.pix[((py>>vr)-cr.y0)*cr.stride:]
		if py == r.Min.Y || (py>>vs) != ((py-1)>>vs) || (py>>vr) != ((py-1)>>vr) {
			for i := range ds {
				x := r.Min.X + i
				b, c := int32(rb[x>>hs-cb.x0])-128, int32(rr[x>>hr-cr.x0])-128
				ds[i] = min(91881*c, -22554*b-46802*c, 116130*b)
			}
		}
		row := y.pix[(py-y.y0)*y.stride+r.Min.X-y.x0:][:len(ds)]
		for i, yv := range row {
			v := (int32(yv)<<16 + ds[i] + 1<<15) >> 16
			row[i] = byte(max(0, min(255, v)))
		}
	}
}

func shift(r int) uint {
	switch r {
	case 2:
		return 1
	case 4:
		return 2
	}
	return 0
}

// idctBasis gives, for each of the n output pixels x across a block and
// each of the 8 frequencies u, the mean of the 8-point inverse DCT's basis
// function ½ C(u) cos((2p+1)uπ/16) (C(0) = 1/√2, else 1) over the pixels p
// that output pixel covers (8/n of them, in part at the ends when n does
// not divide 8). Applied across and down a block, it gives the box average
// of the full-size block straight from its coefficients: the same
// reduction as averaging the decoded pixels, without making them.
func idctBasis(n int) []float32 {
	b := make([]float32, n*8)
	step := 8 / float64(n)
	for x := 0; x < n; x++ {
		lo, hi := float64(x)*step, float64(x+1)*step
		for u := 0; u < 8; u++ {
			c := 1.0
			if u == 0 {
				c = 1 / math.Sqrt2
			}
			var sum float64
			for p := 0; p < 8; p++ {
				w := math.Min(hi, float64(p+1)) - math.Max(lo, float64(p))
				if w > 0 {
					sum += w * 0.5 * c * math.Cos(float64(2*p+1)*float64(u)*math.Pi/16)
				}
			}
			b[x*8+u] = float32(sum / step)
		}
	}
	return b
}
