package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/provision"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/aws/s3bucket"
	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/omr/synth"
	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/scan/inbox"
)

// scanCommand is `cardloop scan import FILES…`: it puts scan files into the
// running app's scan bucket under scans/, where the bucket's S3 event runs
// ScanFunction as it would in AWS, then waits for each file's pages to be
// read and prints what became of them.
func scanCommand(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "mark" {
		return markCommand(args[1:])
	}
	if len(args) > 0 && args[0] == "mail" {
		return mailCommand(ctx, args[1:])
	}
	if len(args) == 0 || args[0] != "import" {
		return errors.New("usage: cardloop scan import [--wait 60s] FILES… | cardloop scan mail FILE.eml… | cardloop scan mark --in PAGE.png --out MARKED.png --set field=value…")
	}
	fs := flag.NewFlagSet("scan import", flag.ContinueOnError)
	root, config := projectFlags(fs)
	wait := fs.Duration("wait", time.Minute, "how long to wait for each file to be read (0: do not wait)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("usage: cardloop scan import [--wait 60s] FILES…")
	}
	cfg, res, b, err := localScanBucket(ctx, *root, *config)
	if err != nil {
		return err
	}
	db := allstores.New(dynamodb.NewFromConfig(cfg), res["Table"].Name)
	day := time.Now().UTC().Format(time.DateOnly)
	for _, file := range fs.Args() {
		data, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("read %s: %w", file, err)
		}
		// The same file imported twice gets the same key: the second
		// upload is read again and adds nothing.
		key := "scans/" + day + "/" + filepath.Base(file)
		before, err := db.ScanPages(ctx, key) // a file imported before has its old outcomes, until the new event is read
		if err != nil {
			return fmt.Errorf("import %s (is `make run` running?): %w", file, err)
		}
		if err := b.Put(ctx, key, "application/octet-stream", data); err != nil {
			return fmt.Errorf("import %s (is `make run` running?): %w", file, err)
		}
		fmt.Printf("%s → s3://%s/%s\n", file, b.Name(), key)
		if *wait > 0 {
			if err := report(ctx, os.Stdout, db, key, before, time.Now().Add(*wait)); err != nil {
				return err
			}
		}
	}
	return nil
}

// mailCommand is `cardloop scan mail FILE.eml…`: it drops raw e-mails
// into the running app's scan bucket under inbox/, exactly where SES
// receiving puts a message sent to a brand's scan address, so the bucket's
// event runs ScanFunction's e-mail path (shared/scan/inbox). The reply goes
// to the sender through the emulator's SES (the runner's outbox shows it).
func mailCommand(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("scan mail", flag.ContinueOnError)
	root, config := projectFlags(fs)
	from := fs.String("from", "manager.s001@example.com", "sender, for a scan file sent as an attachment (a staff address is answered; any other is dropped)")
	to := fs.String("to", "wang@scans.localhost", "recipient, for a scan file sent as an attachment: <brand id>@domain")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("usage: cardloop scan mail [--from ADDRESS --to BRAND@DOMAIN] FILE.eml|SCAN.pdf…")
	}
	_, _, b, err := localScanBucket(ctx, *root, *config)
	if err != nil {
		return err
	}
	for _, file := range fs.Args() {
		data, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("read %s: %w", file, err)
		}
		if ext := strings.ToLower(filepath.Ext(file)); ext != ".eml" && ext != ".msg" {
			data = mailWith(*from, *to, filepath.Base(file), data) // a scan file, as a copier mails it
		}
		// Keyed by content, as SES keys by message: the same file sent
		// twice is one message, answered once.
		sum := sha256.Sum256(data)
		key := inbox.Prefix + hex.EncodeToString(sum[:12])
		if err := b.Put(ctx, key, "message/rfc822", data); err != nil {
			return fmt.Errorf("send %s (is `make run` running?): %w", file, err)
		}
		fmt.Printf("%s → s3://%s/%s: ScanFunction reads its attachments and answers the sender if they are the brand's staff\n", file, b.Name(), key)
	}
	return nil
}

// mailWith wraps a scan file into a message as a copier's "scan to
// e-mail" sends it: a short text and the file as a base64 attachment.
func mailWith(from, to, name string, data []byte) []byte {
	sum := sha256.Sum256(data)
	ct := mime.TypeByExtension(filepath.Ext(name))
	if ct == "" {
		ct = "application/octet-stream" // read by its extension
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: Scan\r\nMessage-ID: <%s@cardloop.localhost>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"scan\"\r\n\r\n", from, to, hex.EncodeToString(sum[:12]))
	fmt.Fprintf(&b, "--scan\r\nContent-Type: text/plain\r\n\r\nScanned.\r\n--scan\r\nContent-Type: %s; name=%q\r\nContent-Disposition: attachment; filename=%q\r\nContent-Transfer-Encoding: base64\r\n\r\n", ct, name, name)
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--scan--\r\n")
	return []byte(b.String())
}

