// Package pnggray decodes a PNG file straight to the one 8-bit grey plane
// the mark reader works on: the grey of a grey scan, the darkest of red,
// green and blue of a colour one, transparent as white paper.
//
// It exists for speed. image/png decodes to the PNG's own colour model
// (an RGBA image for an RGB scan) that the reader then converts to grey,
// and most of its time is inflating the image data. This package inflates
// with github.com/klauspost/compress's zlib reader, faster than
// compress/zlib, streams the inflated rows through two row buffers (an
// 8-bit grey image's are inflated straight into the output), undoes each
// row's filter with loops specialised for the common cases (Paeth, the
// costliest, for 1, 3 and 4 bytes per pixel), and writes the grey straight
// into the output: no full-size image other than the grey one is ever
// allocated.
//
// Every non-interlaced PNG of grey (1 to 16 bits; up to 8 with or without
// a transparent grey), palette (1 to 8 bits, with or without transparency),
// RGB (8 or 16 bits), grey with alpha (8 bits) or RGB with alpha (8 bits)
// is decoded, to exactly the grey the reader makes of what image/png
// decodes. Anything else (Adam7 interlacing, 16-bit alpha, a transparent
// colour in RGB or 16-bit grey, an image of more than the caller's pixel
// limit) is ErrUnsupported, and malformed data of any kind another error,
// so that the caller can fall back to image/png, which decides what is
// really unreadable. Checksums are checked (every chunk's CRC, the image
// data's Adler-32); where image/png is lenient, with data after the zlib
// stream in its last IDAT chunk, this is not and leaves it to image/png.
//
// Written from the PNG specification (W3C, second edition): chunk layout
// (section 5), IHDR, PLTE and tRNS (11.2.2, 11.2.3, 11.3.2.1), filtering
// (9) and sample depth scaling (13.12).
package pnggray

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"io"
	"sync"

	"github.com/klauspost/compress/zlib"
)

// ErrUnsupported is returned, wrapped with what was found, for a PNG this
// package does not decode, and for one of more than the caller's maxPixels.
var ErrUnsupported = errors.New("pnggray: unsupported PNG")

// unsupported wraps ErrUnsupported with what was found.
func unsupported(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, fmt.Sprintf(format, a...))
}

// malformed is the error for data that is not a valid PNG (format may wrap
// an error with %w).
func malformed(format string, a ...any) error {
	return fmt.Errorf("pnggray: invalid PNG: "+format, a...)
}

// PNG colour types (IHDR's fifth byte).
const (
	ctGray      = 0
	ctRGB       = 2
	ctPalette   = 3
	ctGrayAlpha = 4
	ctRGBA      = 6
)

// Stages of the chunk sequence, which must be IHDR, PLTE, tRNS, IDAT, IEND
// in that order (PLTE and tRNS optional, other chunks anywhere).
const (
	stStart = iota
	stIHDR
	stPLTE
	stTRNS
	stIDAT
	stIEND
)

// header is what a PNG's chunks say about its image.
type header struct {
	width, height int
	depth         int  // bits per sample: 1, 2, 4, 8 or 16
	colorType     byte // ctGray, ctRGB, ...
	interlaced    bool
	plte          []byte // PLTE payload (RGB triples), nil without one
	trns          []byte // tRNS payload, nil without one
	idat          []byte // the file from the first IDAT chunk's payload on
	idatLen       int    // the length of that first IDAT chunk
}

