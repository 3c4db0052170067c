package scans_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/aws/s3bucket"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/omr"
	"github.com/cardloop/cardloop/shared/omr/synth"
	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/scan/ingest"
	"github.com/cardloop/cardloop/shared/worker/scans"
)

// scanRig reads scans exactly as the ScanFunction does: the S3 event
// fixture, the real bucket and table in the emulator, the real reader.
type scanRig struct {
	env     testenv.Env
	db      *allstores.Stores
	bucket  *s3bucket.Bucket
	signer  *link.Signer
	handler *scans.Scan
	gen     *synth.Generator
	in      *ingest.Ingester
}

func newScanRig(t *testing.T) *scanRig {
	t.Helper()
	env := testenv.New(t)
	db := allstores.New(dynamodb.NewFromConfig(env.Config), env.Table())
	b := s3bucket.New(s3.NewFromConfig(env.Config, func(o *s3.Options) {
		o.UsePathStyle = true
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired // as ScanFunction's client
	}), env.Resources["ScanBucket"].Name)
	// A fixed key: the QR code carries the serial's signature, so a random
	// key would make every run's code different, and the reader misses a
	// few codes in a hundred (measured by the OMR corpus; the paper-cards
	// issue tracks them). This test is about storing a read card once.
	signer, err := link.NewSigner(bytes.Repeat([]byte{3}, 32), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	l := cardlayout.Current()
	reader := omr.NewCardReader()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	in := ingest.NewIngester(b, reader, signer, intake.NewService(db, db, time.Now), db, log)
	return &scanRig{env: env, db: db, bucket: b, signer: signer, gen: synth.New(&l), in: in,
		handler: scans.NewScan(func(string) scans.FileIngester { return in }, log)}
}

// card renders a paper card of S001 marked with answers (field → value;
// a second value for a field in double), as a 200-dpi PNG.
func (r *scanRig) card(t *testing.T, serial string, answers map[string]string, double map[string]string) []byte {
	t.Helper()
	c := synth.Card{N: 1, Serial: serial, QR: r.signer.CardURL("http://127.0.0.1:8080", "S001", serial, 1),
		Damage: synth.Damage{DPI: 200, Rotate: 1.5, Format: "png"}}
	mark := func(field, value string) {
		c.Marks = append(c.Marks, synth.Mark{Field: field, Value: value, Kind: synth.Fill, Darkness: 0.9, Seed: uint64(len(c.Marks))})
	}
	for f, v := range answers {
		mark(f, v)
	}
	for f, v := range double {
		mark(f, v)
	}
	s, err := r.gen.Render(c)
	if err != nil {
		t.Fatal(err)
	}
	return s.Data
}

// upload puts a file under scans/ and delivers the fixture's S3 event for it.
func (r *scanRig) upload(t *testing.T, key string, data []byte) error {
	t.Helper()
	if err := r.bucket.Put(context.Background(), key, "application/octet-stream", data); err != nil {
		t.Fatal(err)
	}
	return r.deliver(t, key)
}

func (r *scanRig) deliver(t *testing.T, key string) error {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.Root(), "events", "scan", "scan-uploaded.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.S3Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	ev.Records[0].S3.Bucket.Name = r.bucket.Name()
	ev.Records[0].S3.Object.Key = key
	return r.handler.Handle(context.Background(), ev)
}

func (r *scanRig) pages(t *testing.T, key string) []scan.PageRecord {
	t.Helper()
	ps, err := r.db.ScanPages(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// TestScannedCardStoredOnce: a marked paper card becomes a card with the
// marked values (source scan, keyed by its serial), its boxes are kept as
// images, and the same file delivered again, or scanned again, adds nothing.
func TestScannedCardStoredOnce(t *testing.T) {
	r := newScanRig(t)
	ctx := context.Background()
	answers := map[string]string{
		"ratings.item5": "1", "ratings.service": "4", "ratings.overall": "2", "nps": "3", "meal": "dinner",
		"firstVisit": "false", "visitCount": "3", "consent.contact": "true", "diner.language": "zh-TW",
	}
	data := r.card(t, "TESTCARDAAAAAAB", answers, nil)
	if err := r.upload(t, "scans/t/one.png", data); err != nil {
		t.Fatal(err)
	}
	ps := r.pages(t, "scans/t/one.png")
	if len(ps) != 1 || ps[0].Status != scan.Stored {
		t.Fatalf("pages: %+v, want one stored", ps)
	}
	c, err := r.db.Card(ctx, ps[0].CardID)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != card.PrintedID("S001", "TESTCARDAAAAAAB") || c.Source != card.SourceScan {
		t.Errorf("card %s source %s, want the serial's card from a scan", c.ID, c.Source)
	}
	if c.Ratings["main"] != 1 || c.Ratings["service"] != 4 || c.Ratings["overall"] != 2 || c.NPS == nil || *c.NPS != 3 || c.Meal != "dinner" {
		t.Errorf("card: ratings %v nps %v meal %q", c.Ratings, c.NPS, c.Meal)
	}
	for _, box := range []string{"diner.name", "comment", "consent.contact"} {
		crop, err := r.bucket.Get(ctx, scan.CropPrefix("S001", "TESTCARDAAAAAAB")+box+".png", 1<<20)
		if err != nil {
			t.Fatalf("crop %s: %v", box, err)
		}
		if _, err := png.Decode(bytes.NewReader(crop)); err != nil {
			t.Errorf("crop %s is no PNG: %v", box, err)
		}
	}

	// The same event again, and the same card in another file.
	if err := r.deliver(t, "scans/t/one.png"); err != nil {
		t.Fatal(err)
	}
	if err := r.upload(t, "scans/t/again.png", data); err != nil {
		t.Fatal(err)
	}
	if ps := r.pages(t, "scans/t/again.png"); len(ps) != 1 || ps[0].Status != scan.Duplicate || ps[0].CardID != c.ID {
		t.Errorf("re-scan: %+v, want a duplicate of %s", ps, c.ID)
	}
	page, err := r.db.CardsByStore(ctx, card.StoreQuery{StoreID: "S001", From: "2000-01-01", To: "2100-01-01", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Cards) != 1 {
		t.Errorf("cards at S001: %d, want 1", len(page.Cards))
	}
}

// TestDoubleMarkWaitsForReview: a rating marked twice is not guessed; the
// card waits in its store's queue with the field's crop, and no card is
// stored until a person decides.
func TestDoubleMarkWaitsForReview(t *testing.T) {
	r := newScanRig(t)
	ctx := context.Background()
	data := r.card(t, "TESTCARDAAAAAAC", map[string]string{"ratings.overall": "4", "ratings.service": "2"}, map[string]string{"ratings.service": "5"})
	if err := r.upload(t, "scans/t/double.png", data); err != nil {
		t.Fatal(err)
	}
	ps := r.pages(t, "scans/t/double.png")
	if len(ps) != 1 || ps[0].Status != scan.Queued {
		t.Fatalf("pages: %+v, want one queued", ps)
	}
	rs, err := r.db.Reviews(ctx, "S001", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || len(rs[0].Questions) != 1 || rs[0].Questions[0].Field != "ratings.service" || rs[0].Questions[0].Crop == "" {
		t.Fatalf("reviews: %+v, want one asking about ratings.service with its crop", rs)
	}
	if _, err := r.db.Card(ctx, card.PrintedID("S001", "TESTCARDAAAAAAC")); err == nil {
		t.Error("a card was stored before the review")
	}
	if err := r.deliver(t, "scans/t/double.png"); err != nil {
		t.Fatal(err)
	}
	if rs, _ := r.db.Reviews(ctx, "S001", 10); len(rs) != 1 {
		t.Errorf("reviews after a redelivery: %d, want 1", len(rs))
	}
}

// TestScansThatAreNotCards: each bad file is kept with its reason, and
// nothing else is written.
func TestScansThatAreNotCards(t *testing.T) {
	r := newScanRig(t)
	noise := image.NewGray(image.Rect(0, 0, 1165, 1654))
	_, _ = rand.Read(noise.Pix)
	var noisePNG bytes.Buffer
	if err := png.Encode(&noisePNG, noise); err != nil {
		t.Fatal(err)
	}
	other, _ := link.NewSigner(bytes.Repeat([]byte{7}, 32), time.Now)
	r2 := *r
	r2.signer = other
	forged := r2.card(t, "TESTCARDAAAAAAD", map[string]string{"ratings.overall": "1"}, nil)
	tests := []struct {
		name, key string
		data      []byte
		reason    string
	}{
		{"noise", "scans/t/noise.png", noisePNG.Bytes(), omr.CodeNoMarks},
		{"corrupt", "scans/t/corrupt.jpg", []byte("\xff\xd8\xff\xe0 not really a jpeg"), scan.ReasonCorrupt},
		{"empty PDF", "scans/t/empty.pdf", []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"), scan.ReasonEmpty},
		{"forged serial", "scans/t/forged.png", forged, scan.ReasonBadSignature},
		{"a 50 MB image", "scans/t/huge.png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 50<<20)...), scan.ReasonTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := r.upload(t, tt.key, tt.data); err != nil {
				t.Fatal(err)
			}
			ps := r.pages(t, tt.key)
			if len(ps) != 1 || ps[0].Status != scan.Rejected || ps[0].Reason != tt.reason {
				t.Errorf("pages: %+v, want one rejected for %s", ps, tt.reason)
			}
		})
	}
	if rs, _ := r.db.Reviews(context.Background(), "S001", 10); len(rs) != 0 {
		t.Errorf("reviews: %d, want none", len(rs))
	}
	if _, err := r.db.Card(context.Background(), card.PrintedID("S001", "TESTCARDAAAAAAD")); err == nil {
		t.Error("the forged card was stored")
	}
}
