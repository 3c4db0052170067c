package pnggray

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/adler32"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// reference decodes data with image/png and converts it to grey as the mark
// reader does (omr's toGray): what Decode must equal pixel for pixel.
func reference(data []byte) (*image.Gray, error) {
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		dst := out.Pix[y*w : y*w+w]
		switch m := img.(type) {
		case *image.Gray:
			copy(dst, m.Pix[m.PixOffset(0, y):])
		case *image.RGBA:
			src := m.Pix[m.PixOffset(0, y):]
			for x := range dst {
				dst[x] = min(src[4*x], src[4*x+1], src[4*x+2])
			}
		case *image.NRGBA:
			src := m.Pix[m.PixOffset(0, y):]
			for x := range dst {
				a := uint32(src[4*x+3])
				l := uint32(min(src[4*x], src[4*x+1], src[4*x+2]))
				dst[x] = byte((l*a + 255*(255-a)) / 255)
			}
		case *image.Gray16:
			src := m.Pix[m.PixOffset(0, y):]
			for x := range dst {
				dst[x] = src[2*x]
			}
		case *image.RGBA64:
			src := m.Pix[m.PixOffset(0, y):]
			for x := range dst {
				dst[x] = min(src[8*x], src[8*x+2], src[8*x+4])
			}
		case *image.Paletted:
			var lut [256]byte
			for i, c := range m.Palette {
				r, g, b, a := c.RGBA()
				lut[i] = byte(min(min(r, g, b)+0xFFFF-a, 0xFFFF) >> 8)
			}
			src := m.Pix[m.PixOffset(0, y):]
			for x := range dst {
				dst[x] = lut[src[x]]
			}
		default:
			return nil, fmt.Errorf("image/png gave a %T", img)
		}
	}
	return out, nil
}

// same compares Decode's output with the reference, pixel for pixel.
func same(t testing.TB, data []byte) {
	t.Helper()
	want, err := reference(data)
	if err != nil {
		t.Fatalf("image/png: %v", err)
	}
	got, err := Decode(data, 1<<30)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if got.Rect != want.Rect || got.Stride != want.Rect.Dx() {
		t.Fatalf("Decode: rect %v stride %d, want %v stride %d", got.Rect, got.Stride, want.Rect, want.Rect.Dx())
	}
	if i := firstDiff(got.Pix, want.Pix); i >= 0 {
		w := want.Rect.Dx()
		t.Fatalf("pixel (%d, %d) is %d, want %d", i%w, i/w, got.Pix[i], want.Pix[i])
	}
}

// firstDiff is the first index where a and b differ, -1 if none.
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// noisy fills each pixel's channels from a grey page: paper with noise,
// dark strokes, and a little colour per channel, so that encoders meet
// every kind of row.
func noisy(w, h int, seed uint64, set func(x, y int, v [4]uint8)) {
	rng := rand.New(rand.NewPCG(seed, 1))
	for y := range h {
		for x := range w {
			base := 235 + rng.IntN(20)
			if (x/7+y/5)%9 == 0 {
				base = 30 + rng.IntN(40)
			}
			var v [4]uint8
			for c := range v {
				v[c] = uint8(max(0, min(255, base-rng.IntN(12)*c)))
			}
			v[3] = uint8(rng.IntN(256))
			if x%3 == 0 {
				v[3] = 255
			}
			set(x, y, v)
		}
	}
}

