package runner

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	cmail "github.com/cardloop/cardloop/shared/mail"
)

func TestParseRaw(t *testing.T) {
	raw, err := cmail.Render(cmail.Message{
		To: []string{"manager.s001@example.com"}, Subject: "【需致歉】台北信義店",
		Text: "請致電顧客", HTML: `<p>請致電 <a href="http://127.0.0.1:8080/k/k_1?a=ack">確認</a></p>`,
		Headers: map[string]string{"X-Cardloop-Case": "k_1"},
	}, "cards@example.com", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m := parseRaw("cards@example.com", addresses([]any{"manager.s001@example.com", "manager.s001@example.com"}), string(raw))
	if m.Subject != "【需致歉】台北信義店" || m.Text != "請致電顧客" || m.Headers["X-Cardloop-Case"][0] != "k_1" {
		t.Errorf("parsed: got subject %q text %q headers %v", m.Subject, m.Text, m.Headers)
	}
	if len(m.To) != 1 {
		t.Errorf("recipients: got %v, want one (moto lists raw recipients twice)", m.To)
	}
	if want := `<a href="http://127.0.0.1:8080/k/k_1?a=ack">`; !contains(m.HTML, want) {
		t.Errorf("html: got %q, want the link intact", m.HTML)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// A digest's chart is an inline PNG in a multipart/related part, which the
// HTML shows by Content-ID: the outbox shows it too, and the image's
// base64 is not taken for the text part.
func TestParseRawInlineImage(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n fake image bytes, long enough to wrap the base64 line ...........")
	b64 := base64.StdEncoding.EncodeToString(png)
	raw := strings.Join([]string{
		"From: cards@example.com", "To: manager.s001@example.com", "Subject: weekly", "MIME-Version: 1.0",
		`Content-Type: multipart/alternative; boundary="alt"`, "",
		"--alt", "Content-Type: text/plain; charset=UTF-8", "", "本週摘要", "",
		"--alt", `Content-Type: multipart/related; type="text/html"; boundary="rel"`, "",
		"--rel", "Content-Type: text/html; charset=UTF-8", "Content-Transfer-Encoding: quoted-printable", "",
		`<p>=E5=9C=96</p><img src=3D"cid:chart-1@cardloop" alt=3D"chart">`, "",
		"--rel", `Content-Type: image/png; name="chart.png"`, "Content-Transfer-Encoding: base64",
		"Content-Id: <chart-1@cardloop>", `Content-Disposition: inline; filename="chart.png"`, "",
		b64[:40], b64[40:], "",
		"--rel--", "", "--alt--", "",
	}, "\r\n")
	m := parseRaw("cards@example.com", []string{"manager.s001@example.com"}, raw)
	if m.Text != "本週摘要" {
		t.Errorf("text: got %q, want the text part only", m.Text)
	}
	if want := `<img src="data:image/png;base64,` + b64 + `" alt="chart">`; !contains(m.HTML, want) || !contains(m.HTML, "<p>圖</p>") {
		t.Errorf("html: got %q, want the image inline as %q", m.HTML, want)
	}
	if contains(m.HTML, "cid:") {
		t.Errorf("html: a cid: reference is left: %q", m.HTML)
	}
}
