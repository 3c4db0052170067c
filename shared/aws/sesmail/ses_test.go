package sesmail_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	cmail "github.com/cardloop/cardloop/shared/mail"
)

// TestSendThroughSES sends through the emulator's SES v2 and reads the raw
// message back from it.
func TestSendThroughSES(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the AWS emulator")
	}
	cfg := emulator.Ensure(t)
	endpoint := emulator.EnsureEndpoint(t)
	ses := sesv2.NewFromConfig(cfg)
	ctx := context.Background()
	from := "mailtest-" + strings.ReplaceAll(t.Name(), "/", "") + "@example.com"
	if _, err := ses.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(from)}); err != nil {
		t.Fatal(err)
	}
	m := sesmail.New(ses, from, "")
	id, err := m.Send(ctx, cmail.Message{To: []string{"manager.s001@example.com"}, Subject: "測試 " + from, Text: "plain", HTML: "<p>html</p>"})
	if err != nil || id == "" {
		t.Fatalf("send: got %q, %v", id, err)
	}
	raws, err := emulator.SentRaw(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, raw := range raws {
		found = found || (strings.Contains(raw, from) && strings.Contains(raw, "text/plain") && strings.Contains(raw, "text/html"))
	}
	if !found {
		t.Errorf("sent message not found in the emulator's SES store (%d raw messages)", len(raws))
	}

	if _, err := sesmail.New(ses, "unverified@nowhere.example", "").Send(ctx, cmail.Message{To: []string{"a@example.com"}, Subject: "x", Text: "x"}); err == nil {
		t.Error("send from an unverified address: got sent, want an error")
	}
}

// TestSendRawThroughSES sends a message rendered elsewhere (a related part
// with an inline image) as it is, and reads it back unchanged.
func TestSendRawThroughSES(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the AWS emulator")
	}
	cfg := emulator.Ensure(t)
	endpoint := emulator.EnsureEndpoint(t)
	ses := sesv2.NewFromConfig(cfg)
	ctx := context.Background()
	from := "rawtest-" + emulator.Prefix(t) + "@example.com"
	if _, err := ses.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(from)}); err != nil {
		t.Fatal(err)
	}
	m := sesmail.New(ses, from, "")
	if m.From() != from {
		t.Errorf("From: got %q, want %q", m.From(), from)
	}
	raw := "From: " + from + "\r\nTo: raw.reader@example.com\r\nSubject: raw\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/related; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<img src=\"cid:c@x\">\r\n" +
		"--b\r\nContent-Type: image/png\r\nContent-ID: <c@x>\r\n\r\nPNG\r\n--b--\r\n"
	id, err := m.SendRaw(ctx, []string{"raw.reader@example.com"}, []byte(raw), map[string]string{"kind": "test"})
	if err != nil || id == "" {
		t.Fatalf("send: got %q, %v", id, err)
	}
	raws, err := emulator.SentRaw(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(raws, raw) {
		t.Errorf("the raw message is not in the emulator's SES store as sent (%d raw messages)", len(raws))
	}
	if _, err := sesmail.New(ses, "unverified@nowhere.example", "").SendRaw(ctx, []string{"a@example.com"}, []byte(raw), nil); err == nil {
		t.Error("send from an unverified address: got sent, want an error")
	}
}
