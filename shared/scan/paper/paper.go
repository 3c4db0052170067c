package paper

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/cardprint"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/scan"
)

// MaxConsolePrint is the most cards printed per console download, and
// MaxConsoleUpload the largest scan uploaded through the console: a
// function's answer and request are at most 6 MB (base64 on the way).
// Bigger batches go through `cardloop cards print` and the bucket itself.
const (
	MaxConsolePrint  = 100
	MaxConsoleUpload = 4 << 20
)

// PaperStore is what printing and uploading read.
type PaperStore interface {
	Store(ctx context.Context, id string) (brand.Store, error)
	ScanPages(ctx context.Context, object string) ([]scan.PageRecord, error)
	// PutPrintBatch records what a batch of cards was printed with.
	PutPrintBatch(ctx context.Context, b scan.PrintBatch) error
}

// Objects takes uploaded scans into the bucket (s3bucket.Bucket).
type Objects interface {
	Put(ctx context.Context, key, contentType string, body []byte) error
}

// CardSigner signs the serial in each printed card's QR code (link.Signer).
type CardSigner interface {
	CardURL(base, store, serial string, version int) string
}

// Paper is the console's side of paper cards: printing a store's cards,
// uploading scans into the bucket (where the bucket's event reads them),
// and what became of an upload.
type Paper struct {
	store   PaperStore
	objects Objects
	signer  CardSigner
	baseURL string
	now     func() time.Time
}

// NewPaper returns a Paper.
func NewPaper(store PaperStore, objects Objects, signer CardSigner, baseURL string, now func() time.Time) *Paper {
	return &Paper{store: store, objects: objects, signer: signer, baseURL: baseURL, now: now}
}

// Print writes a PDF of count cards for the store to w.
func (p *Paper) Print(ctx context.Context, storeID string, count int, w io.Writer) ([]string, error) {
	if count < 1 || count > MaxConsolePrint {
		return nil, &fault.Error{Code: fault.Invalid, Message: fmt.Sprintf("Print 1 to %d cards at a time here.", MaxConsolePrint),
			Fields: []fault.FieldError{{Field: "count", Rule: "range"}}}
	}
	st, err := p.store.Store(ctx, storeID)
	if err != nil {
		return nil, err
	}
	font, err := cardFont()
	if err != nil {
		return nil, err
	}
	batch, err := cardprint.NewBatch(p.now(), rand.Reader)
	if err != nil {
		return nil, err
	}
	layout := cardlayout.Current()
	// The batch is recorded before the PDF is written: a card that is
	// printed can always be read by the menu it was printed with.
	if err := p.store.PutPrintBatch(ctx, PrintBatch(st, layout.Version, batch, count)); err != nil {
		return nil, err
	}
	return cardprint.Cards(w, cardprint.Options{Store: st, Count: count, Layout: layout, BaseURL: p.baseURL, Signer: p.signer, Font: font, Batch: batch})
}

// PrintBatch describes count cards of st printed in batch with layout
// version, for the scan of each to be read by the items it was printed
// with.
func PrintBatch(st brand.Store, version int, batch cardprint.Batch, count int) scan.PrintBatch {
	b, err := scan.NewPrintBatch(st, version, batch.Serial(0), count)
	if err != nil {
		panic(err) // cardprint's serials always parse (TestPrintBatch)
	}
	return b
}

// cardFont is read once (4 MB) by the first print, not at start-up: the
// console's other pages never need it.
var cardFont = sync.OnceValues(func() ([]byte, error) { return cardprint.LoadFont(fontPath()) })

// fontPath is the card font: beside the function's binary when the build
// put it there (Lambda), else where cardprint looks.
func fontPath() string {
	if exe, err := os.Executable(); err == nil {
		if f := filepath.Join(filepath.Dir(exe), "card-font.ttf"); fileExists(f) {
			return f
		}
	}
	return cardprint.FontPath()
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Upload puts a scan file into the bucket under scans/, where the bucket's
// event reads it, and returns its key.
func (p *Paper) Upload(ctx context.Context, storeID, name string, data []byte) (string, error) {
	if _, err := p.store.Store(ctx, storeID); err != nil {
		return "", err
	}
	if len(data) == 0 {
		return "", &fault.Error{Code: fault.Invalid, Message: "The file is empty.", Fields: []fault.FieldError{{Field: "file", Rule: "required"}}}
	}
	name = strings.Trim(unsafeName.ReplaceAllString(path.Base(name), "-"), "-.")
	if name == "" {
		name = "scan"
	}
	key := fmt.Sprintf("scans/%s/%s/%d-%s", p.now().UTC().Format(time.DateOnly), storeID, p.now().UnixNano(), name)
	if err := p.objects.Put(ctx, key, "application/octet-stream", data); err != nil {
		return "", err
	}
	return key, nil
}

// Pages returns what became of an uploaded file's pages (none yet while it
// is being read). Only the console's own uploads for the store are asked.
func (p *Paper) Pages(ctx context.Context, storeID, key string) ([]scan.PageRecord, error) {
	if !strings.HasPrefix(key, "scans/") || !strings.Contains(key, "/"+storeID+"/") {
		return nil, fault.New(fault.NotFound, "There is no upload %q for store %s.", key, storeID)
	}
	return p.store.ScanPages(ctx, key)
}