// encoded images built with image/png's encoder, which picks each row's
// filter adaptively.
func encodedImages(w, h int) map[string]image.Image {
	gray := image.NewGray(image.Rect(0, 0, w, h))
	gray16 := image.NewGray16(gray.Rect)
	rgba := image.NewRGBA(gray.Rect)
	nrgba := image.NewNRGBA(gray.Rect)
	rgba64 := image.NewRGBA64(gray.Rect)
	noisy(w, h, uint64(w), func(x, y int, v [4]uint8) {
		gray.SetGray(x, y, color.Gray{v[0]})
		gray16.SetGray16(x, y, color.Gray16{uint16(v[0])<<8 | uint16(v[1])})
		rgba.SetRGBA(x, y, color.RGBA{v[0], v[1], v[2], 255})
		nrgba.SetNRGBA(x, y, color.NRGBA{v[0], v[1], v[2], v[3]})
		rgba64.SetRGBA64(x, y, color.RGBA64{uint16(v[0]) << 8, uint16(v[1])<<8 | 7, uint16(v[2]) << 8, 0xFFFF})
	})
	out := map[string]image.Image{"gray8": gray, "gray16": gray16, "rgb8": rgba, "rgba8": nrgba, "rgb16": rgba64}
	for _, n := range []int{2, 4, 16, 200, 256} {
		pal := make(color.Palette, n)
		for i := range pal {
			pal[i] = color.NRGBA{uint8(i * 37), uint8(i * 91), uint8(255 - i), uint8(255 - i%3*100)}
		}
		p := image.NewPaletted(gray.Rect, pal)
		for i := range p.Pix {
			p.Pix[i] = uint8(gray.Pix[i]) % uint8(min(n, 255))
		}
		out[fmt.Sprintf("palette%d", n)] = p
	}
	return out
}

// TestEncoded compares with image/png on images its encoder wrote, at
// every compression level.
func TestEncoded(t *testing.T) {
	for _, w := range []int{1, 3, 7, 33} {
		for name, img := range encodedImages(w, 9) {
			for _, level := range []png.CompressionLevel{png.DefaultCompression, png.BestSpeed, png.NoCompression} {
				t.Run(fmt.Sprintf("%s/w%d/level%d", name, w, level), func(t *testing.T) {
					var buf bytes.Buffer
					if err := (&png.Encoder{CompressionLevel: level}).Encode(&buf, img); err != nil {
						t.Fatal(err)
					}
					same(t, buf.Bytes())
				})
			}
		}
	}
}

// rawPNG is a PNG built by hand: its rows, unfiltered, and how to filter
// and store them.
type rawPNG struct {
	w, h       int
	depth      int
	colorType  byte
	interlace  byte
	plte, trns []byte
	rows       [][]byte         // unfiltered, without the filter type byte
	filter     func(y int) byte // each row's filter type
	idatSize   int              // split the zlib stream into IDAT chunks of this size (0: one)
	stored     bool             // zlib without compression (raw bytes in the file, for the fuzzer)
}

// bpp is the bytes per complete pixel used by the filters.
func (p *rawPNG) bpp() int {
	ch := map[byte]int{ctGray: 1, ctRGB: 3, ctPalette: 1, ctGrayAlpha: 2, ctRGBA: 4}[p.colorType]
	return max(1, ch*p.depth/8)
}

// rowBytes is the length of a row.
func (p *rawPNG) rowBytes() int {
	ch := map[byte]int{ctGray: 1, ctRGB: 3, ctPalette: 1, ctGrayAlpha: 2, ctRGBA: 4}[p.colorType]
	return (ch*p.depth*p.w + 7) / 8
}

// randomRows fills p with random rows.
func (p *rawPNG) randomRows(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 2))
	p.rows = make([][]byte, p.h)
	for y := range p.rows {
		p.rows[y] = make([]byte, p.rowBytes())
		for i := range p.rows[y] {
			p.rows[y][i] = byte(rng.Uint32())
		}
	}
}

// paethPredictor is the Paeth predictor as the specification writes it.
func paethPredictor(a, b, c int) int {
	p := a + b - c
	pa, pb, pc := p-a, p-b, p-c
	if pa < 0 {
		pa = -pa
	}
	if pb < 0 {
		pb = -pb
	}
	if pc < 0 {
		pc = -pc
	}
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

// filterRow filters raw with filter type ft against prev (zeros above the
// first row), byte by byte as the specification defines it.
func filterRow(ft byte, raw, prev []byte, bpp int) []byte {
	out := make([]byte, len(raw))
	for i := range raw {
		var a, c int
		if i >= bpp {
			a, c = int(raw[i-bpp]), int(prev[i-bpp])
		}
		b := int(prev[i])
		pred := 0
		switch ft {
		case ftSub:
			pred = a
		case ftUp:
			pred = b
		case ftAverage:
			pred = (a + b) / 2
		case ftPaeth:
			pred = paethPredictor(a, b, c)
		}
		out[i] = raw[i] - byte(pred)
	}
	return out
}

// appendChunk appends a chunk with its length and CRC.
func appendChunk(b []byte, typ string, payload []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	start := len(b)
	b = append(b, typ...)
	b = append(b, payload...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}

// ihdr is an IHDR payload.
func (p *rawPNG) ihdr() []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(p.w))
	b = binary.BigEndian.AppendUint32(b, uint32(p.h))
	return append(b, byte(p.depth), p.colorType, 0, 0, p.interlace)
}

