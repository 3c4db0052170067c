package scans_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/cardprint"
	"github.com/cardloop/cardloop/shared/omr"
	"github.com/cardloop/cardloop/shared/omr/synth"
	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/scan/paper"
	"github.com/cardloop/cardloop/shared/scan/scanfile"
)

// printBatch records a print batch of count cards of store, printed with
// items, as the console's Print does.
func (r *scanRig) printBatch(t *testing.T, storeID string, items []string, count int) cardprint.Batch {
	t.Helper()
	st, err := r.db.Store(context.Background(), storeID)
	if err != nil {
		t.Fatal(err)
	}
	if items != nil {
		st.Items = items
	}
	b, err := cardprint.NewBatch(time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.db.PutPrintBatch(context.Background(), paper.PrintBatch(st, cardlayout.CurrentVersion, b, count)); err != nil {
		t.Fatal(err)
	}
	return b
}

// page renders a card of store marked with answers, as a 200-dpi grey
// image (decoded, for the caller to pack into a PDF or TIFF).
func (r *scanRig) page(t *testing.T, storeID, serial string, answers map[string]string) *image.Gray {
	t.Helper()
	c := synth.Card{N: len(serial), Serial: serial, QR: r.signer.CardURL("http://127.0.0.1:8080", storeID, serial, cardlayout.CurrentVersion),
		Damage: synth.Damage{DPI: 200, Rotate: 0.8, Format: "png"}}
	for f, v := range answers {
		c.Marks = append(c.Marks, synth.Mark{Field: f, Value: v, Kind: synth.Fill, Darkness: 0.9, Seed: uint64(len(c.Marks))})
	}
	s, err := r.gen.Render(c)
	if err != nil {
		t.Fatal(err)
	}
	img, err := omr.DecodeBytes(s.Data)
	if err != nil {
		t.Fatal(err)
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
	return g
}

// blankBack is the back of a card as a duplex scanner sees it: off-white
// paper with sensor noise and a few specks of dust.
func blankBack(seed uint64) *image.Gray {
	rng := mrand.New(mrand.NewPCG(seed, 1))
	g := image.NewGray(image.Rect(0, 0, 1165, 1654))
	for i := range g.Pix {
		g.Pix[i] = uint8(238 + rng.IntN(8))
	}
	for range 12 {
		x, y := rng.IntN(1150), rng.IntN(1640)
		for dy := range 3 {
			for dx := range 3 {
				g.Pix[(y+dy)*g.Stride+x+dx] = 70
			}
		}
	}
	return g
}

func jpegOf(t *testing.T, g *image.Gray) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, g, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func statuses(ps []scan.PageRecord) map[string]int {
	out := map[string]int{}
	for _, p := range ps {
		out[p.Status+" "+p.Reason]++
	}
	return out
}

// TestDuplexBatchPDF: a duplex scan of 20 cards of two stores, each
// followed by its blank back, is 20 cards and 20 skipped pages, no errors.
func TestDuplexBatchPDF(t *testing.T) {
	r := newScanRig(t)
	ctx := context.Background()
	stores := []string{"S001", "S002"}
	batches := map[string]cardprint.Batch{}
	for _, s := range stores {
		batches[s] = r.printBatch(t, s, nil, 10)
	}
	var jpegs [][]byte
	var want []string
	for i := range 20 {
		st := stores[i%2]
		serial := batches[st].Serial(i / 2)
		want = append(want, card.PrintedID(st, serial))
		jpegs = append(jpegs, jpegOf(t, r.page(t, st, serial, map[string]string{"ratings.overall": fmt.Sprint(1 + i%5), "ratings.service": "4"})), jpegOf(t, blankBack(uint64(i))))
	}
	pdf, err := scanfile.PDF(jpegs, 200)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.upload(t, "scans/t/duplex.pdf", pdf); err != nil {
		t.Fatal(err)
	}
	ps := r.pages(t, "scans/t/duplex.pdf")
	if got := statuses(ps); len(ps) != 40 || got[scan.Stored+" "] != 20 || got[scan.Skipped+" "+scan.ReasonBlank] != 20 {
		t.Fatalf("pages: %v, want 20 stored and 20 blank backs skipped", got)
	}
	for i, id := range want {
		c, err := r.db.Card(ctx, id)
		if err != nil {
			t.Fatalf("card %d: %v", i, err)
		}
		if c.Ratings["overall"] != 1+i%5 {
			t.Errorf("card %d: overall %d, want %d", i, c.Ratings["overall"], 1+i%5)
		}
		if p := ps[2*i]; p.CardID != id {
			t.Errorf("page %d: card %s, want %s (pages out of order?)", p.Page, p.CardID, id)
		}
	}
}

// TestMultiPageTIFF: every page of a 3-page TIFF is read.
func TestMultiPageTIFF(t *testing.T) {
	r := newScanRig(t)
	b := r.printBatch(t, "S001", nil, 3)
	var pages []*image.Gray
	for i := range 3 {
		pages = append(pages, r.page(t, "S001", b.Serial(i), map[string]string{"ratings.overall": "5"}))
	}
	if err := r.upload(t, "scans/t/three.tif", scanfile.TIFF(pages)); err != nil {
		t.Fatal(err)
	}
	ps := r.pages(t, "scans/t/three.tif")
	if got := statuses(ps); len(ps) != 3 || got[scan.Stored+" "] != 3 {
		t.Fatalf("pages: %+v, want 3 stored", ps)
	}
	for i, p := range ps {
		if p.Serial != b.Serial(i) {
			t.Errorf("page %d: serial %s, want %s", p.Page, p.Serial, b.Serial(i))
		}
	}
}

// TestCardKeepsPrintedItems: S001 changed its items after printing; a card
// printed before the change keeps its answers under the items it was
// printed with, and one printed after uses the new ones.
func TestCardKeepsPrintedItems(t *testing.T) {
	r := newScanRig(t)
	ctx := context.Background()
	st, err := r.db.Store(ctx, "S001")
	if err != nil {
		t.Fatal(err)
	}
	old := []string{"focaccia", "minestrone"}
	before := r.printBatch(t, "S001", old, 5)
	after := r.printBatch(t, "S001", nil, 5)
	tests := []struct {
		name   string
		serial string
		want   string // the item rated 5
		not    string
	}{
		{"printed before the change", before.Serial(1), "focaccia", st.Items[0]},
		{"printed after the change", after.Serial(1), st.Items[0], "focaccia"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "scans/t/" + tt.serial + ".png"
			g := r.page(t, "S001", tt.serial, map[string]string{"ratings.item1": "5", "ratings.overall": "3"})
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, g, nil); err != nil {
				t.Fatal(err)
			}
			if err := r.upload(t, key, buf.Bytes()); err != nil {
				t.Fatal(err)
			}
			if ps := r.pages(t, key); len(ps) != 1 || ps[0].Status != scan.Stored {
				t.Fatalf("pages %+v, want one stored", ps)
			}
			c, err := r.db.Card(ctx, card.PrintedID("S001", tt.serial))
			if err != nil {
				t.Fatal(err)
			}
			if _, has := c.Ratings[tt.not]; c.Ratings[tt.want] != 5 || has {
				t.Errorf("ratings %v, want %s 5 and no %s", c.Ratings, tt.want, tt.not)
			}
		})
	}
}

