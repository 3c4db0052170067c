package omr

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"testing"

	"golang.org/x/image/tiff"
)

// tiffSamples are TIFFs as golang.org/x/image/tiff writes them: grey, RGB
// (from opaque RGBA), RGBA with premultiplied alpha and NRGBA with
// unassociated alpha, at sizes with odd widths.
func tiffSamples(tb testing.TB) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{}
	enc := func(name string, img image.Image) {
		var buf bytes.Buffer
		if err := tiff.Encode(&buf, img, nil); err != nil {
			tb.Fatal(err)
		}
		out[name] = buf.Bytes()
	}
	r := image.Rect(0, 0, 37, 21)
	g := image.NewGray(r)
	rgba := image.NewRGBA(r)
	trans := image.NewRGBA(r)
	nrgba := image.NewNRGBA(r)
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			v := byte(x*7 + y*13)
			g.SetGray(x, y, color.Gray{v})
			rgba.SetRGBA(x, y, color.RGBA{v, 255 - v, byte(x * 5), 255})
			a := byte(y * 12)
			trans.SetRGBA(x, y, color.RGBA{min(v, a), min(255-v, a), min(byte(x*5), a), a})
			nrgba.SetNRGBA(x, y, color.NRGBA{v, 255 - v, byte(x * 5), a})
		}
	}
	enc("grey", g)
	enc("rgb", rgba)
	enc("rgba premultiplied", trans)
	enc("nrgba", nrgba)
	return out
}

// TestTIFFReducedRegion: a 300 dpi TIFF is read halved, and its crops'
// region is read at full size, in the image's coordinates, only on the
// rows the rectangles cover.
func TestTIFFReducedRegion(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 2500, 41))
	for i := range src.Pix {
		src.Pix[i] = byte(i*31 + i/7)
	}
	var buf bytes.Buffer
	if err := tiff.Encode(&buf, src, nil); err != nil {
		t.Fatal(err)
	}
	m, ok := decodeTIFF(buf.Bytes(), decodeScale(2500, 41))
	rs, isReduced := m.(*reducedScan)
	if !ok || !isReduced {
		t.Fatalf("decodeTIFF: %T, %v; want a page read halved", m, ok)
	}
	sameGray(t, rs.Gray, boxReduce(toGray(src), 2))
	rects := []image.Rectangle{image.Rect(10, 5, 20, 9), image.Rect(2400, 30, 2600, 35)}
	img, err := rs.region(rects)
	if err != nil {
		t.Fatal(err)
	}
	if want := image.Rect(0, 5, 2500, 35); img.Bounds() != want {
		t.Errorf("region bounds %v, want %v", img.Bounds(), want)
	}
	for _, r := range rects {
		r = r.Intersect(src.Rect)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if got, want := img.(*image.Gray).GrayAt(x, y), src.GrayAt(x, y); got != want {
					t.Fatalf("region (%d, %d) = %v, want %v", x, y, got, want)
				}
			}
		}
	}
	if img, _ := rs.region([]image.Rectangle{image.Rect(3000, 50, 3010, 60)}); !img.Bounds().Empty() {
		t.Errorf("a rectangle outside the page: region %v, want empty", img.Bounds())
	}
	full, _ := rs.full()
	sameGray(t, full.(*image.Gray), toGray(src))
}

// TestTIFFGrayMatchesXImage: the fast path gives exactly what x/image/tiff
// and toGray give, and halved as it reads (odd sizes included) exactly
// what boxReduce gives of that.
func TestTIFFGrayMatchesXImage(t *testing.T) {
	for name, data := range tiffSamples(t) {
		t.Run(name, func(t *testing.T) {
			got, ok := tiffGray(data)
			if !ok {
				t.Fatal("not decoded")
			}
			img, err := tiff.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			want := toGray(img)
			sameGray(t, got, want)
			strips, ok := parseTIFFStrips(data)
			if !ok {
				t.Fatal("not parsed")
			}
			sameGray(t, strips.halved(), boxReduce(want, 2))
		})
	}
	// White is zero: the same grey file with the photometric tag changed
	// reads inverted.
	data := bytes.Clone(tiffSamples(t)["grey"])
	if !setTag(data, 262, 0) {
		t.Fatal("no photometric tag")
	}
	got, ok := tiffGray(data)
	if !ok {
		t.Fatal("white-is-zero: not decoded")
	}
	img, err := tiff.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	sameGray(t, got, toGray(img))
}

func sameGray(t *testing.T, got *image.Gray, want *gray) {
	t.Helper()
	if got.Rect.Dx() != want.w || got.Rect.Dy() != want.h {
		t.Fatalf("size %v, want %d×%d", got.Rect.Size(), want.w, want.h)
	}
	for y := 0; y < want.h; y++ {
		for x := 0; x < want.w; x++ {
			if g, w := got.GrayAt(x, y).Y, want.at(x, y); g != w {
				t.Fatalf("pixel (%d, %d) = %d, want %d", x, y, g, w)
			}
		}
	}
}

// setTag sets the SHORT value of a tag in the first directory of a
// little-endian TIFF.
func setTag(data []byte, tag uint16, v uint16) bool {
	bo := binary.LittleEndian
	ifd := int(bo.Uint32(data[4:]))
	n := int(bo.Uint16(data[ifd:]))
	for i := 0; i < n; i++ {
		e := data[ifd+2+12*i:]
		if bo.Uint16(e) == tag {
			bo.PutUint16(e[8:], v)
			return true
		}
	}
	return false
}

// TestTIFFGrayRefuses: what the fast path does not handle, or finds
// malformed, it leaves to x/image/tiff (false), without panicking.
func TestTIFFGrayRefuses(t *testing.T) {
	grey := tiffSamples(t)["grey"]
	compressed := bytes.Clone(grey)
	setTag(compressed, 259, 5) // LZW
	for name, data := range map[string][]byte{
		"empty":       nil,
		"header only": grey[:8],
		"truncated":   grey[:len(grey)/2],
		"LZW":         compressed,
		"not a TIFF":  []byte("GIF89a and then some more bytes"),
		"bad IFD":     append([]byte("II*\x00\xff\xff\xff\x7f"), grey[8:]...),
	} {
		if _, ok := tiffGray(data); ok {
			t.Errorf("%s: decoded", name)
		}
	}
}

// FuzzTIFFGray: never a panic; whatever the fast path decodes (of what
// passes Decode's header check), x/image/tiff decodes to the same grey.
func FuzzTIFFGray(f *testing.F) {
	for _, d := range tiffSamples(f) {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := tiff.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width*cfg.Height > 1<<20 {
			return // Decode refuses it before decoding (or it is slow)
		}
		got, ok := tiffGray(data)
		if !ok {
			return
		}
		img, err := tiff.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("decoded a file x/image/tiff refuses (%v)", err)
		}
		sameGray(t, got, toGray(img))
	})
}
