// Package mail sends cardloop's e-mail through Amazon SES v2, as raw MIME
// (multipart/alternative, plain text and HTML, UTF-8), so every message has
// both parts and can carry headers such as List-Unsubscribe.
package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"github.com/cardloop/cardloop/shared/fault"
)

// sendAPI is the part of the SES v2 client the mailer calls.
type sendAPI interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

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

// Mailer sends messages from one address.
type Mailer struct {
	api       sendAPI
	from      string
	configSet string
	now       func() time.Time
}

// New returns a Mailer sending from from through api. configSet, when not
// empty, names the SES configuration set that publishes delivery events.
func New(api sendAPI, from, configSet string) *Mailer {
	return &Mailer{api: api, from: from, configSet: configSet, now: time.Now}
}

// Send sends msg and returns SES's message id. A throttled or failing SES is
// a fault.Unavailable error (retry later); a rejected message is a
// fault.Invalid error (do not retry).
func (m *Mailer) Send(ctx context.Context, msg Message) (string, error) {
	raw, err := m.Render(msg)
	if err != nil {
		return "", err
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.from),
		Destination:      &types.Destination{ToAddresses: msg.To},
		Content:          &types.EmailContent{Raw: &types.RawMessage{Data: raw}},
	}
	if m.configSet != "" {
		in.ConfigurationSetName = aws.String(m.configSet)
	}
	keys := make([]string, 0, len(msg.Tags))
	for k := range msg.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		in.EmailTags = append(in.EmailTags, types.MessageTag{Name: aws.String(k), Value: aws.String(msg.Tags[k])})
	}
	// SendEmail is not idempotent: an SDK retry after a lost response would
	// send the message twice. Callers retry instead, behind their own
	// claims (case notices, greeting send records).
	out, err := m.api.SendEmail(ctx, in, func(o *sesv2.Options) { o.RetryMaxAttempts = 1 })
	if err != nil {
		return "", classify(fmt.Sprintf("send %q to %v", msg.Subject, msg.To), err)
	}
	return aws.ToString(out.MessageId), nil
}

func classify(op string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "MessageRejected", "MailFromDomainNotVerifiedException", "BadRequestException", "AccountSuspendedException", "SendingPausedException":
			return &fault.Error{Code: fault.Invalid, Message: "SES refused the message.", Err: fmt.Errorf("%s: %w", op, err)}
		}
	}
	return &fault.Error{Code: fault.Unavailable, Message: "E-mail is briefly unavailable.", Err: fmt.Errorf("%s: %w", op, err)}
}

// Render returns msg as an RFC 5322 message with a multipart/alternative
// body. Header values are checked for line breaks, so no header can be
// injected through a subject or a name.
func (m *Mailer) Render(msg Message) ([]byte, error) {
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
	head.Set("From", m.from)
	head.Set("To", strings.Join(msg.To, ", "))
	head.Set("Subject", mime.BEncoding.Encode("UTF-8", msg.Subject))
	head.Set("Date", m.now().UTC().Format(time.RFC1123Z))
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
