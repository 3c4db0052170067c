package ingest_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/jpeg"
	"testing"

	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/scan/ingest"
	"github.com/cardloop/cardloop/shared/scan/scanfile"
)

// TestOpenPages: every page of a multi-page TIFF and of a PDF, each of its
// own size; a damaged TIFF is a corrupt file.
func TestOpenPages(t *testing.T) {
	sized := func(w int) *image.Gray { g := image.NewGray(image.Rect(0, 0, w, 90)); return g }
	three := scanfile.TIFF([]*image.Gray{sized(100), sized(110), sized(120)})
	looped := bytes.Clone(three)
	first := binary.LittleEndian.Uint32(looped[4:8])
	next := int(first) + 2 + 12*int(binary.LittleEndian.Uint16(looped[first:]))
	binary.LittleEndian.PutUint32(looped[next:], first) // page 1 → page 1
	var jpegs [][]byte
	for _, w := range []int{100, 110} {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, sized(w), nil); err != nil {
			t.Fatal(err)
		}
		jpegs = append(jpegs, b.Bytes())
	}
	pdf, err := scanfile.PDF(jpegs, 200)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		data   []byte
		widths []int
		reason string
	}{
		{"3-page TIFF", three, []int{100, 110, 120}, ""},
		{"1-page TIFF", scanfile.TIFF([]*image.Gray{sized(130)}), []int{130}, ""},
		{"2-page PDF", pdf, []int{100, 110}, ""},
		{"TIFF whose pages loop", looped, nil, scan.ReasonCorrupt},
		{"TIFF cut short", three[:len(three)-20], nil, scan.ReasonCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ingest.OpenPages(tt.data)
			var fe *scan.FileError
			if tt.reason != "" {
				if !errors.As(err, &fe) || fe.Reason != tt.reason {
					t.Fatalf("err %v, want %s", err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.N != len(tt.widths) {
				t.Fatalf("%d pages, want %d", p.N, len(tt.widths))
			}
			for i, w := range tt.widths {
				img, err := p.Page(i + 1)
				if err != nil || img.Bounds().Dx() != w {
					t.Errorf("page %d: %v, width %v, want %d", i+1, err, img, w)
				}
			}
		})
	}
}
