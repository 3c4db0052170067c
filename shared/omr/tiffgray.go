package omr

import (
	"encoding/binary"
	"image"
)

// tiffGray decodes the TIFFs scanners and image libraries write most —
// uncompressed, 8 bits per sample, grey (either polarity) or RGB with or
// without alpha, in strips — straight to the grey the reader uses (the
// darkest of R, G and B; transparent is paper, as in toGray). It reports
// false for anything else, and for anything malformed, which is left to
// golang.org/x/image/tiff: that package reads an 8-bit grey TIFF a pixel
// at a time through a bit reader, several times slower than copying rows.
// The file's first directory is decoded, as there.
func tiffGray(data []byte) (*image.Gray, bool) {
	t, ok := parseTIFFStrips(data)
	if !ok {
		return nil, false
	}
	return t.rows(0, t.h), true
}

// rows reads image rows y0 to y1 (full width) into an image of those
// rows, in the image's coordinates.
func (t *tiffStrips) rows(y0, y1 int) *image.Gray {
	g := &image.Gray{Pix: make([]byte, (y1-y0)*t.w), Stride: t.w, Rect: image.Rect(0, y0, t.w, y1)}
	for y := y0; y < y1; y++ {
		t.row(y, g.Pix[(y-y0)*g.Stride:][:t.w])
	}
	return g
}

// halved reads the image box-averaged to half its size.
func (t *tiffStrips) halved() *image.Gray {
	w, h := t.w/2, t.h/2
	g := image.NewGray(image.Rect(0, 0, w, h))
	r0, r1 := make([]byte, t.w), make([]byte, t.w)
	for y := 0; y < h; y++ {
		t.row(2*y, r0)
		t.row(2*y+1, r1)
		halveRows(g.Pix[y*g.Stride:][:w], r0, r1)
	}
	return g
}

// tiffStrips is an uncompressed 8-bit TIFF tiffGray reads: its size, sample
// layout and where each strip's rows are.
type tiffStrips struct {
	w, h, spp, photometric, extra int
	rowsPerStrip                  int
	strips                        [][]byte // each strip's rows
}

