package ingest

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"math"
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
}

// Ingester reads uploaded scan files into cards and reviews.
type Ingester struct {
	objects Objects
	reader  PageReader
	serials SerialChecker
	cards   CardSubmitter
	store   Store
	log     *slog.Logger
}

// NewIngester returns an Ingester.
func NewIngester(objects Objects, reader PageReader, serials SerialChecker, cards CardSubmitter, store Store, log *slog.Logger) *Ingester {
	return &Ingester{objects: objects, reader: reader, serials: serials, cards: cards, store: store, log: log}
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
	err = EachPage(data, func(page int, img image.Image, err error) error {
		rec := scan.PageRecord{Object: key, Page: page, At: at}
		if err == nil {
			rec, err = in.page(ctx, rec, img)
		}
		if err != nil {
			reason, ok := rejection(err)
			if !ok {
				return err // storage or the bucket failed: the event is retried
			}
			rec.Status, rec.Reason, rec.Detail = scan.Rejected, reason, err.Error()
		}
		return in.record(ctx, &rep, rec)
	})
	if errors.As(err, &fe) {
		return rep, in.record(ctx, &rep, scan.PageRecord{Object: key, Status: scan.Rejected, Reason: fe.Reason, Detail: err.Error(), At: at})
	}
	return rep, err
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
	ref, err := link.ParseCardURL(p.QR)
	if err != nil {
		return rec, &scan.FileError{Reason: scan.ReasonNotCard, Err: err}
	}
	rec.StoreID, rec.Serial = ref.Store, ref.Serial
	if err := in.serials.CheckCard(ref); err != nil {
		return rec, &scan.FileError{Reason: scan.ReasonBadSignature, Err: err}
	}
	st, err := in.store.Store(ctx, ref.Store)
	if err != nil {
		return rec, err
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
		res, err := in.cards.Submit(ctx, scan.Submission(st, visitDate, answers), scan.Meta(ref.Serial, rec.At))
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
		Confidence: math.Inf(1),
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
