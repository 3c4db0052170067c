package greeting

import (
	"html/template"
	"net/url"
	"strings"

	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/mail"
)

// Recipient is one diner a greeting is for, as the planner found them.
type Recipient struct {
	Key      string    `json:"key"`
	Email    string    `json:"email"`
	Name     string    `json:"name,omitempty"`
	Language i18n.Lang `json:"lang,omitempty"`
}

// Letter is what a greeting needs beyond the campaign and the diner.
type Letter struct {
	Brand, Store string // names, in the diner's language
	// UnsubscribeURL is the one-click link (RFC 8058); UnsubscribeMailto
	// the mailto alternative.
	UnsubscribeURL, UnsubscribeMailto string
	// MyDataURL is the diner's "My data" page (MyDataURL), linked in the
	// footer; "" leaves it out.
	MyDataURL string
}

// MyDataURL is the address of a brand's "My data" request page in lang,
// linked from every e-mail to a diner.
func MyDataURL(baseURL, brandID string, lang i18n.Lang) string {
	return baseURL + "/d?" + url.Values{"b": {brandID}, "lang": {string(lang)}}.Encode()
}

// Language picks the campaign's language for a diner: theirs when the
// campaign has it, else the store's, else the first the campaign has.
func (c Campaign) Language(diner, store i18n.Lang) i18n.Lang {
	for _, l := range []i18n.Lang{diner, store} {
		if _, ok := c.Content[l]; ok && l != "" {
			return l
		}
	}
	for _, l := range i18n.All {
		if _, ok := c.Content[l]; ok {
			return l
		}
	}
	return i18n.En
}

// Message renders the campaign's greeting for one diner in lang: the
// placeholders filled (escaped in the HTML part), the coupon line, the
// footer saying why they receive it with a visible unsubscribe link, and
// the RFC 8058 headers so mail clients offer one-click unsubscribe.
func (c Campaign) Message(r Recipient, lang i18n.Lang, l Letter) mail.Message {
	ct := c.Content[lang]
	name := strings.TrimSpace(r.Name)
	if name == "" {
		name = i18n.T(lang, "greeting.dinerFallback", nil)
	}
	coupon := c.Coupon(r.Key)
	fill := strings.NewReplacer("{name}", name, "{store}", l.Store, "{occasion}", c.OccasionName(lang), "{coupon}", coupon)
	subject := fill.Replace(ct.Subject)
	body := strings.TrimSpace(fill.Replace(ct.Body))
	footer := i18n.T(lang, "greeting.footer", map[string]string{"store": l.Store, "brand": l.Brand})
	unsub := i18n.T(lang, "greeting.unsubscribe", nil)

	var text strings.Builder
	text.WriteString(body + "\n")
	if coupon != "" && !strings.Contains(ct.Body, "{coupon}") {
		text.WriteString("\n" + i18n.T(lang, "greeting.coupon", map[string]string{"coupon": coupon}) + "\n")
	}
	text.WriteString("\n--\n" + footer + "\n" + unsub + ": " + l.UnsubscribeURL + "\n")
	mine := i18n.T(lang, "mydata.footer", nil)
	if l.MyDataURL != "" {
		text.WriteString(mine + ": " + l.MyDataURL + "\n")
	}

	var html strings.Builder
	html.WriteString(`<!doctype html><html lang="` + string(lang) + `"><head><meta charset="utf-8"><title>` + template.HTMLEscapeString(subject) + `</title></head>`)
	html.WriteString(`<body style="font-family:sans-serif;line-height:1.6;color:#222;max-width:36em;margin:auto;padding:1em">`)
	for _, para := range strings.Split(body, "\n\n") {
		html.WriteString("<p>" + strings.ReplaceAll(template.HTMLEscapeString(para), "\n", "<br>") + "</p>")
	}
	if coupon != "" && !strings.Contains(ct.Body, "{coupon}") {
		html.WriteString(`<p style="font-size:1.2em"><strong>` + template.HTMLEscapeString(i18n.T(lang, "greeting.coupon", map[string]string{"coupon": coupon})) + `</strong></p>`)
	}
	html.WriteString(`<hr><p style="font-size:.85em;color:#555">` + template.HTMLEscapeString(footer) +
		` <a href="` + template.HTMLEscapeString(l.UnsubscribeURL) + `">` + template.HTMLEscapeString(unsub) + `</a>`)
	if l.MyDataURL != "" {
		html.WriteString(` · <a href="` + template.HTMLEscapeString(l.MyDataURL) + `">` + template.HTMLEscapeString(mine) + `</a>`)
	}
	html.WriteString(`</p></body></html>`)

	list := "<" + l.UnsubscribeURL + ">"
	if l.UnsubscribeMailto != "" {
		list += ", <" + l.UnsubscribeMailto + ">"
	}
	return mail.Message{
		To: []string{r.Email}, Subject: subject, Text: text.String(), HTML: html.String(),
		Headers: map[string]string{
			"List-Unsubscribe":      list,
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
			"X-Cardloop-Campaign":   c.ID,
		},
		Tags: map[string]string{"campaign": tagValue(c.ID), "brand": tagValue(c.BrandID), "kind": "greeting"},
	}
}

