package ingest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/cardprint"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/omr"
	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/scan/ingest"
	"github.com/cardloop/cardloop/shared/scan/paper"
	"github.com/cardloop/cardloop/shared/scan/scanfile"
)

// memStore is the table, in memory (safe for the ingester's workers).
type memStore struct {
	mu      sync.Mutex
	stores  map[string]brand.Store
	batches map[string]scan.PrintBatch
	pages   map[int]scan.PageRecord
	order   []int
	reviews map[string]scan.Review
}

func newMemStore(st ...brand.Store) *memStore {
	m := &memStore{stores: map[string]brand.Store{}, batches: map[string]scan.PrintBatch{}, pages: map[int]scan.PageRecord{}, reviews: map[string]scan.Review{}}
	for _, s := range st {
		m.stores[s.ID] = s
	}
	return m
}

func (m *memStore) Store(_ context.Context, id string) (brand.Store, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.stores[id]
	if !ok {
		return st, fault.New(fault.NotFound, "no store")
	}
	return st, nil
}

func (m *memStore) PutReview(_ context.Context, r scan.Review) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.reviews[r.ID]; ok {
		return false, nil
	}
	m.reviews[r.ID] = r
	return true, nil
}

func (m *memStore) RecordPage(_ context.Context, p scan.PageRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pages[p.Page] = p
	m.order = append(m.order, p.Page)
	return nil
}

func (m *memStore) PrintBatch(_ context.Context, id string) (scan.PrintBatch, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.batches[id]
	if !ok {
		return b, fault.New(fault.NotFound, "no batch")
	}
	return b, nil
}

type memObjects struct{ data map[string][]byte }

func (o *memObjects) Get(_ context.Context, key string, _ int64) ([]byte, error) {
	d, ok := o.data[key]
	if !ok {
		return nil, fault.New(fault.NotFound, "no object")
	}
	return d, nil
}
func (o *memObjects) Put(context.Context, string, string, []byte) error { return nil }

type memCards struct {
	mu   sync.Mutex
	subs []card.Submission
}

func (c *memCards) Submit(_ context.Context, sub card.Submission, m card.Meta) (card.Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.subs = append(c.subs, sub)
	return card.Result{Card: card.Card{ID: card.PrintedID(sub.StoreID, m.Serial)}, Created: true}, nil
}

// fakeReader reads a page by its grey level: each page of the test files is
// a flat image whose level says what the reader "finds" on it.
type fakeReader struct {
	pages map[uint8]func() (*omr.Page, error)
}

func (f fakeReader) Read(img image.Image) (*omr.Page, error) {
	lvl := color.GrayModel.Convert(img.At(img.Bounds().Dx()/2, img.Bounds().Dy()/2)).(color.Gray).Y
	fn, ok := f.pages[lvl]
	if !ok {
		return nil, &omr.Error{Code: omr.CodeNoMarks}
	}
	return fn()
}

func flat(level uint8) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, 120, 170))
	for i := range g.Pix {
		g.Pix[i] = level
	}
	return g
}

var (
	signer, _ = link.NewSigner(bytes.Repeat([]byte{3}, 32), time.Now)
	// S001 as printed, and as it is today: its menu changed since.
	printed = brand.Store{ID: "S001", TimeZone: "Asia/Taipei", Items: []string{"bread", "soup"}, MainCourses: []string{"ribeye", "filet"}}
	today   = brand.Store{ID: "S001", TimeZone: "Asia/Taipei", Items: []string{"pizza", "pasta", "tiramisu"}, MainCourses: []string{"margherita"}}
)

func answered(f ...omr.Field) *omr.Page {
	return &omr.Page{Fields: append([]omr.Field{{Name: "ratings.overall", Value: "4", Confidence: 1}}, f...)}
}

