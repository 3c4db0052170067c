// Package mail is cardloop's e-mail, without a carrier: the message type
// every sender renders, and its rendering as raw MIME (multipart/alternative,
// plain text and HTML, UTF-8), so every message has both parts and can carry
// headers such as List-Unsubscribe. The packages that send declare the
// one-method interface they call (Send(ctx, Message) (id, error)); the SES
// implementation is shared/aws/sesmail.
package mail

import (
	"bytes"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"sort"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/fault"
)

// Message is one e-mail.
type Message struct {
	To      []string
	Subject string
	Text    string
	HTML    string
	// Headers are extra headers (List-Unsubscribe, X-Cardloop-Case…).
	Headers map[string]string
	// Tags are SES message tags, for event destinations (bounces, opens).
	Tags map[string]string
}

// Render returns msg, from from and dated at, as an RFC 5322 message with a
// multipart/alternative body. Header values are checked for line breaks, so
// no header can be injected through a subject or a name. A message without a
// recipient, or with one that is not an address, is a fault.Invalid error.
func Render(msg Message, from string, at time.Time) ([]byte, error) {
	if len(msg.To) == 0 {
		return nil, fault.New(fault.Invalid, "A message needs a recipient.")
	}
	for _, to := range msg.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return nil, &fault.Error{Code: fault.Invalid, Message: "A recipient address is not valid.", Err: fmt.Errorf("recipient %q: %w", to, err)}
		}
	}
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	head := textproto.MIMEHeader{}
	head.Set("From", from)
	head.Set("To", strings.Join(msg.To, ", "))
	head.Set("Subject", mime.BEncoding.Encode("UTF-8", msg.Subject))
	head.Set("Date", at.UTC().Format(time.RFC1123Z))
	head.Set("MIME-Version", "1.0")
	head.Set("Content-Type", "multipart/alternative; boundary="+w.Boundary())
	for k, v := range msg.Headers {
		head.Set(k, v)
	}
	for k, vs := range head {
		for _, v := range append(vs, k) {
			if strings.ContainsAny(v, "\r\n") {
				return nil, fault.New(fault.Invalid, "A header contains a line break.")
			}
		}
	}
	keys := make([]string, 0, len(head))
	for k := range head {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out bytes.Buffer
	for _, k := range keys {
		fmt.Fprintf(&out, "%s: %s\r\n", k, head.Get(k))
	}
	out.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", msg.Text}, {"text/html", msg.HTML}} {
		if part.body == "" {
			continue
		}
		pw, err := w.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=UTF-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, fmt.Errorf("render %s part: %w", part.typ, err)
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(part.body)); err != nil {
			return nil, fmt.Errorf("render %s part: %w", part.typ, err)
		}
		if err := qp.Close(); err != nil {
			return nil, fmt.Errorf("render %s part: %w", part.typ, err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("render message: %w", err)
	}
	out.Write(b.Bytes())
	return out.Bytes(), nil
}