// parseTIFFStrips reads the first directory of data, reporting false for
// anything tiffGray does not read (and for anything malformed).
func parseTIFFStrips(data []byte) (*tiffStrips, bool) {
	if len(data) < 8 {
		return nil, false
	}
	var bo binary.ByteOrder
	switch string(data[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return nil, false
	}
	ifd := int64(bo.Uint32(data[4:8]))
	if ifd < 8 || ifd+2 > int64(len(data)) {
		return nil, false
	}
	n := int64(bo.Uint16(data[ifd:]))
	if ifd+2+12*n > int64(len(data)) {
		return nil, false
	}
	// values returns the count values of an entry (SHORT or LONG).
	values := func(e []byte) ([]uint32, bool) {
		typ, count := bo.Uint16(e[2:4]), int64(bo.Uint32(e[4:8]))
		size := int64(0)
		switch typ {
		case 3:
			size = 2
		case 4:
			size = 4
		default:
			return nil, false
		}
		if count < 1 || count > 1<<20 {
			return nil, false
		}
		raw := e[8:12]
		if count*size > 4 {
			off := int64(bo.Uint32(e[8:12]))
			if off < 0 || off+count*size > int64(len(data)) {
				return nil, false
			}
			raw = data[off : off+count*size]
		}
		out := make([]uint32, count)
		for i := range out {
			if size == 2 {
				out[i] = uint32(bo.Uint16(raw[2*i:]))
			} else {
				out[i] = bo.Uint32(raw[4*i:])
			}
		}
		return out, true
	}
	var (
		w, h, photometric  = -1, -1, -1
		spp, rowsPerStrip  = 1, -1
		compression, extra = 1, 0
		bps, offsets, cnts []uint32
	)
	for i := int64(0); i < n; i++ {
		e := data[ifd+2+12*i : ifd+2+12*i+12]
		tag := bo.Uint16(e)
		switch tag {
		case 256, 257, 258, 259, 262, 273, 277, 278, 279, 284, 317, 338, 339:
		case 322, 323, 324, 325, 320: // tiles, a palette
			return nil, false
		default:
			continue // resolution, software, dates: not needed
		}
		v, ok := values(e)
		if !ok {
			return nil, false
		}
		switch tag {
		case 256:
			w = int(v[0])
		case 257:
			h = int(v[0])
		case 258:
			bps = v
		case 259:
			compression = int(v[0])
		case 262:
			photometric = int(v[0])
		case 273:
			offsets = v
		case 277:
			spp = int(v[0])
		case 278:
			rowsPerStrip = int(v[0])
		case 279:
			cnts = v
		case 284: // planar configuration: chunky only
			if v[0] != 1 {
				return nil, false
			}
		case 317: // predictor: none only
			if v[0] != 1 {
				return nil, false
			}
		case 338:
			if len(v) != 1 {
				return nil, false
			}
			extra = int(v[0])
		case 339: // sample format: unsigned integers only
			for _, f := range v {
				if f != 1 {
					return nil, false
				}
			}
		}
	}
	if w <= 0 || h <= 0 || int64(w)*int64(h) > MaxPixels || compression != 1 ||
		len(offsets) == 0 || len(offsets) != len(cnts) {
		return nil, false
	}
	if len(bps) == 0 { // the default is 1 bit
		return nil, false
	}
	for _, b := range bps {
		if b != 8 {
			return nil, false
		}
	}
	// The layouts handled: grey, RGB, and RGB with associated (1) or
	// unassociated (2) alpha.
	switch {
	case spp == 1 && (photometric == 0 || photometric == 1):
	case spp == 3 && photometric == 2:
	case spp == 4 && photometric == 2 && (extra == 1 || extra == 2):
	default:
		return nil, false
	}
	if len(bps) != spp && !(len(bps) == 1 && spp == 1) {
		return nil, false
	}
	if rowsPerStrip <= 0 || rowsPerStrip > h {
		rowsPerStrip = h
	}
	if len(offsets) != (h+rowsPerStrip-1)/rowsPerStrip {
		return nil, false
	}
	rowBytes := w * spp
	t := &tiffStrips{w: w, h: h, spp: spp, photometric: photometric, extra: extra,
		rowsPerStrip: rowsPerStrip, strips: make([][]byte, len(offsets))}
	for s, off := range offsets {
		rows := min(rowsPerStrip, h-s*rowsPerStrip)
		need := int64(rows) * int64(rowBytes)
		// The strip's pixels must be there, and its declared size sane
		// (whole in the file, and no more than x/image/tiff accepts).
		cnt := int64(cnts[s])
		if cnt < need || int64(off)+cnt > int64(len(data)) || cnt > int64(w)*int64(rowsPerStrip)*8 {
			return nil, false
		}
		t.strips[s] = data[off : int64(off)+need]
	}
	return t, true
}

// row writes row y of the image, in grey, to dst (w bytes).
func (t *tiffStrips) row(y int, dst []byte) {
	rowBytes := t.w * t.spp
	i := y % t.rowsPerStrip
	src := t.strips[y/t.rowsPerStrip][i*rowBytes : (i+1)*rowBytes]
	switch {
	case t.spp == 1 && t.photometric == 1:
		copy(dst, src)
	case t.spp == 1:
		for x, v := range src {
			dst[x] = 255 - v // white is zero
		}
	case t.spp == 3:
		for x := range dst {
			p := src[3*x : 3*x+3]
			dst[x] = min(p[0], p[1], p[2])
		}
	case t.extra == 1: // premultiplied: as toGray reads *image.RGBA
		for x := range dst {
			p := src[4*x : 4*x+3]
			dst[x] = min(p[0], p[1], p[2])
		}
	default: // unassociated alpha: as toGray reads *image.NRGBA
		for x := range dst {
			p := src[4*x : 4*x+4]
			a := uint32(p[3])
			l := uint32(min(p[0], p[1], p[2]))
			dst[x] = byte((l*a + 255*(255-a)) / 255)
		}
	}
}
