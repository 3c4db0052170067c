// Package scans holds the ScanFunction's handler: S3 events for scans of
// paper cards, each file read by the ingester.
package scans

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/scan/inbox"
)

// FileIngester reads one uploaded scan file (ingest.Ingester).
type FileIngester interface {
	File(ctx context.Context, key string, at time.Time) (scan.Report, error)
}

// MessageReader reads one raw e-mail of scans (inbox.Inbox).
type MessageReader interface {
	Message(ctx context.Context, key string, at time.Time) (inbox.Outcome, error)
}

// Scan is the ScanFunction's handler: S3's ObjectCreated events for the
// scans/ prefix of the scan bucket (uploaded files), and for its inbox/
// prefix (raw e-mails SES receiving keeps there).
type Scan struct {
	// files returns the ingester of a bucket: the one the event names
	// (the function is not told its bucket's name, which would make the
	// bucket and the function depend on each other in the template).
	files func(bucket string) FileIngester
	mail  func(bucket string) MessageReader
	log   *slog.Logger
}

// WithMail has the handler read e-mails under inbox/ with mail.
func (s *Scan) WithMail(mail func(bucket string) MessageReader) *Scan {
	s.mail = mail
	return s
}

// NewScan returns the handler.
func NewScan(files func(bucket string) FileIngester, log *slog.Logger) *Scan {
	return &Scan{files: files, log: log}
}

// Handle reads every file the event names. S3 delivers events at least
// once; reading a file twice adds nothing (ingest.Ingester.File keys cards
// by serial and reviews by card). A file that failed for a reason a retry
// may cure fails the invocation, and Lambda's asynchronous retries bring
// the event again; the files already read are then replays.
func (s *Scan) Handle(ctx context.Context, ev events.S3Event) error {
	var errs []error
	for _, r := range ev.Records {
		key, err := url.QueryUnescape(r.S3.Object.Key) // S3 event keys are form-encoded
		if err != nil {
			errs = append(errs, fmt.Errorf("object key %q: %w", r.S3.Object.Key, err))
			continue
		}
		if strings.HasPrefix(key, inbox.Prefix) {
			if s.mail == nil {
				continue
			}
			// Idempotent per message (inbox.Inbox.Message): a redelivery
			// finds the message answered and does nothing.
			out, err := s.mail(r.S3.Bucket.Name).Message(ctx, key, r.EventTime)
			if err != nil {
				errs = append(errs, fmt.Errorf("scan mail %s: %w", key, err))
				continue
			}
			s.log.Info("scan mail read", "object", key, "outcome", out)
			continue
		}
		rep, err := s.files(r.S3.Bucket.Name).File(ctx, key, r.EventTime)
		if err != nil {
			errs = append(errs, fmt.Errorf("scan %s: %w", key, err))
			continue
		}
		s.log.Info("scan read", "object", key, "pages", rep.Pages, "stored", rep.Stored, "queued", rep.Queued, "duplicates", rep.Duplicates, "rejected", rep.Rejected, "skipped", rep.Skipped)
	}
	return errors.Join(errs...)
}

// PerBucket returns make memoised by bucket name, so each bucket's ingester
// (with its caches) is made once per cold start and shared by every event.
func PerBucket[T any](make func(bucket string) T) func(bucket string) T {
	var mu sync.Mutex
	made := map[string]T{}
	return func(name string) T {
		mu.Lock()
		defer mu.Unlock()
		if in, ok := made[name]; ok {
			return in
		}
		in := make(name)
		made[name] = in
		return in
	}
}