// Decode decodes a PNG file to the grey the mark reader reads, refusing an
// image of more than maxPixels pixels (a wrapped ErrUnsupported) before
// allocating it. The image has Rect (0, 0, width, height) and Stride
// width. Its grey is that of a grey PNG (scaled to 8 bits, the high byte
// of 16), the darkest of R, G and B of a colour one, and an alpha channel
// or palette transparency blends towards white. Errors: ErrUnsupported
// (wrapped, with what) for what it does not decode; any other error means
// malformed data (a bad CRC or Adler-32 checksum included). Either way
// image/png can be asked next.
func Decode(data []byte, maxPixels int64) (*image.Gray, error) {
	h, err := parseChunks(data)
	if err != nil {
		return nil, err
	}
	conv, err := h.converter()
	if err != nil {
		return nil, err
	}
	if px := int64(h.width) * int64(h.height); px > maxPixels {
		return nil, unsupported("%d×%d pixels, more than the %d allowed", h.width, h.height, maxPixels)
	}
	img := image.NewGray(image.Rect(0, 0, h.width, h.height))
	f, err := newInflater(h.idat, h.idatLen)
	if err != nil {
		return nil, malformed("zlib header of the image data: %w", err)
	}
	defer f.release()
	if conv == nil {
		err = h.readGray8(f.zr, img)
	} else {
		err = h.readRows(f.zr, img, conv)
	}
	if err != nil {
		return nil, err
	}
	if err := f.finish(); err != nil {
		return nil, err
	}
	return img, nil
}

// parseChunks walks the chunks from the signature to IEND, checking each
// one's CRC and their order as image/png does, and collects the header.
// Chunks it does not know are skipped, and whatever follows IEND ignored.
func parseChunks(data []byte) (*header, error) {
	const signature = "\x89PNG\r\n\x1a\n"
	if !bytes.HasPrefix(data, []byte(signature)) {
		return nil, malformed("no PNG signature")
	}
	h := &header{}
	stage := stStart
	for p := len(signature); stage != stIEND; {
		if len(data)-p < 12 {
			return nil, malformed("truncated at byte %d, before IEND", p)
		}
		length := binary.BigEndian.Uint32(data[p:])
		typ := string(data[p+4 : p+8])
		if length > 0x7fffffff || int(length) > len(data)-p-12 {
			return nil, malformed("%q chunk of %d bytes at byte %d, past the end of the file", typ, length, p)
		}
		end := p + 8 + int(length)
		payload := data[p+8 : end]
		if crc32.ChecksumIEEE(data[p+4:end]) != binary.BigEndian.Uint32(data[end:]) {
			return nil, malformed("bad CRC in the %q chunk at byte %d", typ, p)
		}
		var err error
		switch typ {
		case "IHDR":
			if stage != stStart {
				return nil, malformed("IHDR chunk out of order")
			}
			stage = stIHDR
			err = h.parseIHDR(payload)
		case "PLTE":
			if stage != stIHDR {
				return nil, malformed("PLTE chunk out of order")
			}
			stage = stPLTE
			err = h.parsePLTE(payload)
		case "tRNS":
			if !h.trnsInOrder(stage) {
				return nil, malformed("tRNS chunk out of order")
			}
			stage = stTRNS
			err = h.parseTRNS(payload)
		case "IDAT":
			if stage < stIHDR || stage > stIDAT || (stage == stIHDR && h.colorType == ctPalette) {
				return nil, malformed("IDAT chunk out of order")
			}
			// Later IDAT chunks continue the image data, or follow its
			// end and are ignored (as image/png does).
			if stage != stIDAT {
				h.idat, h.idatLen = data[p+8:], int(length)
			}
			stage = stIDAT
		case "IEND":
			if stage != stIDAT {
				return nil, malformed("IEND chunk out of order")
			}
			stage = stIEND
			if length != 0 {
				err = malformed("IEND chunk of %d bytes", length)
			}
		}
		if err != nil {
			return nil, err
		}
		p = end + 4
	}
	return h, nil
}

// parseIHDR reads the image header.
func (h *header) parseIHDR(b []byte) error {
	if len(b) != 13 {
		return malformed("IHDR chunk of %d bytes", len(b))
	}
	w, ht := int32(binary.BigEndian.Uint32(b[0:])), int32(binary.BigEndian.Uint32(b[4:]))
	if w <= 0 || ht <= 0 {
		return malformed("image of %d×%d pixels", w, ht)
	}
	h.width, h.height = int(w), int(ht)
	h.depth, h.colorType = int(b[8]), b[9]
	valid := false
	switch h.colorType {
	case ctGray:
		valid = h.depth == 1 || h.depth == 2 || h.depth == 4 || h.depth == 8 || h.depth == 16
	case ctPalette:
		valid = h.depth == 1 || h.depth == 2 || h.depth == 4 || h.depth == 8
	case ctRGB, ctGrayAlpha, ctRGBA:
		valid = h.depth == 8 || h.depth == 16
	}
	switch {
	case !valid:
		return malformed("bit depth %d with colour type %d", h.depth, h.colorType)
	case b[10] != 0:
		return malformed("compression method %d", b[10])
	case b[11] != 0:
		return malformed("filter method %d", b[11])
	case b[12] > 1:
		return malformed("interlace method %d", b[12])
	}
	h.interlaced = b[12] == 1
	return nil
}