// zdata is the zlib stream of the filtered rows.
func (p *rawPNG) zdata() []byte {
	var raw []byte
	prev := make([]byte, p.rowBytes())
	for y, row := range p.rows {
		ft := byte(ftNone)
		if p.filter != nil {
			ft = p.filter(y)
		}
		raw = append(raw, ft)
		raw = append(raw, filterRow(ft, row, prev, p.bpp())...)
		prev = row
	}
	level := zlib.DefaultCompression
	if p.stored {
		level = zlib.NoCompression
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, level)
	zw.Write(raw)
	zw.Close()
	return z.Bytes()
}

// encode writes the PNG file with image data z.
func (p *rawPNG) encodeWith(z []byte) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	b = appendChunk(b, "IHDR", p.ihdr())
	if p.plte != nil {
		b = appendChunk(b, "PLTE", p.plte)
	}
	if p.trns != nil {
		b = appendChunk(b, "tRNS", p.trns)
	}
	b = appendChunk(b, "tEXt", []byte("Comment\x00hand-built"))
	size := p.idatSize
	if size == 0 {
		size = len(z)
	}
	for len(z) > size {
		b = appendChunk(b, "IDAT", z[:size])
		z = z[size:]
	}
	b = appendChunk(b, "IDAT", z)
	return appendChunk(b, "IEND", nil)
}

// encode writes the PNG file.
func (p *rawPNG) encode() []byte { return p.encodeWith(p.zdata()) }

// palette is n palette entries.
func palette(n int) []byte {
	b := make([]byte, 3*n)
	for i := range b {
		b[i] = byte(i*73 + 11)
	}
	return b
}

// alphas is n tRNS alpha values.
func alphas(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(255 - i*29)
	}
	return b
}

// formats are the hand-built formats Decode supports.
var formats = []struct {
	name       string
	colorType  byte
	depth      int
	plte, trns []byte
}{
	{"gray1", ctGray, 1, nil, nil},
	{"gray2", ctGray, 2, nil, nil},
	{"gray4", ctGray, 4, nil, nil},
	{"gray8", ctGray, 8, nil, nil},
	{"gray16", ctGray, 16, nil, nil},
	{"gray1-trns", ctGray, 1, nil, []byte{0, 1}},
	{"gray2-trns", ctGray, 2, nil, []byte{0, 2}},
	{"gray4-trns", ctGray, 4, nil, []byte{0, 9}},
	{"gray8-trns", ctGray, 8, nil, []byte{0, 200}},
	{"gray8-trns-high-byte", ctGray, 8, nil, []byte{1, 200}},
	{"rgb8", ctRGB, 8, nil, nil},
	{"rgb8-plte", ctRGB, 8, palette(16), nil},
	{"rgb16", ctRGB, 16, nil, nil},
	{"graya8", ctGrayAlpha, 8, nil, nil},
	{"rgba8", ctRGBA, 8, nil, nil},
	{"palette1", ctPalette, 1, palette(2), nil},
	{"palette2", ctPalette, 2, palette(4), nil},
	{"palette4", ctPalette, 4, palette(16), nil},
	{"palette8", ctPalette, 8, palette(256), nil},
	{"palette2-short", ctPalette, 2, palette(3), nil},
	{"palette4-short", ctPalette, 4, palette(5), nil},
	{"palette8-short", ctPalette, 8, palette(100), nil},
	{"palette8-trns", ctPalette, 8, palette(256), alphas(7)},
	{"palette8-short-long-trns", ctPalette, 8, palette(5), alphas(9)},
	{"palette1-trns", ctPalette, 1, palette(2), alphas(1)},
	{"palette4-trns-past-depth", ctPalette, 4, palette(16), alphas(40)},
}

