package ingest

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/omr"
	"github.com/cardloop/cardloop/shared/scan"
)

// Objects reads scans from the bucket and keeps crops in it.
type Objects interface {
	// Get returns an object, or a *FileError with ReasonTooLarge when it
	// is over max bytes (checked before it is read).
	Get(ctx context.Context, key string, max int64) ([]byte, error)
	Put(ctx context.Context, key, contentType string, body []byte) error
}

// PageReader reads one scanned page (omr.Reader).
type PageReader interface {
	Read(img image.Image) (*omr.Page, error)
}

// SerialChecker verifies a card's signed serial (link.Signer).
type SerialChecker interface {
	CheckCard(c link.CardRef) error
}

// CardSubmitter stores a card (card.Service).
type CardSubmitter interface {
	Submit(ctx context.Context, sub card.Submission, m card.Meta) (card.Result, error)
}

// Store keeps reviews and what became of each page.
type Store interface {
	Store(ctx context.Context, id string) (brand.Store, error)
	// PutReview queues a review unless one for the card exists; it
	// reports whether it wrote one.
	PutReview(ctx context.Context, r scan.Review) (bool, error)
	// RecordPage writes (or overwrites) what became of one page.
	RecordPage(ctx context.Context, p scan.PageRecord) error
	// PrintBatch returns a print batch, or a fault.NotFound error (cards
	// printed before batches were recorded, or a forged serial).
	PrintBatch(ctx context.Context, id string) (scan.PrintBatch, error)
}

// Ingester reads uploaded scan files into cards and reviews.
type Ingester struct {
	objects Objects
	reader  PageReader
	serials SerialChecker
	cards   CardSubmitter
	store   Store
	log     *slog.Logger
	// Workers is how many pages are read at once: the cores the
	// function's memory gives it (Lambda: one vCPU per 1,769 MB), each
	// decoding and reading one page, so at most Workers pages are in
	// memory.
	Workers int

	batches sync.Map // batch id → scan.PrintBatch: a batch never changes once printed
}

// NewIngester returns an Ingester reading runtime.NumCPU() pages at once.
func NewIngester(objects Objects, reader PageReader, serials SerialChecker, cards CardSubmitter, store Store, log *slog.Logger) *Ingester {
	return &Ingester{objects: objects, reader: reader, serials: serials, cards: cards, store: store, log: log, Workers: runtime.NumCPU()}
}

// File reads every page of the scan file at key, uploaded at.
//
// Idempotent, so the at-least-once S3 event can arrive twice: a card is
// keyed by its serial (a second reading is a replay or a conflict, and
// adds nothing), a review is put only if absent, crops are overwritten
// with the same image, and page records are overwritten. An error is
// returned only when retrying may help (storage unavailable); a file or
// page that cannot be read is recorded with its reason and is not an error.
func (in *Ingester) File(ctx context.Context, key string, at time.Time) (scan.Report, error) {
	var rep scan.Report
	data, err := in.objects.Get(ctx, key, scan.MaxObject)
	var fe *scan.FileError
	if errors.As(err, &fe) {
		return rep, in.record(ctx, &rep, scan.PageRecord{Object: key, Status: scan.Rejected, Reason: fe.Reason, Detail: err.Error(), At: at})
	}
	if fault.CodeOf(err) == fault.NotFound { // deleted before it was read: nothing to retry
		return rep, in.record(ctx, &rep, scan.PageRecord{Object: key, Status: scan.Rejected, Reason: scan.ReasonGone, Detail: err.Error(), At: at})
	}
	if err != nil {
		return rep, fmt.Errorf("read scan %s: %w", key, err)
	}
	return in.Data(ctx, key, data, at)
}

