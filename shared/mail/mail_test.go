package mail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/cardloop/cardloop/infra/emulator"
	cmail "github.com/cardloop/cardloop/shared/mail"
)

func TestRenderParsesBack(t *testing.T) {
	m := cmail.New(nil, "cards@example.com", "")
	raw, err := m.Render(cmail.Message{
		To: []string{"manager.s001@example.com"}, Subject: "【需致歉】台北信義店 — 林小姐",
		Text: "牛排太老了 <b>", HTML: "<p>牛排太老了 &lt;b&gt;</p>",
		Headers: map[string]string{"X-Cardloop-Case": "k_1"},
	})
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
	m := cmail.New(nil, "cards@example.com", "")
	tests := []cmail.Message{
		{To: []string{"a@example.com"}, Subject: "hi", Text: "x", Headers: map[string]string{"X-A": "1\nBcc: e@example.com"}},
		{To: []string{"not an address"}, Subject: "hi", Text: "x"},
		{Subject: "no recipient", Text: "x"},
	}
	for i, msg := range tests {
		if _, err := m.Render(msg); err == nil {
			t.Errorf("message %d: got rendered, want refused", i)
		}
	}
	// A line break in the subject is encoded, never a new header.
	raw, err := m.Render(cmail.Message{To: []string{"a@example.com"}, Subject: "hi\r\nBcc: evil@example.com", Text: "x"})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil || msg.Header.Get("Bcc") != "" {
		t.Errorf("subject with a line break: got Bcc %q, %v; want no Bcc header", msg.Header.Get("Bcc"), err)
	}
}

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
	m := cmail.New(ses, from, "")
	id, err := m.Send(ctx, cmail.Message{To: []string{"manager.s001@example.com"}, Subject: "測試 " + from, Text: "plain", HTML: "<p>html</p>"})
	if err != nil || id == "" {
		t.Fatalf("send: got %q, %v", id, err)
	}
	resp, err := http.Get(endpoint + "/moto-api/data.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var data struct {
		SES struct {
			RawMessage []struct {
				Source  string `json:"source"`
				RawData string `json:"raw_data"`
			} `json:"RawMessage"`
		} `json:"ses"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&data); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, rm := range data.SES.RawMessage {
		found = found || (strings.Contains(rm.RawData, from) && strings.Contains(rm.RawData, "text/plain") && strings.Contains(rm.RawData, "text/html"))
	}
	if !found {
		t.Errorf("sent message not found in the emulator's SES store (%d raw messages)", len(data.SES.RawMessage))
	}

	if _, err := cmail.New(ses, "unverified@nowhere.example", "").Send(ctx, cmail.Message{To: []string{"a@example.com"}, Subject: "x", Text: "x"}); err == nil {
		t.Error("send from an unverified address: got sent, want an error")
	}
}