// TestFilters compares with image/png on hand-built PNGs of every
// supported format whose rows use each filter type, alone and mixed, in
// one IDAT chunk or many small ones.
func TestFilters(t *testing.T) {
	filters := map[string]func(y int) byte{
		"none": func(int) byte { return ftNone }, "sub": func(int) byte { return ftSub },
		"up": func(int) byte { return ftUp }, "average": func(int) byte { return ftAverage },
		"paeth": func(int) byte { return ftPaeth }, "mixed": func(y int) byte { return byte(y % 5) },
	}
	for _, f := range formats {
		for _, w := range []int{1, 3, 7, 33} {
			for fname, filter := range filters {
				for _, idatSize := range []int{0, 13} {
					name := fmt.Sprintf("%s/w%d/%s/idat%d", f.name, w, fname, idatSize)
					t.Run(name, func(t *testing.T) {
						p := &rawPNG{w: w, h: 7, depth: f.depth, colorType: f.colorType,
							plte: f.plte, trns: f.trns, filter: filter, idatSize: idatSize}
						p.randomRows(uint64(w*31 + len(f.name)))
						same(t, p.encode())
					})
				}
			}
		}
	}
}

// TestUnsupported checks that what image/png decodes but Decode does not is
// ErrUnsupported, and that too many pixels are refused before allocating.
func TestUnsupported(t *testing.T) {
	cases := []struct {
		name string
		p    rawPNG
	}{
		{"interlaced", rawPNG{w: 9, h: 9, depth: 8, colorType: ctGray, interlace: 1}},
		{"graya16", rawPNG{w: 5, h: 3, depth: 16, colorType: ctGrayAlpha}},
		{"rgba16", rawPNG{w: 5, h: 3, depth: 16, colorType: ctRGBA}},
		{"gray16-trns", rawPNG{w: 5, h: 3, depth: 16, colorType: ctGray, trns: []byte{1, 2}}},
		{"rgb8-trns", rawPNG{w: 5, h: 3, depth: 8, colorType: ctRGB, trns: []byte{0, 1, 0, 2, 0, 3}}},
		{"rgb16-trns", rawPNG{w: 5, h: 3, depth: 16, colorType: ctRGB, trns: []byte{0, 1, 0, 2, 0, 3}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			p.randomRows(1)
			if p.interlace == 1 {
				// Adam7 rows: passes of a 9×9 grey image, all bytes 0x80.
				var raw []byte
				for _, pass := range [][2]int{{2, 2}, {1, 2}, {3, 1}, {2, 3}, {5, 2}, {4, 5}, {9, 4}} {
					for range pass[1] {
						raw = append(raw, 0)
						raw = append(raw, bytes.Repeat([]byte{0x80}, pass[0])...)
					}
				}
				var z bytes.Buffer
				zw := zlib.NewWriter(&z)
				zw.Write(raw)
				zw.Close()
				data := p.encodeWith(z.Bytes())
				if _, err := png.Decode(bytes.NewReader(data)); err != nil {
					t.Fatalf("image/png: %v", err)
				}
				checkUnsupported(t, data, 1<<30)
				return
			}
			data := p.encode()
			if _, err := png.Decode(bytes.NewReader(data)); err != nil {
				t.Fatalf("image/png: %v", err)
			}
			checkUnsupported(t, data, 1<<30)
		})
	}
	t.Run("maxPixels", func(t *testing.T) {
		p := rawPNG{w: 33, h: 7, depth: 8, colorType: ctRGB}
		p.randomRows(2)
		data := p.encode()
		if _, err := Decode(data, 33*7); err != nil {
			t.Fatalf("at the limit: %v", err)
		}
		checkUnsupported(t, data, 33*7-1)
	})
	t.Run("huge", func(t *testing.T) {
		// 60000 × 60000 pixels would be 3.6 GB of grey.
		p := rawPNG{w: 60000, h: 60000, depth: 8, colorType: ctGray}
		data := p.encodeWith([]byte{0x78, 0x9c, 3, 0, 0, 0, 0, 1})
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		checkUnsupported(t, data, 60_000_000)
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("allocated %d bytes refusing it", n)
		}
	})
}

// checkUnsupported checks that Decode says ErrUnsupported.
func checkUnsupported(t *testing.T, data []byte, maxPixels int64) {
	t.Helper()
	img, err := Decode(data, maxPixels)
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("Decode = %v, %v; want ErrUnsupported", img, err)
	}
	t.Log(err)
}