// TestIngestPages: what each kind of page becomes, read by a fake reader.
func TestIngestPages(t *testing.T) {
	batch, err := cardprint.NewBatch(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pb := paper.PrintBatch(printed, cardlayout.CurrentVersion, batch, 20)
	withQR := func(n int) *omr.Page {
		p := answered(omr.Field{Name: "ratings.item1", Value: "5", Confidence: 1}, omr.Field{Name: "mainCourse", Value: "2", Confidence: 1})
		p.QR = signer.CardURL("https://x.test", "S001", batch.Serial(n), cardlayout.CurrentVersion)
		return p
	}
	serialOnly := func(serial string) func() (*omr.Page, error) {
		return func() (*omr.Page, error) {
			p := answered(omr.Field{Name: "ratings.item2", Value: "3", Confidence: 1})
			p.Serial, p.Version = serial, cardlayout.CurrentVersion
			return p, nil
		}
	}
	other, _ := cardprint.NewBatch(time.Date(2026, 10, 2, 9, 0, 0, 0, time.UTC), rand.Reader)
	tests := []struct {
		name      string
		read      func() (*omr.Page, error)
		batch     bool // the print batch is recorded
		status    string
		reason    string
		wantItems map[string]int // the stored card's ratings
		course    string
	}{
		{"blank back (reader says blank)", func() (*omr.Page, error) { return nil, &omr.Error{Code: omr.CodeBlank} }, true, scan.Skipped, scan.ReasonBlank, nil, ""},
		{"not a card", func() (*omr.Page, error) { return nil, &omr.Error{Code: omr.CodeNoMarks} }, true, scan.Rejected, omr.CodeNoMarks, nil, ""},
		{"printed before a menu change", func() (*omr.Page, error) { return withQR(3), nil }, true, scan.Stored, "", map[string]int{"bread": 5, "overall": 4}, "filet"},
		{"printed before batches were recorded", func() (*omr.Page, error) { return withQR(3), nil }, false, scan.Stored, "", map[string]int{"pizza": 5, "overall": 4}, ""},
		{"QR unreadable, serial read", serialOnly(batch.Serial(7)), true, scan.Stored, "", map[string]int{"soup": 3, "overall": 4}, ""},
		{"QR unreadable, card beyond the batch", serialOnly(batch.Serial(20)), true, scan.Rejected, scan.ReasonUnknownBatch, nil, ""},
		{"QR unreadable, unknown batch", serialOnly(other.Serial(1)), true, scan.Rejected, scan.ReasonUnknownBatch, nil, ""},
		{"QR unreadable, serial garbled", serialOnly("NOT A SERIAL"), true, scan.Rejected, scan.ReasonNotCard, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, cards := newMemStore(today), &memCards{}
			if tt.batch {
				db.batches[pb.ID] = pb
			}
			img := flat(100)
			var j bytes.Buffer
			if err := jpeg.Encode(&j, img, nil); err != nil {
				t.Fatal(err)
			}
			objs := &memObjects{data: map[string][]byte{"scans/a.jpg": j.Bytes()}}
			in := ingest.NewIngester(objs, fakeReader{map[uint8]func() (*omr.Page, error){100: tt.read}}, signer, cards, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
			rep, err := in.File(context.Background(), "scans/a.jpg", time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			got := db.pages[1]
			if got.Status != tt.status || got.Reason != tt.reason {
				t.Fatalf("page: %s %s (%s), want %s %s", got.Status, got.Reason, got.Detail, tt.status, tt.reason)
			}
			if tt.status == scan.Skipped && (rep.Skipped != 1 || rep.Rejected != 0) {
				t.Errorf("report %+v, want one skipped", rep)
			}
			if tt.wantItems == nil {
				if len(cards.subs) != 0 {
					t.Errorf("stored %+v", cards.subs)
				}
				return
			}
			if len(cards.subs) != 1 || fmt.Sprint(cards.subs[0].Ratings) != fmt.Sprint(tt.wantItems) || cards.subs[0].MainCourse != tt.course || got.StoreID != "S001" {
				t.Errorf("stored %+v, want ratings %v course %q at S001", cards.subs, tt.wantItems, tt.course)
			}
		})
	}
}

// TestIngestPageOrder: the pages of a multi-page file are read by several
// workers but recorded in page order, every one of them; blank backs are
// skipped, by the reader's word or by the ingester's own blank check.
func TestIngestPageOrder(t *testing.T) {
	var imgs []*image.Gray
	reads := map[uint8]func() (*omr.Page, error){}
	for n := range 40 {
		lvl := uint8(10 + n)
		imgs = append(imgs, flat(lvl))
		reads[lvl] = func() (*omr.Page, error) { return nil, &omr.Error{Code: omr.CodeNoQR, Detail: fmt.Sprint(n + 1)} }
	}
	imgs[4] = flat(250) // no reading: the reader says no_marks; blank paper
	reads[60] = func() (*omr.Page, error) { return nil, &omr.Error{Code: omr.CodeBlank} }
	imgs[9] = flat(60)
	db := newMemStore(today)
	in := ingest.NewIngester(&memObjects{data: map[string][]byte{"scans/b.tif": scanfile.TIFF(imgs)}}, fakeReader{reads}, signer, &memCards{}, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	in.Workers = 4
	rep, err := in.File(context.Background(), "scans/b.tif", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Pages != 40 || rep.Skipped != 2 || rep.Rejected != 38 {
		t.Errorf("report %+v, want 40 pages, 2 skipped, 38 rejected", rep)
	}
	want := make([]int, 40)
	for i := range want {
		want[i] = i + 1
	}
	if !slices.Equal(db.order, want) {
		t.Errorf("recorded in order %v", db.order)
	}
	for n, p := range db.pages {
		if p.Status == scan.Rejected && p.Detail != fmt.Sprintf("omr: no_qr: %d", n) {
			t.Errorf("page %d has the reading %q", n, p.Detail)
		}
	}
	if db.pages[5].Status != scan.Skipped || db.pages[10].Status != scan.Skipped {
		t.Errorf("pages 5 and 10: %+v %+v, want skipped", db.pages[5], db.pages[10])
	}
}