// parsePLTE reads the palette: kept for a palette image, ignored (as
// allowed) for a colour one, an error for grey.
func (h *header) parsePLTE(b []byte) error {
	n := len(b) / 3
	if len(b)%3 != 0 || n == 0 || n > 256 || n > 1<<h.depth {
		return malformed("PLTE chunk of %d bytes for bit depth %d", len(b), h.depth)
	}
	switch h.colorType {
	case ctPalette:
		h.plte = b
	case ctRGB, ctRGBA:
	default:
		return malformed("PLTE chunk in a grey image")
	}
	return nil
}

// trnsInOrder reports whether a tRNS chunk may come at this stage: after
// PLTE in a palette image, before IDAT otherwise.
func (h *header) trnsInOrder(stage int) bool {
	switch h.colorType {
	case ctPalette:
		return stage == stPLTE
	case ctRGB, ctRGBA:
		return stage == stIHDR || stage == stPLTE
	}
	return stage == stIHDR
}

// parseTRNS reads the transparency chunk: alpha for palette entries, or
// the one transparent grey or RGB value.
func (h *header) parseTRNS(b []byte) error {
	var want int
	switch h.colorType {
	case ctGray:
		want = 2
	case ctRGB:
		want = 6
	case ctPalette:
		if len(b) > 256 {
			return malformed("tRNS chunk of %d bytes", len(b))
		}
		want = len(b)
	default:
		return malformed("tRNS chunk in an image with an alpha channel")
	}
	if len(b) != want {
		return malformed("tRNS chunk of %d bytes for colour type %d", len(b), h.colorType)
	}
	h.trns = b
	return nil
}

// bitsPerPixel is the size of a pixel in the image data.
func (h *header) bitsPerPixel() int {
	switch h.colorType {
	case ctRGB:
		return 3 * h.depth
	case ctGrayAlpha:
		return 2 * h.depth
	case ctRGBA:
		return 4 * h.depth
	}
	return h.depth
}

// converter picks the function that turns an unfiltered row into grey, nil
// for 8-bit grey (the row is the grey), or says why the image is not
// decoded.
func (h *header) converter() (func(dst, row []byte), error) {
	switch {
	case h.interlaced:
		return nil, unsupported("Adam7 interlacing")
	case h.depth == 16 && (h.colorType == ctGrayAlpha || h.colorType == ctRGBA):
		return nil, unsupported("16-bit samples with alpha")
	case h.trns != nil && h.depth == 16:
		return nil, unsupported("16-bit grey or RGB with a transparent colour")
	case h.trns != nil && h.colorType == ctRGB:
		return nil, unsupported("RGB with a transparent colour")
	}
	switch h.colorType {
	case ctGray:
		switch {
		case h.depth == 16:
			return gray16, nil
		case h.depth == 8 && h.trns == nil:
			return nil, nil
		}
		return h.lutConverter(h.grayLUT()), nil
	case ctPalette:
		return h.lutConverter(h.paletteLUT()), nil
	case ctRGB:
		if h.depth == 16 {
			return rgb16, nil
		}
		return rgb8, nil
	case ctGrayAlpha:
		return grayAlpha8, nil
	}
	return rgba8, nil
}

// grayLUT maps each grey sample to its 8-bit grey: scaled up from fewer
// bits as image/png does, and white where it is tRNS's transparent grey
// (image/png compares the low byte of tRNS's value, scaled likewise, with
// the scaled sample).
func (h *header) grayLUT() *[256]byte {
	scale := byte(255 / (1<<h.depth - 1)) // 0xFF, 0x55, 0x11 or 1
	lut := new([256]byte)
	for v := range 1 << h.depth {
		lut[v] = byte(v) * scale
		if h.trns != nil && lut[v] == h.trns[1]*scale {
			lut[v] = 0xFF
		}
	}
	return lut
}