// small is a small valid PNG: 7×5 RGB, mixed filters.
func small() *rawPNG {
	p := &rawPNG{w: 7, h: 5, depth: 8, colorType: ctRGB, filter: func(y int) byte { return byte(y % 5) }}
	p.randomRows(3)
	return p
}

// TestMalformed checks that damaged files are errors (not ErrUnsupported),
// and never a panic.
func TestMalformed(t *testing.T) {
	good := small().encode()
	withZ := func(edit func(z []byte) []byte) []byte {
		p := small()
		return p.encodeWith(edit(p.zdata()))
	}
	// rowsZ is a zlib stream of raw (filtered) rows for small(), with a
	// correct Adler-32.
	rowsZ := func(raw []byte) []byte {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(raw)
		zw.Close()
		return z.Bytes()
	}
	rowLen := 1 + 7*3
	cases := map[string][]byte{
		"empty":         nil,
		"signature":     []byte("\x89PNG\r\n\x1a"),
		"not png":       []byte("GIF89a.........................."),
		"bad adler":     withZ(func(z []byte) []byte { z[len(z)-1] ^= 1; return z }),
		"zlib header":   withZ(func(z []byte) []byte { z[0], z[1] = 0x78, 0; return z }),
		"deflate data":  withZ(func(z []byte) []byte { z[2] = 0xFF; return z }),
		"after zlib":    withZ(func(z []byte) []byte { return append(z, 0) }),
		"short stream":  withZ(func(z []byte) []byte { return z[:len(z)/2] }),
		"too few rows":  small().encodeWith(rowsZ(make([]byte, 4*rowLen))),
		"too many rows": small().encodeWith(rowsZ(make([]byte, 6*rowLen))),
		"filter type 5": small().encodeWith(rowsZ(append(make([]byte, 4*rowLen), append([]byte{5}, make([]byte, rowLen-1)...)...))),
		"no IEND":       good[:len(good)-12],
		"no IDAT":       appendChunk(appendChunk([]byte("\x89PNG\r\n\x1a\n"), "IHDR", small().ihdr()), "IEND", nil),
		"IDAT before IHDR": func() []byte {
			b := appendChunk([]byte("\x89PNG\r\n\x1a\n"), "IDAT", small().zdata())
			b = appendChunk(b, "IHDR", small().ihdr())
			return appendChunk(b, "IEND", nil)
		}(),
		"palette without PLTE": (&rawPNG{w: 3, h: 3, depth: 8, colorType: ctPalette, rows: make([][]byte, 3)}).encodeWith(rowsZ(make([]byte, 3*4))),
		"PLTE in grey":         (&rawPNG{w: 3, h: 1, depth: 8, colorType: ctGray, plte: palette(2)}).encodeWith(rowsZ(make([]byte, 4))),
		"tRNS in graya":        (&rawPNG{w: 3, h: 1, depth: 8, colorType: ctGrayAlpha, trns: []byte{0, 0}}).encodeWith(rowsZ(make([]byte, 7))),
		"bad bit depth":        (&rawPNG{w: 3, h: 1, depth: 3, colorType: ctGray}).encodeWith(rowsZ(make([]byte, 3))),
		"zero width":           (&rawPNG{w: 0, h: 1, depth: 8, colorType: ctGray}).encodeWith(rowsZ(make([]byte, 1))),
		"negative height":      (&rawPNG{w: 1, h: -1, depth: 8, colorType: ctGray}).encodeWith(rowsZ(make([]byte, 2))),
	}
	// A bad CRC in each chunk.
	for p, i := 8, 0; p < len(good); i++ {
		n := int(binary.BigEndian.Uint32(good[p:]))
		b := bytes.Clone(good)
		b[p+8+n] ^= 0x40
		cases[fmt.Sprintf("bad CRC %d %s", i, good[p+4:p+8])] = b
		p += 12 + n
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			img, err := Decode(data, 1<<30)
			if err == nil || errors.Is(err, ErrUnsupported) {
				t.Fatalf("Decode = %v, %v; want a malformed error", img, err)
			}
			_, perr := png.Decode(bytes.NewReader(data))
			t.Logf("%v (image/png: %v)", err, perr)
		})
	}
	t.Run("truncated", func(t *testing.T) {
		for n := range len(good) {
			if img, err := Decode(good[:n], 1<<30); err == nil {
				t.Fatalf("the first %d of %d bytes: Decode = %v, want an error", n, len(good), img)
			}
		}
	})
	t.Run("trailing IDAT and data after IEND", func(t *testing.T) {
		// image/png ignores IDAT chunks after the image data, and
		// anything after IEND; so does Decode.
		b := good[:len(good)-12]
		b = appendChunk(b, "IDAT", []byte("ignored"))
		b = appendChunk(b, "IEND", nil)
		same(t, append(b, "trailing"...))
	})
	t.Run("right number of rows", func(t *testing.T) {
		// What "too few rows" and "too many rows" get wrong.
		same(t, small().encodeWith(rowsZ(make([]byte, 5*rowLen))))
	})
}

