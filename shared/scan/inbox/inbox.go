// Package inbox reads scans sent by e-mail: an office copier's "scan to
// e-mail" sends to the brand's address, SES receiving keeps the raw message
// in the scan bucket under inbox/, and the bucket's event brings it here.
// Its PDF, JPEG and TIFF attachments go through the same ingestion as an
// upload, and the sender gets a short reply with each page's outcome, in
// their store's language. Only the brand's staff addresses (its stores'
// managers and area managers, its operations address) are read; any other
// message is dropped and counted, and nothing personal is logged.
package inbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/i18n"
	cmail "github.com/cardloop/cardloop/shared/mail"
	"github.com/cardloop/cardloop/shared/scan"
)

// Prefix is where SES receiving keeps raw messages in the scan bucket.
const Prefix = "inbox/"

// MaxMessage is the largest raw message read (SES receives up to 40 MB,
// and base64 makes attachments a third larger).
const MaxMessage = 56 << 20

// Objects reads raw messages from the bucket (s3bucket.Bucket).
type Objects interface {
	Get(ctx context.Context, key string, max int64) ([]byte, error)
}

// Ingester reads one scan file held in memory (ingest.Ingester).
type Ingester interface {
	Data(ctx context.Context, key string, data []byte, at time.Time) (scan.Report, error)
}

// Directory knows the brands and their stores (brandstore.Brands).
type Directory interface {
	Brand(ctx context.Context, id string) (brand.Brand, error)
	Stores(ctx context.Context, brandID string) ([]brand.Store, error)
}

// Pages reads what became of a scan file's pages (scanstore.Scans).
type Pages interface {
	ScanPages(ctx context.Context, object string) ([]scan.PageRecord, error)
}

// Claims keep the one reply of each message (scanstore.Scans).
type Claims interface {
	// MailAnswered reports whether the message was read and answered.
	MailAnswered(ctx context.Context, id string) (bool, error)
	// ClaimMail records the message as answered unless it is already;
	// it reports whether this call did.
	ClaimMail(ctx context.Context, id string, at time.Time) (bool, error)
	// ReleaseMail takes a claim back (the reply could not be sent).
	ReleaseMail(ctx context.Context, id string) error
}

// Sender sends the reply (sesmail.Mailer).
type Sender interface {
	Send(ctx context.Context, msg cmail.Message) (string, error)
}

// Counter counts dropped messages (emf.Metrics).
type Counter interface {
	Count(name string, n int, at time.Time) error
}

// Inbox reads scans sent by e-mail.
type Inbox struct {
	objects Objects
	files   Ingester
	dir     Directory
	pages   Pages
	claims  Claims
	mailer  Sender
	metrics Counter
	log     *slog.Logger
}

// New returns an Inbox.
func New(objects Objects, files Ingester, dir Directory, pages Pages, claims Claims, mailer Sender, metrics Counter, log *slog.Logger) *Inbox {
	return &Inbox{objects: objects, files: files, dir: dir, pages: pages, claims: claims, mailer: mailer, metrics: metrics, log: log}
}

// Outcome is what Message did with a message.
type Outcome string

// Outcomes.
const (
	Answered Outcome = "answered" // read and answered
	Replay   Outcome = "replay"   // answered before: nothing done
	Dropped  Outcome = "dropped"  // not from the brand's staff, or not for a brand
)