// Data reads every page of a scan file already in memory, recorded under
// key (File's object, or an e-mail's attachment). Pages are read by
// in.Workers at once, and recorded in page order.
func (in *Ingester) Data(ctx context.Context, key string, data []byte, at time.Time) (scan.Report, error) {
	var rep scan.Report
	pages, err := OpenPages(data)
	var fe *scan.FileError
	if errors.As(err, &fe) {
		return rep, in.record(ctx, &rep, scan.PageRecord{Object: key, Status: scan.Rejected, Reason: fe.Reason, Detail: err.Error(), At: at})
	}
	if err != nil {
		return rep, err
	}
	type result struct {
		n   int
		rec scan.PageRecord
		err error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	todo, done := make(chan int), make(chan result)
	var wg sync.WaitGroup
	for range max(1, min(in.Workers, pages.N)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range todo {
				rec, err := in.readPage(ctx, pages, scan.PageRecord{Object: key, Page: n, At: at})
				done <- result{n, rec, err}
			}
		}()
	}
	go func() {
		defer close(todo)
		for n := 1; n <= pages.N; n++ {
			select {
			case todo <- n:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(done) }()
	// Records are written in page order: a page read early waits (as its
	// small record, its image already gone) for the pages before it.
	waiting, next := map[int]result{}, 1
	var failed error
	for r := range done {
		if failed != nil {
			continue // drain the workers
		}
		waiting[r.n] = r
		for ; waiting[next].n == next; next++ {
			r := waiting[next]
			delete(waiting, next)
			if r.err == nil {
				r.err = in.record(ctx, &rep, r.rec)
			}
			if r.err != nil {
				failed = r.err // storage or the bucket failed: the event is retried
				cancel()
				break
			}
		}
	}
	return rep, failed
}

// readPage decodes and reads page n; an error is one a retry may cure.
func (in *Ingester) readPage(ctx context.Context, pages *Pages, rec scan.PageRecord) (scan.PageRecord, error) {
	img, err := pages.Page(rec.Page)
	if err == nil {
		rec, err = in.page(ctx, rec, img)
	}
	if err == nil {
		return rec, nil
	}
	if omr.ErrorCode(err) == omr.CodeBlank || (omr.ErrorCode(err) == omr.CodeNoMarks && img != nil && Blank(img)) {
		// The back of a card from a duplex scanner: nothing to read.
		rec.Status, rec.Reason, rec.Detail = scan.Skipped, scan.ReasonBlank, ""
		return rec, nil
	}
	reason, ok := rejection(err)
	if !ok {
		return rec, err
	}
	rec.Status, rec.Reason, rec.Detail = scan.Rejected, reason, err.Error()
	return rec, nil
}

func (in *Ingester) record(ctx context.Context, rep *scan.Report, rec scan.PageRecord) error {
	rep.Pages++
	switch rec.Status {
	case scan.Stored:
		rep.Stored++
	case scan.Queued:
		rep.Queued++
	case scan.Duplicate:
		rep.Duplicates++
	case scan.Rejected:
		rep.Rejected++
	case scan.Skipped:
		rep.Skipped++
	}
	in.log.Info("scan page", "object", rec.Object, "page", rec.Page, "status", rec.Status, "reason", rec.Reason, "serial", rec.Serial, "card", rec.CardID)
	if err := in.store.RecordPage(ctx, rec); err != nil {
		return fmt.Errorf("record page %d of %s: %w", rec.Page, rec.Object, err)
	}
	return nil
}

// rejection names why a page was not read, and reports false for an error
// that is not the page's fault (a retry may succeed).
func rejection(err error) (string, bool) {
	var fe *scan.FileError
	if errors.As(err, &fe) {
		return fe.Reason, true
	}
	if code := omr.ErrorCode(err); code != "" {
		return code, true
	}
	if fault.CodeOf(err) == fault.NotFound {
		return scan.ReasonUnknownStore, true
	}
	return "", false
}

// page reads one page and stores its card or queues its review.
func (in *Ingester) page(ctx context.Context, rec scan.PageRecord, img image.Image) (scan.PageRecord, error) {
	p, err := in.reader.Read(img)
	if err != nil {
		return rec, err
	}
	ref, batch, err := in.identify(ctx, p)
	if err != nil {
		return rec, err
	}
	rec.StoreID, rec.Serial = ref.Store, ref.Serial
	st, err := in.store.Store(ctx, ref.Store)
	if err != nil {
		return rec, err
	}
	var menu *scan.Menu
	if batch != nil {
		menu = batch.Menu()
		st = menu.Apply(st) // the items the card was printed with, not today's
	}
	layout, err := cardlayout.Version(ref.Version)
	if err != nil {
		return rec, &scan.FileError{Reason: omr.CodeUnknownLayout, Err: err}
	}
	day, err := st.Today(rec.At)
	if err != nil {
		return rec, fmt.Errorf("scan page: %w", err)
	}
	prefix := scan.CropPrefix(st.ID, ref.Serial)
	crops := map[string]string{}
	for _, b := range p.Boxes {
		k := prefix + b.Name + ".png"
		if err := in.putCrop(ctx, k, b); err != nil {
			return rec, err
		}
		crops[b.Name] = k
	}
	answers := scan.Answers{}
	var questions []scan.Question
	for _, f := range p.Fields {
		if !f.Uncertain {
			answers[f.Name] = f.Value
			continue
		}
		q := scan.Question{Field: f.Name, Reason: f.Reason, Candidates: f.Candidates, Confidence: f.Confidence}
		if f.Kind == cardlayout.Digits {
			q.Candidates = nil // typed by the person, looking at the crop
		}
		if f.Crop != nil {
			q.Crop = prefix + "field-" + f.Name + ".png"
			if err := in.putCrop(ctx, q.Crop, omr.Crop{Name: f.Name, Image: f.Crop}); err != nil {
				return rec, err
			}
		}
		questions = append(questions, q)
	}
	visitDate := day.Format(time.DateOnly)
	if len(questions) == 0 {
		res, err := in.cards.Submit(ctx, scan.Submission(st, visitDate, answers), menu.Printed(scan.Meta(ref.Serial, rec.At)))
		switch {
		case err == nil && res.Created:
			rec.Status, rec.CardID = scan.Stored, res.Card.ID
			return rec, nil
		case err == nil:
			rec.Status, rec.CardID = scan.Duplicate, res.Card.ID
			return rec, nil
		case fault.CodeOf(err) == fault.Conflict:
			// Stored before with other answers: read from another scan, or
			// answered online with the card's QR code. The first stands.
			rec.Status, rec.CardID = scan.Duplicate, card.PrintedID(st.ID, ref.Serial)
			return rec, nil
		case fault.CodeOf(err) != fault.Invalid:
			return rec, err
		}
		// The card's rules refuse a value (no overall rating, a phone
		// number that is no number): a person looks at it.
		fe, _ := fault.As(err)
		for _, bad := range fe.Fields {
			name := scan.ReviewField(st, bad.Field)
			cands, cerr := scan.Candidates(layout, name)
			if cerr != nil {
				return rec, &scan.FileError{Reason: "invalid", Err: err} // a field no person can correct on this card
			}
			delete(answers, name)
			questions = append(questions, scan.Question{Field: name, Reason: "invalid", Candidates: cands})
		}
	}
	r := scan.Review{
		ID: scan.ReviewID(st.ID, ref.Serial), StoreID: st.ID, Serial: ref.Serial, Object: rec.Object, Page: rec.Page,
		VisitDate: visitDate, Answers: answers, Questions: questions, Crops: crops, Status: scan.Waiting, CreatedAt: rec.At,
		Confidence: math.Inf(1), Menu: menu,
	}
	for _, q := range questions {
		r.Confidence = min(r.Confidence, q.Confidence)
	}
	created, err := in.store.PutReview(ctx, r)
	if err != nil {
		return rec, err
	}
	rec.Status, rec.ReviewID = scan.Queued, r.ID
	if !created {
		rec.Status = scan.Duplicate
	}
	return rec, nil
}

// identify finds which card a page is: by its signed QR code, or, when
// only the redundant serial code was read (QR == ""), by its print batch,
// which names the store; the batch's existence and the card's number
// within it stand in for the signature. The batch is nil for a card
// printed before batches were recorded.
func (in *Ingester) identify(ctx context.Context, p *omr.Page) (link.CardRef, *scan.PrintBatch, error) {
	if p.QR == "" {
		id, n, err := scan.BatchOf(p.Serial)
		if err != nil {
			return link.CardRef{}, nil, &scan.FileError{Reason: scan.ReasonNotCard, Err: err}
		}
		b, err := in.printBatch(ctx, id)
		if fault.CodeOf(err) == fault.NotFound {
			return link.CardRef{}, nil, &scan.FileError{Reason: scan.ReasonUnknownBatch, Err: err}
		}
		if err != nil {
			return link.CardRef{}, nil, err
		}
		if n >= b.Count || (p.Version != 0 && p.Version != b.Version) {
			return link.CardRef{}, nil, &scan.FileError{Reason: scan.ReasonUnknownBatch, Err: fmt.Errorf("card %d (layout v%d) is not in batch %s of %d cards (v%d)", n, p.Version, id, b.Count, b.Version)}
		}
		return link.CardRef{Store: b.StoreID, Serial: p.Serial, Version: b.Version}, &b, nil
	}
	ref, err := link.ParseCardURL(p.QR)
	if err != nil {
		return ref, nil, &scan.FileError{Reason: scan.ReasonNotCard, Err: err}
	}
	if err := in.serials.CheckCard(ref); err != nil {
		return ref, nil, &scan.FileError{Reason: scan.ReasonBadSignature, Err: err}
	}
	id, _, err := scan.BatchOf(ref.Serial)
	if err != nil { // a signed serial of another form: no batch to read it by
		return ref, nil, nil
	}
	b, err := in.printBatch(ctx, id)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return ref, nil, nil // printed before batches were recorded: today's items
	case err != nil:
		return ref, nil, err
	case b.StoreID != ref.Store:
		return ref, nil, nil
	}
	return ref, &b, nil
}

func (in *Ingester) printBatch(ctx context.Context, id string) (scan.PrintBatch, error) {
	if b, ok := in.batches.Load(id); ok {
		return b.(scan.PrintBatch), nil
	}
	b, err := in.store.PrintBatch(ctx, id)
	if err != nil {
		return b, fmt.Errorf("print batch: %w", err)
	}
	in.batches.Store(id, b)
	return b, nil
}

func (in *Ingester) putCrop(ctx context.Context, key string, c omr.Crop) error {
	png, err := c.PNG()
	if err != nil {
		return err
	}
	if err := in.objects.Put(ctx, key, "image/png", png); err != nil {
		return fmt.Errorf("keep crop %s: %w", key, err)
	}
	return nil
}