// fuzzSeeds are small valid PNGs of every supported format and a few
// unsupported ones, half of them stored without compression so that the
// fuzzer's changes reach filter types and samples.
func fuzzSeeds() [][]byte {
	var seeds [][]byte
	for i, f := range formats {
		p := &rawPNG{w: 1 + i%5, h: 3, depth: f.depth, colorType: f.colorType, plte: f.plte, trns: f.trns,
			filter: func(y int) byte { return byte((y + i) % 5) }, idatSize: 16 * (i % 2), stored: i%3 != 0}
		p.randomRows(uint64(i))
		seeds = append(seeds, p.encode())
	}
	for name, img := range encodedImages(4, 3) {
		for _, level := range []png.CompressionLevel{png.DefaultCompression, png.NoCompression} {
			var buf bytes.Buffer
			if err := (&png.Encoder{CompressionLevel: level}).Encode(&buf, img); err != nil {
				panic(name + ": " + err.Error())
			}
			seeds = append(seeds, buf.Bytes())
		}
	}
	return seeds
}

// repair returns a copy of data with the Adler-32 of the image data and
// every chunk's CRC made right where it can, so that the fuzzer's changes
// get past the checksums.
func repair(data []byte) []byte {
	data = bytes.Clone(data)
	if len(data) < 8 {
		return data
	}
	// The chunks, and the payloads of the first run of IDAT chunks.
	var chunks, idats [][]byte
	inRun := true
	for p := 8; len(data)-p >= 12; {
		n := int(binary.BigEndian.Uint32(data[p:]))
		if n < 0 || n > len(data)-p-12 {
			break
		}
		chunks = append(chunks, data[p+4:p+12+n])
		if string(data[p+4:p+8]) == "IDAT" && inRun {
			idats = append(idats, data[p+8:p+8+n])
		} else if len(idats) > 0 {
			inRun = false
		}
		p += 12 + n
	}
	var z []byte
	for _, c := range idats {
		z = append(z, c...)
	}
	if len(z) > 2 {
		br := bytes.NewReader(z[2:])
		if raw, err := io.ReadAll(flate.NewReader(br)); err == nil {
			if end := len(z) - br.Len(); end+4 <= len(z) {
				binary.BigEndian.PutUint32(z[end:], adler32.Checksum(raw))
				for _, c := range idats {
					z = z[copy(c, z):]
				}
			}
		}
	}
	for _, c := range chunks {
		n := len(c) - 4
		binary.BigEndian.PutUint32(c[n:], crc32.ChecksumIEEE(c[:n]))
	}
	return data
}

// FuzzDecode checks that Decode never panics, that it decodes nothing that
// image/png refuses, and that where both decode they agree, on the input
// and on the input with its checksums repaired.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, data := range [][]byte{data, repair(data)} {
			got, err := Decode(data, 1<<20)
			if err != nil {
				continue
			}
			want, rerr := reference(data)
			if rerr != nil {
				t.Fatalf("Decode succeeded where image/png did not: %v", rerr)
			}
			if got.Rect != want.Rect || got.Stride != want.Rect.Dx() {
				t.Fatalf("rect %v stride %d, want %v", got.Rect, got.Stride, want.Rect)
			}
			if i := firstDiff(got.Pix, want.Pix); i >= 0 {
				t.Fatalf("pixel %d is %d, want %d", i, got.Pix[i], want.Pix[i])
			}
		}
	})
}