// paletteLUT maps each palette index to its grey the way the reader does
// with image/png's palette: the darkest channel of the premultiplied
// colour plus the transparency, so that transparent is white. Indexes
// past PLTE's entries are opaque black to image/png (and to libpng), with
// tRNS's alpha where tRNS reaches them.
func (h *header) paletteLUT() *[256]byte {
	lut := new([256]byte)
	for i := range lut {
		c := color.NRGBA{A: 0xFF}
		if 3*i < len(h.plte) {
			c.R, c.G, c.B = h.plte[3*i], h.plte[3*i+1], h.plte[3*i+2]
		}
		if i < len(h.trns) {
			c.A = h.trns[i]
		}
		r, g, b, a := c.RGBA()
		lut[i] = byte(min(min(r, g, b)+0xFFFF-a, 0xFFFF) >> 8)
	}
	return lut
}

// lutConverter converts a row of 1-, 2-, 4- or 8-bit samples (grey or
// palette indexes) through lut.
func (h *header) lutConverter(lut *[256]byte) func(dst, row []byte) {
	if h.depth == 8 {
		return func(dst, row []byte) {
			row = row[:len(dst)]
			for x, v := range row {
				dst[x] = lut[v]
			}
		}
	}
	// Fewer bits: a byte's pixels looked up at once, from a table of all
	// 256 bytes.
	depth, perByte := uint(h.depth), 8/h.depth
	expand := new([256][8]byte)
	for v := range expand {
		b := byte(v)
		for k := range perByte {
			expand[v][k] = lut[b>>(8-depth)]
			b <<= depth
		}
	}
	return func(dst, row []byte) {
		for i, b := range row {
			copy(dst[i*perByte:], expand[b][:perByte]) // the last byte may be cut short
		}
	}
}

// gray16 takes the high byte of each 16-bit grey sample.
func gray16(dst, row []byte) {
	row = row[:2*len(dst)]
	for x := range dst {
		dst[x] = row[2*x]
	}
}

// darkest is the least of three samples. It compares ints, for which the
// compiler uses conditional moves (for bytes it branches, and noisy colour
// makes the branches unpredictable).
func darkest(r, g, b byte) byte {
	return byte(min(int(r), int(g), int(b)))
}

// rgb8 takes the darkest of R, G and B.
func rgb8(dst, row []byte) {
	for x := range dst {
		p := row[3*x : 3*x+3 : 3*x+3]
		dst[x] = darkest(p[0], p[1], p[2])
	}
}

// rgb16 takes the darkest of the high bytes of R, G and B.
func rgb16(dst, row []byte) {
	for x := range dst {
		p := row[6*x : 6*x+6 : 6*x+6]
		dst[x] = darkest(p[0], p[2], p[4])
	}
}

// blend is grey l seen through alpha a over white paper, in the integer
// arithmetic the reader uses on image/png's NRGBA pixels.
func blend(l, a byte) byte {
	return byte((uint32(l)*uint32(a) + 255*(255-uint32(a))) / 255)
}

// grayAlpha8 blends grey with its alpha over white.
func grayAlpha8(dst, row []byte) {
	row = row[:2*len(dst)]
	for x := range dst {
		dst[x] = blend(row[2*x], row[2*x+1])
	}
}

// rgba8 blends the darkest of R, G and B with its alpha over white.
func rgba8(dst, row []byte) {
	row = row[:4*len(dst)]
	for x := range dst {
		p := row[4*x : 4*x+4 : 4*x+4]
		dst[x] = blend(darkest(p[0], p[1], p[2]), p[3])
	}
}

