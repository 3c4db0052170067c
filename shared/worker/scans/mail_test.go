package scans_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/shared/aws/emf"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/scan/inbox"
	"github.com/cardloop/cardloop/shared/scan/scanfile"
	"github.com/cardloop/cardloop/shared/worker/scans"
)

// rawMail is a copier's "scan to e-mail": a short text and the scan as a
// base64 PDF attachment.
func rawMail(from, to, messageID string, pdf []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Copier <%s>\r\nTo: %s\r\nSubject: Scan\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n", from, to, messageID)
	b.WriteString("--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nScanned from the office copier.\r\n")
	b.WriteString("--XX\r\nContent-Type: application/pdf; name=\"scan 0001.pdf\"\r\nContent-Disposition: attachment; filename=\"scan 0001.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(pdf)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--XX--\r\n")
	return b.Bytes()
}

// repliesTo returns the replies sent to a message (by its Message-ID).
func repliesTo(t *testing.T, messageID string) []string {
	t.Helper()
	all, err := emulator.SentRaw(emulator.EnsureEndpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range all {
		if strings.Contains(m, "In-Reply-To: "+messageID) {
			out = append(out, m)
		}
	}
	return out
}

// TestScanMail: a staff member's scan sent by e-mail is read and answered
// once, however often it is delivered; a stranger's is dropped, counted,
// and not answered.
func TestScanMail(t *testing.T) {
	r := newScanRig(t)
	ctx := context.Background()
	var metrics bytes.Buffer
	mailer := sesmail.New(sesv2.NewFromConfig(r.env.Config), "cards@example.com", r.env.Resources["MailConfigurationSet"].Name)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	box := inbox.New(r.bucket, r.in, r.db, r.db, r.db, mailer, emf.New(&metrics, "cardloop", map[string]string{"Stage": "test"}), log)
	r.handler = scans.NewScan(func(string) scans.FileIngester { return r.in }, log).
		WithMail(func(string) scans.MessageReader { return box })

	nonce := rand.Text()[:10]
	tests := []struct {
		name, from string
		stored     bool
		replies    int
	}{
		{"from the store's manager", "Manager.S001@example.com", true, 1},
		{"from a stranger", "someone@example.net", false, 0},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := r.printBatch(t, "S001", nil, 2)
			var pages [][]byte
			for i := range 2 {
				pages = append(pages, jpegOf(t, r.page(t, "S001", b.Serial(i), map[string]string{"ratings.overall": "4"})), jpegOf(t, blankBack(uint64(i))))
			}
			pdf, err := scanfile.PDF(pages, 200)
			if err != nil {
				t.Fatal(err)
			}
			msgID := fmt.Sprintf("<%s-%d@copier.example.com>", nonce, i)
			raw := rawMail(tt.from, "wang@scans.example.com", msgID, pdf)
			before := metrics.Len()
			// Delivered twice as the same object, then once more as another
			// (SES delivering the message again).
			for _, key := range []string{"inbox/" + nonce + fmt.Sprint(i), "inbox/" + nonce + fmt.Sprint(i), "inbox/" + nonce + fmt.Sprint(i) + "-again"} {
				if err := r.upload(t, key, raw); err != nil {
					t.Fatal(err)
				}
			}
			for n := range 2 {
				_, err := r.db.Card(ctx, card.PrintedID("S001", b.Serial(n)))
				if (err == nil) != tt.stored {
					t.Errorf("card %d stored: %v, want %v", n, err == nil, tt.stored)
				}
			}
			got := repliesTo(t, msgID)
			if len(got) != tt.replies {
				t.Fatalf("%d replies, want %d", len(got), tt.replies)
			}
			if tt.replies > 0 && (!strings.Contains(got[0], "To: manager.s001@example.com") || strings.Count(decodeBody(got[0]), "scan-0001.pdf") != 4) {
				t.Errorf("reply: %s", got[0])
			}
			if dropped := strings.Count(metrics.String()[before:], "ScanMailDropped"); (dropped > 0) == tt.stored {
				t.Errorf("drop metric lines %d (stored %v)", dropped, tt.stored)
			}
		})
	}
}

// decodeBody returns a reply's text with its parts' base64 decoded.
func decodeBody(raw string) string {
	out := raw
	for _, chunk := range strings.Split(raw, "\r\n\r\n") {
		if d, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(strings.TrimSpace(chunk[:strings.Index(chunk+"--", "--")]), "\r\n", "")); err == nil {
			out += string(d)
		}
	}
	return out
}
