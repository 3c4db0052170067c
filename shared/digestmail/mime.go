package digestmail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"slices"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/mail"
)

// inline is an image the HTML part shows through its Content-ID
// (<img src="cid:…">).
type inline struct {
	ContentID string // without angle brackets
	Type      string // image/png
	Name      string // file name, for clients that list it
	Data      []byte
}

// render returns msg, from from and dated at, as an RFC 5322 message:
// multipart/alternative of the text part and the HTML part, the HTML part
// in a multipart/related with the inline images when there are any — the
// structure Gmail, Outlook and Apple Mail show inline. (mail.Render makes
// the alternative only.) Recipients must be addresses and no header may
// hold a line break, as in mail.Render.
func render(msg mail.Message, from string, at time.Time, images []inline) ([]byte, error) {
	if len(msg.To) == 0 {
		return nil, fault.New(fault.Invalid, "A message needs a recipient.")
	}
	for _, to := range msg.To {
		if _, err := netmail.ParseAddress(to); err != nil {
			return nil, &fault.Error{Code: fault.Invalid, Message: "A recipient address is not valid.", Err: fmt.Errorf("recipient %q: %w", to, err)}
		}
	}
	var body bytes.Buffer
	alt := multipart.NewWriter(&body)
	head := map[string]string{
		"From": from, "To": strings.Join(msg.To, ", "), "Subject": mime.BEncoding.Encode("UTF-8", msg.Subject),
		"Date": at.UTC().Format(time.RFC1123Z), "MIME-Version": "1.0",
		"Content-Type": "multipart/alternative; boundary=" + alt.Boundary(),
	}
	for k, v := range msg.Headers {
		head[textproto.CanonicalMIMEHeaderKey(k)] = v
	}
	var out bytes.Buffer
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range head {
			if !yield(k) {
				return
			}
		}
	}) {
		if strings.ContainsAny(k+head[k], "\r\n") {
			return nil, fault.New(fault.Invalid, "A header contains a line break.")
		}
		fmt.Fprintf(&out, "%s: %s\r\n", k, head[k])
	}
	out.WriteString("\r\n")
	if err := textPart(alt, "text/plain", msg.Text); err != nil {
		return nil, err
	}
	htmlTo := alt
	if len(images) > 0 {
		rel := multipart.NewWriter(io.Discard) // for its boundary; the part is written below
		pw, err := alt.CreatePart(textproto.MIMEHeader{"Content-Type": {`multipart/related; type="text/html"; boundary=` + rel.Boundary()}})
		if err != nil {
			return nil, fmt.Errorf("render related part: %w", err)
		}
		htmlTo = multipart.NewWriter(pw)
		if err := htmlTo.SetBoundary(rel.Boundary()); err != nil {
			return nil, fmt.Errorf("render related part: %w", err)
		}
	}
	if err := textPart(htmlTo, "text/html", msg.HTML); err != nil {
		return nil, err
	}
	for _, im := range images {
		pw, err := htmlTo.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {im.Type + `; name="` + im.Name + `"`},
			"Content-Transfer-Encoding": {"base64"},
			"Content-Id":                {"<" + im.ContentID + ">"},
			"Content-Disposition":       {`inline; filename="` + im.Name + `"`},
		})
		if err != nil {
			return nil, fmt.Errorf("render image %s: %w", im.Name, err)
		}
		if err := writeBase64(pw, im.Data); err != nil {
			return nil, fmt.Errorf("render image %s: %w", im.Name, err)
		}
	}
	if htmlTo != alt {
		if err := htmlTo.Close(); err != nil {
			return nil, fmt.Errorf("render related part: %w", err)
		}
	}
	if err := alt.Close(); err != nil {
		return nil, fmt.Errorf("render message: %w", err)
	}
	out.Write(body.Bytes())
	return out.Bytes(), nil
}

// textPart writes a UTF-8 text part, quoted-printable.
func textPart(w *multipart.Writer, typ, body string) error {
	pw, err := w.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {typ + "; charset=UTF-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	})
	if err != nil {
		return fmt.Errorf("render %s part: %w", typ, err)
	}
	qp := quotedprintable.NewWriter(pw)
	if _, err := qp.Write([]byte(body)); err != nil {
		return fmt.Errorf("render %s part: %w", typ, err)
	}
	if err := qp.Close(); err != nil {
		return fmt.Errorf("render %s part: %w", typ, err)
	}
	return nil
}

// writeBase64 writes data in base64 lines of 76 characters (RFC 2045).
func writeBase64(w io.Writer, data []byte) error {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 0 {
		n := min(76, len(enc))
		if _, err := io.WriteString(w, enc[:n]+"\r\n"); err != nil {
			return err
		}
		enc = enc[n:]
	}
	return nil
}
