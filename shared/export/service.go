package export

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/i18n"
)

// cardReader reads a store's cards a page at a time (cardstore.Cards).
type cardReader interface {
	// CardsByStore returns a store's cards visited between q.From and q.To,
	// newest first; Page.Next is empty on the last page.
	CardsByStore(ctx context.Context, q card.StoreQuery) (card.Page, error)
}

// caseReader reads a store's cases a page at a time (casestore.Cases).
type caseReader interface {
	// CasesPage returns cases opened between two days (UTC), newest
	// first, and the cursor of the next page ("" on the last).
	CasesPage(ctx context.Context, storeID, from, to string, limit int, cursor string) ([]casework.Case, string, error)
}

// Recorder keeps the record of every export (exportstore.Exports).
type Recorder interface {
	// RecordExport stores one export's record.
	RecordExport(ctx context.Context, r Record) error
}

// Files keeps big exports and links to them (s3bucket.Uploads).
type Files interface {
	// Upload writes the object at key from body, read to its end; on any
	// error nothing is left at key.
	Upload(ctx context.Context, key, contentType string, body io.Reader) error
	// Link returns a URL that downloads key for ttl.
	Link(ctx context.Context, key, filename string, ttl time.Duration) (string, error)
}

// Record is what is kept of an export: who took what, when, how big. It
// holds no personal data, only whether the contact columns were in it.
type Record struct {
	ID       string    `json:"id" dynamodbav:"exportId"`
	StoreID  string    `json:"storeId" dynamodbav:"storeId"`
	Kind     string    `json:"kind" dynamodbav:"exportKind"`
	From     string    `json:"from" dynamodbav:"from"`
	To       string    `json:"to" dynamodbav:"to"`
	By       string    `json:"by" dynamodbav:"by"` // the staff member's e-mail (or subject)
	At       time.Time `json:"at" dynamodbav:"at"`
	Rows     int       `json:"rows" dynamodbav:"rows"` // data rows, the header not counted
	Bytes    int64     `json:"bytes" dynamodbav:"bytes"`
	Contacts bool      `json:"contacts" dynamodbav:"contacts"`
	Delivery string    `json:"delivery" dynamodbav:"delivery"` // Inline or Linked
}

// Deliveries.
const (
	Inline = "inline" // in the response
	Linked = "link"   // in the bucket, behind a short-lived link
)

// Limits decide when an export leaves the response for the bucket. The
// Lambda response limit is 6 MB; the API Gateway payload carries the body
// as a JSON string, so some escaping is added on the way.
type Limits struct {
	Bytes int64
	Rows  int
}

// DefaultLimits: about 5 MB or 20,000 rows inline, the rest by link.
var DefaultLimits = Limits{Bytes: 5 << 20, Rows: 20_000}

// LinkTTL is how long a download link works.
const LinkTTL = 15 * time.Minute

// Request asks for one export.
type Request struct {
	StoreID  string
	Items    []string // the store's rated items, in its order
	Kind     string   // Cards or Cases
	From, To string   // YYYY-MM-DD, inclusive
	By       string
	Contacts bool // SeesContacts
	Lang     i18n.Lang
}

// Result is a finished export: the CSV itself when small, else a link to
// it. The export is recorded before a Result is returned.
type Result struct {
	Record
	Filename string
	Body     []byte    // Inline
	Link     string    // Linked
	Expires  time.Time // Linked
}

// Service makes exports.
type Service struct {
	cards   cardReader
	cases   caseReader
	records Recorder
	files   Files
	now     func() time.Time
	newID   func() string
	limits  Limits
}

// NewService returns an export Service. newID names each export (unique).
func NewService(cards cardReader, cases caseReader, records Recorder, files Files, now func() time.Time, newID func() string) *Service {
	return &Service{cards: cards, cases: cases, records: records, files: files, now: now, newID: newID, limits: DefaultLimits}
}

// WithLimits sets when an export goes to the bucket (tests lower them).
func (s *Service) WithLimits(l Limits) *Service { s.limits = l; return s }

