package mail_test

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	cmail "github.com/cardloop/cardloop/shared/mail"
)

func TestRenderParsesBack(t *testing.T) {
	raw, err := cmail.Render(cmail.Message{
		To: []string{"manager.s001@example.com"}, Subject: "【需致歉】台北信義店 — 林小姐",
		Text: "牛排太老了 <b>", HTML: "<p>牛排太老了 &lt;b&gt;</p>",
		Headers: map[string]string{"X-Cardloop-Case": "k_1"},
	}, "cards@example.com", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse rendered message: %v", err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != "【需致歉】台北信義店 — 林小姐" {
		t.Errorf("subject: got %q, %v", subject, err)
	}
	if got := msg.Header.Get("X-Cardloop-Case"); got != "k_1" {
		t.Errorf("extra header: got %q, want k_1", got)
	}
	_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	r := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(p) // multipart decodes quoted-printable
		types = append(types, p.Header.Get("Content-Type"))
		if !strings.Contains(string(body), "牛排太老了") {
			t.Errorf("part %s: got %q, want the comment", p.Header.Get("Content-Type"), body)
		}
	}
	if len(types) != 2 {
		t.Errorf("parts: got %v, want text and html", types)
	}
}

func TestRenderRefusesHeaderInjection(t *testing.T) {
	tests := []cmail.Message{
		{To: []string{"a@example.com"}, Subject: "hi", Text: "x", Headers: map[string]string{"X-A": "1\nBcc: e@example.com"}},
		{To: []string{"not an address"}, Subject: "hi", Text: "x"},
		{Subject: "no recipient", Text: "x"},
	}
	for i, msg := range tests {
		if _, err := cmail.Render(msg, "cards@example.com", time.Now()); err == nil {
			t.Errorf("message %d: got rendered, want refused", i)
		}
	}
	// A line break in the subject is encoded, never a new header.
	raw, err := cmail.Render(cmail.Message{To: []string{"a@example.com"}, Subject: "hi\r\nBcc: evil@example.com", Text: "x"}, "cards@example.com", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil || msg.Header.Get("Bcc") != "" {
		t.Errorf("subject with a line break: got Bcc %q, %v; want no Bcc header", msg.Header.Get("Bcc"), err)
	}
}