// Message reads the raw message at key.
//
// Idempotent, for S3's at-least-once events and SES delivering a message
// twice: a message is known by its Message-ID (hashed; the object key when
// it has none), and once answered it is claimed under that id in the
// table, so a second delivery finds the claim and does nothing. Before the
// claim, reading the attachments is itself idempotent (cards are keyed by
// serial, reviews by card, page records by attachment and page), so a
// retry after a failure reads again and adds nothing. The claim is taken
// before the reply is sent and given back if sending fails, so the
// reply goes once (a crash between the two loses it rather than sending it
// twice).
func (in *Inbox) Message(ctx context.Context, key string, at time.Time) (Outcome, error) {
	raw, err := in.objects.Get(ctx, key, MaxMessage)
	var fe *scan.FileError
	if errors.As(err, &fe) || fault.CodeOf(err) == fault.NotFound {
		return in.drop(at, "unreadable")
	}
	if err != nil {
		return "", fmt.Errorf("read message %s: %w", key, err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return in.drop(at, "not_mail")
	}
	if v := msg.Header.Get("X-SES-Virus-Verdict"); v != "" && !strings.EqualFold(v, "PASS") {
		return in.drop(at, "virus")
	}
	if v := msg.Header.Get("X-SES-Spam-Verdict"); v != "" && !strings.EqualFold(v, "PASS") {
		return in.drop(at, "spam")
	}
	from, err := mail.ParseAddress(msg.Header.Get("From"))
	if err != nil {
		return in.drop(at, "no_sender")
	}
	sender := strings.ToLower(from.Address)
	b, stores, err := in.brandOf(ctx, msg.Header)
	if err != nil {
		return "", err
	}
	if b.ID == "" {
		return in.drop(at, "no_brand")
	}
	lang, ok := staffLanguage(b, stores, sender)
	if !ok {
		return in.drop(at, "not_staff")
	}
	id := messageID(msg.Header.Get("Message-ID"), key)
	done, err := in.claims.MailAnswered(ctx, id)
	if err != nil {
		return "", err
	}
	if done {
		in.log.Info("scan mail replay", "message", id)
		return Replay, nil
	}
	files, err := attachments(msg)
	if err != nil {
		return in.drop(at, "bad_mime")
	}
	var lines []string
	var total scan.Report
	for i, f := range files {
		fkey := Prefix + "files/" + id + "/" + strconv.Itoa(i+1) + "-" + f.name
		rep, err := in.files.Data(ctx, fkey, f.data, at)
		if err != nil {
			return "", fmt.Errorf("read attachment %d of %s: %w", i+1, id, err)
		}
		total.Pages += rep.Pages
		total.Stored += rep.Stored
		total.Queued += rep.Queued
		pages, err := in.pages.ScanPages(ctx, fkey)
		if err != nil {
			return "", err
		}
		for _, p := range pages {
			lines = append(lines, i18n.T(lang, "scanmail.page", map[string]string{"file": f.name, "page": strconv.Itoa(max(p.Page, 1)), "outcome": outcome(lang, p)}))
		}
	}
	claimed, err := in.claims.ClaimMail(ctx, id, at)
	if err != nil {
		return "", err
	}
	if !claimed { // answered meanwhile by a concurrent delivery
		return Replay, nil
	}
	if len(files) == 0 {
		lines = append(lines, i18n.T(lang, "scanmail.none", nil))
	}
	params := map[string]string{"pages": strconv.Itoa(total.Pages), "stored": strconv.Itoa(total.Stored), "queued": strconv.Itoa(total.Queued)}
	text := i18n.T(lang, "scanmail.intro", nil) + "\n\n" + strings.Join(lines, "\n") + "\n\n" + i18n.T(lang, "scanmail.footer", nil) + "\n"
	reply := cmail.Message{To: []string{sender}, Subject: i18n.T(lang, "scanmail.subject", params), Text: text, Tags: map[string]string{"kind": "scan-reply"}}
	if subj := msg.Header.Get("Message-ID"); subj != "" && !strings.ContainsAny(subj, "\r\n") {
		reply.Headers = map[string]string{"In-Reply-To": subj, "References": subj}
	}
	if _, err := in.mailer.Send(ctx, reply); err != nil {
		if rerr := in.claims.ReleaseMail(ctx, id); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return "", fmt.Errorf("reply to scan mail %s: %w", id, err)
	}
	in.log.Info("scan mail answered", "message", id, "attachments", len(files), "pages", total.Pages, "stored", total.Stored, "queued", total.Queued)
	return Answered, nil
}

// drop counts a message not read; why is a fixed word, never the address.
func (in *Inbox) drop(at time.Time, why string) (Outcome, error) {
	in.log.Info("scan mail dropped", "why", why)
	if err := in.metrics.Count("ScanMailDropped", 1, at); err != nil {
		in.log.Warn("scan mail metric", "error", err)
	}
	return Dropped, nil
}

// brandOf finds the brand a message was sent to: the first recipient
// (To, Cc, or SES's envelope recipient) whose local part is a brand's id,
// as in wang@scans.example.com. No brand is the zero Brand.
func (in *Inbox) brandOf(ctx context.Context, h mail.Header) (brand.Brand, []brand.Store, error) {
	for _, field := range []string{"To", "Cc", "X-Original-To", "Delivered-To"} {
		list, err := h.AddressList(field)
		if err != nil {
			continue
		}
		for _, a := range list {
			local, _, _ := strings.Cut(strings.ToLower(a.Address), "@")
			local, _, _ = strings.Cut(local, "+")
			if !brandID.MatchString(local) {
				continue
			}
			b, err := in.dir.Brand(ctx, local)
			if fault.CodeOf(err) == fault.NotFound {
				continue
			}
			if err != nil {
				return brand.Brand{}, nil, err
			}
			stores, err := in.dir.Stores(ctx, b.ID)
			if err != nil {
				return brand.Brand{}, nil, err
			}
			return b, stores, nil
		}
	}
	return brand.Brand{}, nil, nil
}

var brandID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// staffLanguage reports whether sender is one of the brand's staff
// addresses, and the language to answer in: the first of their stores'.
func staffLanguage(b brand.Brand, stores []brand.Store, sender string) (i18n.Lang, bool) {
	for _, st := range stores {
		if strings.EqualFold(st.ManagerEmail, sender) || strings.EqualFold(st.AreaManagerEmail, sender) {
			return lang(st.Language), true
		}
	}
	if b.OperationsEmail != "" && strings.EqualFold(b.OperationsEmail, sender) {
		if len(stores) > 0 {
			return lang(stores[0].Language), true
		}
		return i18n.ZhTW, true
	}
	return "", false
}

func lang(l i18n.Lang) i18n.Lang {
	if l == "" {
		return i18n.ZhTW
	}
	return l
}

func outcome(lang i18n.Lang, p scan.PageRecord) string {
	switch p.Status {
	case scan.Stored, scan.Queued, scan.Duplicate, scan.Skipped:
		return i18n.T(lang, "scanmail."+p.Status, nil)
	}
	reason := p.Reason
	if k := "console.paper.reason." + reason; i18n.Has(k) { // the console's words for it
		reason = i18n.T(lang, k, nil)
	}
	return i18n.T(lang, "scanmail.rejected", map[string]string{"reason": reason})
}

// messageID names a message by its Message-ID, hashed (it can hold the
// sender's address), else by its object key.
func messageID(header, key string) string {
	src := strings.TrimSpace(header)
	if src == "" {
		src = "key:" + key
	}
	sum := sha256.Sum256([]byte(src))
	return hex.EncodeToString(sum[:12])
}

type file struct {
	name string
	data []byte
}

// maxParts bounds the parts walked in one message.
const maxParts = 200

// attachments returns the message's PDF, JPEG and TIFF parts, in order,
// found in nested multiparts.
func attachments(msg *mail.Message) ([]file, error) {
	var out []file
	parts := 0
	var walk func(h map[string][]string, body io.Reader, depth int) error
	walk = func(h map[string][]string, body io.Reader, depth int) error {
		get := func(k string) string {
			if v := h[k]; len(v) > 0 {
				return v[0]
			}
			return ""
		}
		ct, params, err := mime.ParseMediaType(get("Content-Type"))
		if err != nil {
			ct = "text/plain"
		}
		if strings.HasPrefix(ct, "multipart/") {
			if depth > 5 {
				return errors.New("multipart nested too deep")
			}
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return fmt.Errorf("read part: %w", err)
				}
				if parts++; parts > maxParts {
					return errors.New("too many parts")
				}
				if err := walk(p.Header, p, depth+1); err != nil {
					return err
				}
			}
		}
		name := params["name"]
		if _, dp, err := mime.ParseMediaType(get("Content-Disposition")); err == nil && dp["filename"] != "" {
			name = dp["filename"]
		}
		if dec, err := new(mime.WordDecoder).DecodeHeader(name); err == nil {
			name = dec
		}
		if !scanFile(ct, name) {
			return nil
		}
		var r io.Reader = body
		switch strings.ToLower(strings.TrimSpace(get("Content-Transfer-Encoding"))) {
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, body) // line breaks are skipped
		case "quoted-printable":
			r = quotedprintable.NewReader(body)
		}
		data, err := io.ReadAll(io.LimitReader(r, scan.MaxObject+1))
		if err != nil {
			return fmt.Errorf("decode attachment: %w", err)
		}
		out = append(out, file{name: safeName(name, ct), data: data})
		return nil
	}
	if err := walk(msg.Header, msg.Body, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// scanFile reports whether a part is a scan: by its type, or by its
// name's extension when its type says only octet-stream.
func scanFile(ct, name string) bool {
	switch ct {
	case "application/pdf", "image/jpeg", "image/jpg", "image/pjpeg", "image/tiff", "image/png":
		return true
	case "application/octet-stream", "application/x-pdf":
		switch strings.ToLower(path.Ext(name)) {
		case ".pdf", ".jpg", ".jpeg", ".tif", ".tiff", ".png":
			return true
		}
	}
	return false
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(name, ct string) string {
	name = strings.Trim(unsafeName.ReplaceAllString(path.Base(name), "-"), "-.")
	if name == "" {
		if exts, _ := mime.ExtensionsByType(ct); len(exts) > 0 {
			return "scan" + exts[0]
		}
		return "scan"
	}
	return name
}
