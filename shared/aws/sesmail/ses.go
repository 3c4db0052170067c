// Package sesmail sends cardloop's e-mail (mail.Message) through Amazon SES
// v2 as raw MIME.
package sesmail

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/cardloop/cardloop/shared/mail"

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

// Send renders msg (mail.Render) and sends it, returning SES's message
// id. A throttled or failing SES is
// a fault.Unavailable error (retry later); a rejected message is a
// fault.Invalid error (do not retry).
func (m *Mailer) Send(ctx context.Context, msg mail.Message) (string, error) {
	raw, err := mail.Render(msg, m.from, m.now())
	if err != nil {
		return "", err
	}
	return m.send(ctx, fmt.Sprintf("send %q to %v", msg.Subject, msg.To), msg.To, raw, msg.Tags)
}

// From is the address the mailer sends from: the From header of a message
// rendered for SendRaw.
func (m *Mailer) From() string { return m.from }

// SendRaw sends a message already rendered as MIME (e.g. multipart/related
// with inline images, which mail.Render does not make) to the addresses to,
// with SES message tags. Its errors are Send's.
func (m *Mailer) SendRaw(ctx context.Context, to []string, raw []byte, tags map[string]string) (string, error) {
	return m.send(ctx, fmt.Sprintf("send a raw message to %d recipients", len(to)), to, raw, tags)
}

func (m *Mailer) send(ctx context.Context, op string, to []string, raw []byte, tags map[string]string) (string, error) {
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.from),
		Destination:      &types.Destination{ToAddresses: to},
		Content:          &types.EmailContent{Raw: &types.RawMessage{Data: raw}},
	}
	if m.configSet != "" {
		in.ConfigurationSetName = aws.String(m.configSet)
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		in.EmailTags = append(in.EmailTags, types.MessageTag{Name: aws.String(k), Value: aws.String(tags[k])})
	}
	// SendEmail is not idempotent: an SDK retry after a lost response would
	// send the message twice. Callers retry instead, behind their own
	// claims (case notices, greeting send records, digest claims).
	out, err := m.api.SendEmail(ctx, in, func(o *sesv2.Options) { o.RetryMaxAttempts = 1 })
	if err != nil {
		return "", classify(op, err)
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