// TestCardWithoutQRStoredUnderSerial: a card whose QR code is blacked out
// (a coffee ring, a torn corner) is identified by its printed ID code, its
// store taken from the print batch, and stored under its serial like any
// other card; a serial of a batch never recorded is refused, not guessed.
func TestCardWithoutQRStoredUnderSerial(t *testing.T) {
	r := newScanRig(t)
	ctx := context.Background()
	printed := r.printBatch(t, "S002", nil, 3)
	unknown, err := cardprint.NewBatch(time.Now().Add(-time.Hour), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	l := cardlayout.Current()
	tests := []struct {
		name   string
		serial string
		want   string // the page's status
	}{
		{"printed and recorded", printed.Serial(2), scan.Stored},
		{"a batch never recorded", unknown.Serial(0), scan.Rejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := r.page(t, "S002", tt.serial, map[string]string{"ratings.overall": "4", "ratings.item1": "5"})
			// Paint the QR code and a margin around it black: the page is
			// scanned at 200 dpi, turned 0.8°, on a card of no margin.
			ppm := 200 / 25.4
			for y := int((l.QR.Y - 3) * ppm); y < int((l.QR.Y+l.QR.H+3)*ppm); y++ {
				for x := int((l.QR.X - 3) * ppm); x < int((l.QR.X+l.QR.W+3)*ppm); x++ {
					g.Pix[y*g.Stride+x] = 0
				}
			}
			if p, err := omr.NewCardReader().Read(g); err != nil || p.QR != "" || p.Serial != tt.serial {
				t.Fatalf("the reader: %v (want the page identified by its ID code alone, serial %s)", err, tt.serial)
			}
			key := "scans/noqr/" + tt.serial + ".jpg"
			if err := r.upload(t, key, jpegOf(t, g)); err != nil {
				t.Fatal(err)
			}
			ps := r.pages(t, key)
			if len(ps) != 1 || ps[0].Status != tt.want {
				t.Fatalf("pages %+v, want one %s", ps, tt.want)
			}
			c, err := r.db.Card(ctx, card.PrintedID("S002", tt.serial))
			if tt.want != scan.Stored {
				if err == nil {
					t.Errorf("a card %s was stored from a serial no batch printed", c.ID)
				}
				return
			}
			if err != nil {
				t.Fatalf("the card of serial %s: %v", tt.serial, err)
			}
			if c.StoreID != "S002" || c.Ratings["overall"] != 4 {
				t.Errorf("card %+v, want S002's with overall 4", c)
			}
		})
	}
}