// report waits until the file's pages are recorded afresh (not as they
// stood before the upload) and prints them.
func report(ctx context.Context, w io.Writer, db *allstores.Stores, key string, before []scan.PageRecord, deadline time.Time) error {
	old := map[int]time.Time{}
	for _, pg := range before {
		old[pg.Page] = pg.At
	}
	for {
		pages, err := db.ScanPages(ctx, key)
		if err != nil {
			return err
		}
		fresh := pages[:0]
		for _, pg := range pages {
			if at, seen := old[pg.Page]; !seen || !at.Equal(pg.At) {
				fresh = append(fresh, pg)
			}
		}
		if len(fresh) > 0 {
			time.Sleep(time.Second) // the other pages of a PDF follow
			if again, err := db.ScanPages(ctx, key); err == nil && len(again) > len(pages) {
				continue
			}
			for _, pg := range fresh {
				fmt.Fprintf(w, "  page %d: %s", pg.Page, pg.Status)
				switch pg.Status {
				case scan.Stored, scan.Duplicate:
					fmt.Fprintf(w, " — card %s (store %s, serial %s)", pg.CardID, pg.StoreID, pg.Serial)
				case scan.Queued:
					fmt.Fprintf(w, " — review %s (store %s): open the console's review queue", pg.ReviewID, pg.StoreID)
				case scan.Rejected, scan.Skipped:
					fmt.Fprintf(w, " — %s", pg.Reason)
				}
				fmt.Fprintln(w)
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s was not read in time: is `make run` running? (its log shows ScanFunction)", key)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// pairs collects repeated --set field=value flags.
type pairs map[string]string

func (p pairs) String() string { return fmt.Sprint(map[string]string(p)) }
func (p pairs) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not field=value", v)
	}
	p[k] = val
	return nil
}

// markCommand is `cardloop scan mark`: it fills in a printed card's page
// (a PNG rendered from the PDF, e.g. by pdftoppm) as a diner would, with
// the scan generator (shared/omr/synth), so a card can go through the whole
// pipeline without a pen and a scanner.
func markCommand(args []string) error {
	fs := flag.NewFlagSet("scan mark", flag.ContinueOnError)
	in := fs.String("in", "", "the blank page, a PNG of the printed card")
	out := fs.String("out", "", "where to write the marked page (PNG)")
	dpi := fs.Float64("dpi", 200, "the page's resolution")
	rotate := fs.Float64("rotate", 0, "turn the page this many degrees, as a skewed scan")
	set, double := pairs{}, pairs{}
	fs.Var(set, "set", "field=value to mark, e.g. ratings.overall=1 (repeatable; layout field names: cardloop cards layout)")
	fs.Var(double, "double", "field=value to mark as well, making a double mark (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" || *out == "" {
		return errors.New("usage: cardloop scan mark --in PAGE.png --out MARKED.png --set field=value…")
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("read %s: %w", *in, err)
	}
	page := image.NewGray(img.Bounds())
	draw.Draw(page, page.Bounds(), img, img.Bounds().Min, draw.Src)
	l := cardlayout.Current()
	gen := synth.New(&l)
	gen.Base = func(*synth.Card) (*image.Gray, float64, error) { return page, *dpi, nil }
	c := synth.Card{N: 1, Damage: synth.Damage{DPI: int(*dpi), Rotate: *rotate, Format: "png"}}
	for _, m := range []pairs{set, double} {
		for field, value := range m {
			fl, ok := l.Field(field)
			if !ok {
				return fmt.Errorf("layout v%d has no field %q", l.Version, field)
			}
			marks, err := markValue(fl, value)
			if err != nil {
				return err
			}
			c.Marks = append(c.Marks, marks...)
		}
	}
	s, err := gen.Render(c)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, s.Data, 0o644); err != nil {
		return err
	}
	fmt.Printf("marked %d bubbles → %s\n", len(c.Marks), *out)
	return nil
}

// markValue returns the marks that answer value in field: one bubble, or
// one per digit of a digit grid.
func markValue(f cardlayout.Field, value string) ([]synth.Mark, error) {
	mark := func(v string, col int) synth.Mark {
		return synth.Mark{Field: f.Name, Value: v, Column: col, Kind: synth.Fill, Darkness: 0.9, Seed: uint64(len(v) + col)}
	}
	if f.Kind == cardlayout.Digits {
		var out []synth.Mark
		for i, r := range value {
			out = append(out, mark(string(r), i))
		}
		return out, nil
	}
	for _, b := range f.Bubbles {
		if b.Value == value {
			return []synth.Mark{mark(value, 0)}, nil
		}
	}
	return nil, fmt.Errorf("field %s has no value %q", f.Name, value)
}

// localScanBucket opens the running local app's scan bucket in the
// emulator (and returns the emulator's config and the stack's resource
// names): what `scan import` and `scan mail` both write to.
func localScanBucket(ctx context.Context, root, config string) (aws.Config, map[string]provision.Resource, *s3bucket.Bucket, error) {
	p, err := loadProject(root, config)
	if err != nil {
		return aws.Config{}, nil, nil, err
	}
	endpoint := emulator.Endpoint()
	cfg, err := emulator.Config(ctx, endpoint)
	if err != nil {
		return aws.Config{}, nil, nil, err
	}
	res := provision.Placeholders(p.Template, p.Config.Stack, endpoint)
	b := s3bucket.New(s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = true
		// Checksums only when a request asks (the emulator sends none, and
		// the SDK would warn that it skipped validating).
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	}), res["ScanBucket"].Name)
	return cfg, res, b, nil
}
