package mydata

import (
	"html/template"
	"strings"

	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/mail"
)

// LinkMessage renders the e-mail that carries a diner's one-time "My data"
// link, in lang.
func LinkMessage(to, name string, lang i18n.Lang, brandName, linkURL string) mail.Message {
	if strings.TrimSpace(name) == "" {
		name = i18n.T(lang, "greeting.dinerFallback", nil)
	}
	p := map[string]string{"brand": brandName, "name": name, "minutes": "30"}
	subject := i18n.T(lang, "mydata.mail.subject", p)
	hello, body, button, ignore := i18n.T(lang, "mydata.mail.hello", p), i18n.T(lang, "mydata.mail.body", p), i18n.T(lang, "mydata.mail.button", p), i18n.T(lang, "mydata.mail.ignore", p)
	text := hello + "\n\n" + body + "\n\n" + button + ": " + linkURL + "\n\n" + ignore + "\n"
	e := template.HTMLEscapeString
	html := `<!doctype html><html lang="` + string(lang) + `"><head><meta charset="utf-8"><title>` + e(subject) + `</title></head>` +
		`<body style="font-family:sans-serif;line-height:1.6;color:#222;max-width:36em;margin:auto;padding:1em">` +
		`<p>` + e(hello) + `</p><p>` + e(body) + `</p>` +
		`<p><a href="` + e(linkURL) + `" style="display:inline-block;background:#8b1a1a;color:#fff;padding:.6em 1.2em;border-radius:4px;text-decoration:none">` + e(button) + `</a></p>` +
		`<p style="font-size:.85em;color:#555">` + e(ignore) + `</p></body></html>`
	return mail.Message{To: []string{to}, Subject: subject, Text: text, HTML: html,
		Headers: map[string]string{"X-Cardloop-Kind": "my-data"}, Tags: map[string]string{"kind": "mydata"}}
}