// UnsubscribeMailto returns the mailto alternative of List-Unsubscribe:
// a message to the sender whose subject carries the token.
func UnsubscribeMailto(sender, token string) string {
	if sender == "" {
		return ""
	}
	return "mailto:" + sender + "?subject=" + url.PathEscape("unsubscribe "+token)
}

// tagValue keeps what SES accepts in a message tag value.
func tagValue(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, s)
}

// OptInMessage renders the confirmation e-mail of double opt-in; its
// footer links the diner's "My data" page (myDataURL, "" for none).
func OptInMessage(to, name string, lang i18n.Lang, brandName, storeName, confirmURL, myDataURL string) mail.Message {
	if strings.TrimSpace(name) == "" {
		name = i18n.T(lang, "greeting.dinerFallback", nil)
	}
	p := map[string]string{"brand": brandName, "store": storeName, "name": name}
	subject := i18n.T(lang, "optin.subject", p)
	hello, body, button, ignore := i18n.T(lang, "optin.hello", p), i18n.T(lang, "optin.body", p), i18n.T(lang, "optin.button", p), i18n.T(lang, "optin.ignore", p)
	text := hello + "\n\n" + body + "\n\n" + button + ": " + confirmURL + "\n\n" + ignore + "\n"
	e := template.HTMLEscapeString
	mine := ""
	if myDataURL != "" {
		text += "\n--\n" + i18n.T(lang, "mydata.footer", nil) + ": " + myDataURL + "\n"
		mine = `<p style="font-size:.85em;color:#555"><a href="` + e(myDataURL) + `">` + e(i18n.T(lang, "mydata.footer", nil)) + `</a></p>`
	}
	html := `<!doctype html><html lang="` + string(lang) + `"><head><meta charset="utf-8"><title>` + e(subject) + `</title></head>` +
		`<body style="font-family:sans-serif;line-height:1.6;color:#222;max-width:36em;margin:auto;padding:1em">` +
		`<p>` + e(hello) + `</p><p>` + e(body) + `</p>` +
		`<p><a href="` + e(confirmURL) + `" style="display:inline-block;background:#8b1a1a;color:#fff;padding:.6em 1.2em;border-radius:4px;text-decoration:none">` + e(button) + `</a></p>` +
		`<p style="font-size:.85em;color:#555">` + e(ignore) + `</p>` + mine + `</body></html>`
	return mail.Message{To: []string{to}, Subject: subject, Text: text, HTML: html,
		Headers: map[string]string{"X-Cardloop-Kind": "opt-in"}, Tags: map[string]string{"kind": "optin"}}
}