// Export writes the store's cards or cases of the range as CSV. Rows are
// written into memory until the export passes the limits; from then on
// everything, the part already written included, streams into the bucket
// (one pass over the table, at most Limits.Bytes in memory). The record is
// written once the CSV is complete, before the caller gets it: no export
// leaves unrecorded.
func (s *Service) Export(ctx context.Context, req Request) (Result, error) {
	at := s.now().UTC()
	res := Result{Record: Record{
		ID: s.newID(), StoreID: req.StoreID, Kind: req.Kind, From: req.From, To: req.To, By: req.By, At: at,
		Contacts: req.Contacts, Delivery: Inline,
	}}
	res.Filename = fmt.Sprintf("%s-%s-%s-%s.csv", req.StoreID, req.Kind, req.From, req.To)
	key := fmt.Sprintf("exports/%s/%s-%s-%s", req.StoreID, at.Format("20060102T150405Z"), res.ID, res.Filename)

	out := &sink{}
	defer out.abort()
	w := NewWriter(out)
	spill := func() error {
		if out.pipe != nil || (w.Bytes() <= s.limits.Bytes && w.Rows()-1 <= s.limits.Rows) {
			return nil
		}
		return out.toBucket(ctx, s.files, key)
	}
	var err error
	switch req.Kind {
	case Cards:
		err = s.writeCards(ctx, req, w, spill)
	case Cases:
		err = s.writeCases(ctx, req, w, spill)
	default:
		err = fmt.Errorf("export kind %q", req.Kind)
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = spill() // the last rows may have crossed the limit
	}
	if err != nil {
		return Result{}, fmt.Errorf("export %s of store %s: %w", req.Kind, req.StoreID, err)
	}
	res.Rows, res.Bytes = w.Rows()-1, w.Bytes()
	if out.pipe != nil {
		if err := out.finish(); err != nil {
			return Result{}, fmt.Errorf("export %s of store %s: upload %s: %w", req.Kind, req.StoreID, key, err)
		}
		res.Delivery = Linked
	}
	if err := s.records.RecordExport(ctx, res.Record); err != nil {
		return Result{}, fmt.Errorf("record export %s: %w", res.ID, err)
	}
	if res.Delivery == Inline {
		res.Body = out.buf.Bytes()
		return res, nil
	}
	res.Link, err = s.files.Link(ctx, key, res.Filename, LinkTTL)
	if err != nil {
		return Result{}, fmt.Errorf("link export %s: %w", res.ID, err)
	}
	res.Expires = at.Add(LinkTTL)
	return res, nil
}

// pageSize is how many items one read of the table returns (its maximum).
const pageSize = 200

func (s *Service) writeCards(ctx context.Context, req Request, w *Writer, spill func() error) error {
	cols := CardColumns(req.Items, req.Contacts)
	if err := w.Write(cols.Header(req.Lang)); err != nil {
		return err
	}
	q := card.StoreQuery{StoreID: req.StoreID, From: req.From, To: req.To, Limit: pageSize}
	for {
		page, err := s.cards.CardsByStore(ctx, q)
		if err != nil {
			return err
		}
		for _, c := range page.Cards {
			if err := w.Write(cols.CardRow(c)); err != nil {
				return err
			}
		}
		if err := spill(); err != nil {
			return err
		}
		if page.Next == "" {
			return nil
		}
		q.Cursor = page.Next
	}
}

func (s *Service) writeCases(ctx context.Context, req Request, w *Writer, spill func() error) error {
	cols := CaseColumns(req.Contacts)
	if err := w.Write(cols.Header(req.Lang)); err != nil {
		return err
	}
	cursor := ""
	for {
		cases, next, err := s.cases.CasesPage(ctx, req.StoreID, req.From, req.To, pageSize, cursor)
		if err != nil {
			return err
		}
		for _, k := range cases {
			if err := w.Write(cols.CaseRow(k)); err != nil {
				return err
			}
		}
		if err := spill(); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		cursor = next
	}
}

// sink holds an export in memory until it moves to the bucket; from then
// on it writes into the upload through a pipe.
type sink struct {
	buf  bytes.Buffer
	pipe *io.PipeWriter
	done chan error
}

func (s *sink) Write(p []byte) (int, error) {
	if s.pipe != nil {
		return s.pipe.Write(p)
	}
	return s.buf.Write(p)
}

// toBucket starts the upload and hands it what is written so far.
func (s *sink) toBucket(ctx context.Context, files Files, key string) error {
	pr, pw := io.Pipe()
	s.done = make(chan error, 1)
	go func() {
		err := files.Upload(ctx, key, "text/csv; charset=utf-8", pr)
		pr.CloseWithError(fmt.Errorf("upload stopped: %v", err)) // unblocks a writer if the upload gave up early
		s.done <- err
	}()
	s.pipe = pw
	_, err := pw.Write(s.buf.Bytes())
	s.buf = bytes.Buffer{}
	return err
}

// finish ends the body and waits for the upload.
func (s *sink) finish() error {
	s.pipe.Close()
	err := <-s.done
	s.pipe = nil
	return err
}

// abort stops an upload left unfinished by an error: the uploader sees the
// body fail and leaves nothing behind.
func (s *sink) abort() {
	if s.pipe == nil {
		return
	}
	s.pipe.CloseWithError(fmt.Errorf("export failed"))
	<-s.done
	s.pipe = nil
}
