package casemail_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/casemail"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/link"
)

// TestSendThroughSES sends an alert through the real SES v2 client and
// mailer against the emulator, and finds it among the messages the emulator
// accepted: one raw message with the case headers, a text and an HTML part.
func TestSendThroughSES(t *testing.T) {
	env := testenv.New(t)
	endpoint := emulator.EnsureEndpoint(t)
	k, f := caseFor("S001", false)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	k.ID = "k_ses_" + hex.EncodeToString(b) // the emulator is shared: find this test's message by its case
	mailer := sesmail.New(sesv2.NewFromConfig(env.Config), env.Resources["SenderIdentity"].Name, "")
	s := casemail.New(mailer, f, f, f, signerAt(time.Now()), "https://cards.example.com", link.DefaultTTL)
	id, err := s.SendNotice(context.Background(), casework.Notice{Kind: casework.NoticeAlert, To: "manager.s001@example.com"}, k)
	if err != nil || id == "" {
		t.Fatalf("send: got id %q, %v", id, err)
	}

	raw, err := emulator.SentRaw(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	var found []*netmail.Message
	for _, m := range raw {
		msg, err := netmail.ReadMessage(strings.NewReader(m))
		if err == nil && msg.Header.Get("X-Cardloop-Case") == k.ID {
			found = append(found, msg)
		}
	}
	if len(found) != 1 {
		t.Fatalf("messages for case %s: got %d, want 1", k.ID, len(found))
	}
	msg := found[0]
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if !strings.Contains(subject, "台北信義店：林小姐 評分很差") || msg.Header.Get("X-Cardloop-Notice") != "alert" {
		t.Errorf("headers: got subject %q, notice %q", subject, msg.Header.Get("X-Cardloop-Notice"))
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(p)
		typ, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts[typ] = string(body)
	}
	if !strings.Contains(parts["text/plain"], "tel:+886912345678") || !strings.Contains(parts["text/html"], "&lt;script&gt;") {
		t.Errorf("parts: got %d (%v), want text with the phone and HTML with the comment escaped", len(parts), keys(parts))
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
