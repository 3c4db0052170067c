package runner

import (
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
