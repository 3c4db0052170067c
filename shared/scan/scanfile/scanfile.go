// Package scanfile writes the multi-page files office scanners make — a
// PDF of JPEG pages, a multi-page TIFF — from page images, for tests,
// benchmarks and the README's sample scan.
package scanfile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
)

// PDF returns a PDF with one page per JPEG, each page the image's size at
// dpi (as a scanner writes it: one DCT-encoded image drawn over the page).
func PDF(jpegs [][]byte, dpi float64) ([]byte, error) {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string, stream []byte) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s", len(offsets), body)
		if stream != nil {
			b.WriteString("\nstream\n")
			b.Write(stream)
			b.WriteString("\nendstream")
		}
		b.WriteString("\nendobj\n")
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	n := len(jpegs)
	kids := ""
	for i := range n {
		kids += fmt.Sprintf("%d 0 R ", 3+3*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids, n), nil)
	for i, j := range jpegs {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(j))
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", i+1, err)
		}
		cs := "/DeviceRGB"
		if cfg.ColorModel == color.GrayModel {
			cs = "/DeviceGray"
		}
		w, h := float64(cfg.Width)*72/dpi, float64(cfg.Height)*72/dpi
		img, content := 4+3*i, 5+3*i
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << /Im%d %d 0 R >> >> /Contents %d 0 R >>", w, h, i, img, content), nil)
		obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>", cfg.Width, cfg.Height, cs, len(j)), j)
		draw := fmt.Sprintf("q %.2f 0 0 %.2f 0 0 cm /Im%d Do Q", w, h, i)
		obj(fmt.Sprintf("<< /Length %d >>", len(draw)), []byte(draw))
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes(), nil
}

// TIFF returns an uncompressed 8-bit grey TIFF with one image file
// directory per page, chained in order.
func TIFF(pages []*image.Gray) []byte {
	le := binary.LittleEndian
	var b bytes.Buffer
	b.WriteString("II*\x00\x00\x00\x00\x00") // the first IFD's offset is patched below
	prevNext := 4                            // where the previous pointer to the next IFD is
	for _, p := range pages {
		w, h := p.Rect.Dx(), p.Rect.Dy()
		pixOff := b.Len()
		for y := range h {
			b.Write(p.Pix[y*p.Stride : y*p.Stride+w])
		}
		if b.Len()%2 == 1 {
			b.WriteByte(0)
		}
		ifd := b.Len()
		out := b.Bytes()
		le.PutUint32(out[prevNext:], uint32(ifd))
		entries := [][3]uint32{ // tag, type (3 short, 4 long), value
			{256, 4, uint32(w)}, {257, 4, uint32(h)}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
			{273, 4, uint32(pixOff)}, {277, 3, 1}, {278, 4, uint32(h)}, {279, 4, uint32(w * h)},
		}
		var e [12]byte
		le.PutUint16(e[:2], uint16(len(entries)))
		b.Write(e[:2])
		for _, en := range entries {
			le.PutUint16(e[0:], uint16(en[0]))
			le.PutUint16(e[2:], uint16(en[1]))
			le.PutUint32(e[4:], 1)
			le.PutUint32(e[8:], 0)
			if en[1] == 3 {
				le.PutUint16(e[8:], uint16(en[2]))
			} else {
				le.PutUint32(e[8:], en[2])
			}
			b.Write(e[:])
		}
		prevNext = b.Len()
		b.Write([]byte{0, 0, 0, 0})
	}
	return b.Bytes()
}