// readRows inflates the image rows one at a time into two row buffers,
// unfilters each and converts it into img.
func (h *header) readRows(zr io.Reader, img *image.Gray, conv func(dst, row []byte)) error {
	bpp := max(1, h.bitsPerPixel()/8)
	n := (h.bitsPerPixel()*h.width + 7) / 8
	cur, prev := make([]byte, 1+n), make([]byte, 1+n)
	for y := range h.height {
		if _, err := io.ReadFull(zr, cur); err != nil {
			return inflateError(y, err)
		}
		if err := unfilter(cur[0], cur[1:], prev[1:], bpp); err != nil {
			return malformed("row %d: %w", y, err)
		}
		conv(img.Pix[y*img.Stride:y*img.Stride+h.width], cur[1:])
		cur, prev = prev, cur
	}
	return nil
}

// readGray8 inflates the rows of an 8-bit grey image straight into img,
// each row unfiltered in place against the one above it.
func (h *header) readGray8(zr io.Reader, img *image.Gray) error {
	var filter [1]byte
	prev := make([]byte, h.width) // zeros above the first row
	for y := range h.height {
		row := img.Pix[y*img.Stride : y*img.Stride+h.width]
		if _, err := io.ReadFull(zr, filter[:]); err != nil {
			return inflateError(y, err)
		}
		if _, err := io.ReadFull(zr, row); err != nil {
			return inflateError(y, err)
		}
		if err := unfilter(filter[0], row, prev, 1); err != nil {
			return malformed("row %d: %w", y, err)
		}
		prev = row
	}
	return nil
}

// inflateError is the error for failing to inflate row y.
func inflateError(y int, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return malformed("image data ends before row %d", y)
	}
	return malformed("inflating row %d: %w", y, err)
}

// idatReader presents the payloads of consecutive IDAT chunks as one
// stream. The chunks' CRCs were checked by parseChunks.
type idatReader struct {
	data []byte // the file from the current chunk's unread payload on
	n    int    // payload bytes left in the current chunk
}

// Read reads from the current IDAT chunk, moving on to the next when it is
// exhausted; the image data ends early if that is not an IDAT chunk.
func (r *idatReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for r.n == 0 {
		// Skip the CRC; read the next chunk's length and type.
		if len(r.data) < 12 || string(r.data[8:12]) != "IDAT" {
			return 0, io.ErrUnexpectedEOF
		}
		r.n = int(binary.BigEndian.Uint32(r.data[4:]))
		r.data = r.data[12:]
	}
	k := copy(p, r.data[:r.n])
	r.data, r.n = r.data[k:], r.n-k
	return k, nil
}

// inflater is a zlib reader over the IDAT chunks, kept in a pool with its
// buffer and window between files.
type inflater struct {
	idat idatReader
	br   *bufio.Reader // over idat, read a byte at a time by the inflater
	zr   io.ReadCloser // klauspost/compress zlib, which checks Adler-32
}

// inflaters holds released inflaters.
var inflaters sync.Pool

// newInflater starts inflating the image data, whose first IDAT chunk's
// payload of n bytes starts idat.
func newInflater(idat []byte, n int) (*inflater, error) {
	f, _ := inflaters.Get().(*inflater)
	if f == nil {
		f = &inflater{}
		f.br = bufio.NewReaderSize(&f.idat, 32<<10)
	}
	f.idat = idatReader{data: idat, n: n}
	f.br.Reset(&f.idat)
	var err error
	if f.zr == nil {
		f.zr, err = zlib.NewReader(f.br)
	} else {
		err = f.zr.(zlib.Resetter).Reset(f.br, nil)
	}
	if err != nil {
		f.release()
		return nil, err
	}
	return f, nil
}

// finish checks that the zlib stream ends after the image rows, with a
// good Adler-32, and at the end of an IDAT chunk. (image/png allows
// further IDAT chunks after that one, ignored, and so does this: they are
// not read.)
func (f *inflater) finish() error {
	var b [1]byte
	if n, err := io.ReadFull(f.zr, b[:]); n != 0 {
		return malformed("more image data than rows")
	} else if err != io.EOF {
		return malformed("end of the image data: %w", err)
	}
	if f.br.Buffered() != 0 || f.idat.n != 0 {
		return malformed("data after the zlib stream in its IDAT chunk")
	}
	return nil
}

// release returns f to the pool, dropping its hold on the file.
func (f *inflater) release() {
	f.idat = idatReader{}
	f.br.Reset(&f.idat)
	inflaters.Put(f)
}