// pages are scan-like pages of about 2,000 × 2,700 pixels, grey and RGB
// written by image/png at the corpus's compression (BestSpeed), and
// bilevel.
var pages = sync.OnceValue(func() map[string][]byte {
	const w, h = 2000, 2700
	out := map[string][]byte{}
	for _, noise := range []int{4, 40} {
		gray := image.NewGray(image.Rect(0, 0, w, h))
		rgba := image.NewRGBA(gray.Rect)
		rng := rand.New(rand.NewPCG(uint64(noise), 3))
		for y := range h {
			for x := range w {
				v := 240
				if (x/40+y/60)%7 == 0 && x%40 < 30 && y%60 < 8 { // text-like strokes
					v = 40
				}
				v -= rng.IntN(noise)
				i := y*w + x
				gray.Pix[i] = byte(v)
				rgba.Pix[4*i], rgba.Pix[4*i+1], rgba.Pix[4*i+2], rgba.Pix[4*i+3] =
					byte(v), byte(v-rng.IntN(noise/4+1)), byte(v-rng.IntN(noise/2+1)), 255
			}
		}
		for name, img := range map[string]image.Image{"gray8": gray, "rgb8": rgba} {
			var buf bytes.Buffer
			if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
				panic(err)
			}
			out[fmt.Sprintf("%s-noise%d", name, noise)] = buf.Bytes()
		}
		// A bilevel scan: 1 bit per pixel, as scanners write them.
		p := &rawPNG{w: w, h: h, depth: 1, colorType: ctGray, filter: func(int) byte { return ftNone }}
		p.rows = make([][]byte, h)
		for y := range h {
			p.rows[y] = make([]byte, p.rowBytes())
			for x := range w {
				if gray.Pix[y*w+x] >= 128 {
					p.rows[y][x/8] |= 0x80 >> (x % 8)
				}
			}
		}
		out[fmt.Sprintf("gray1-noise%d", noise)] = p.encode()
	}
	return out
})

// BenchmarkDecode decodes scan-like pages with image/png and the reader's
// conversion, and with Decode; MB/s counts pixels.
func BenchmarkDecode(b *testing.B) {
	for name, data := range pages() {
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		px := int64(cfg.Width * cfg.Height)
		b.Run(name+"/image-png", func(b *testing.B) {
			b.SetBytes(px)
			for b.Loop() {
				if _, err := reference(data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/pnggray", func(b *testing.B) {
			b.SetBytes(px)
			for b.Loop() {
				if _, err := Decode(data, 1<<30); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestPages checks the benchmark's pages.
func TestPages(t *testing.T) {
	if testing.Short() {
		t.Skip("encodes six large pages")
	}
	for name, data := range pages() {
		t.Run(name, func(t *testing.T) { same(t, data) })
	}
}

// TestRepair checks the fuzzer's repair: valid files are left as they are,
// and a file whose stored samples were changed decodes again.
func TestRepair(t *testing.T) {
	for i, s := range fuzzSeeds() {
		if !bytes.Equal(repair(s), s) {
			t.Fatalf("seed %d changed", i)
		}
	}
	p := small()
	p.stored = true
	data := p.encode()
	i := bytes.Index(data, []byte("IDAT")) + 4 + 2 + 5 + 3 // a sample of the first row
	data[i] ^= 0x10
	if _, err := Decode(data, 1<<20); err == nil {
		t.Fatal("changed sample: no error")
	}
	same(t, repair(data))
}

// TestConcurrent decodes from several goroutines at once, sharing the pool
// of inflaters (run with -race).
func TestConcurrent(t *testing.T) {
	seeds := fuzzSeeds()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				data := seeds[(g+i)%len(seeds)]
				want, werr := reference(data)
				got, err := Decode(data, 1<<20)
				if werr != nil || err != nil {
					if !errors.Is(err, ErrUnsupported) {
						t.Errorf("seed %d: Decode: %v, image/png: %v", (g+i)%len(seeds), err, werr)
					}
					continue
				}
				if !bytes.Equal(got.Pix, want.Pix) {
					t.Errorf("seed %d differs", (g+i)%len(seeds))
				}
			}
		})
	}
	wg.Wait()
}
