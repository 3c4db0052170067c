// Package page draws the HTML pages diners and managers open from a phone:
// the shared layout (head, language switch) and the short message page, in
// the reader's language. Handler packages write their own pages in templ
// (github.com/a-h/templ) inside Layout and send them with Render.
//
// The pages are templ, not html/template: text/template's reflection
// (MethodByName with a name known only at run time) makes the linker keep
// every exported method of every reachable type, which cost each function
// megabytes. templ compiles to Go and escapes every value it writes, so what
// diners typed (HTML included) is shown as text; URL attributes go through
// URL or Fragment.
package page

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/i18n"
)

var langNames = map[i18n.Lang]string{i18n.ZhTW: "繁體中文", i18n.ZhCN: "简体中文", i18n.En: "English"}

// LangLink is one entry of the language switch.
type LangLink struct {
	Code string
	Name string
	URL  string
}

// Page is what every page needs: language, title, the name in the header,
// and the language switch.
type Page struct {
	Lang      i18n.Lang
	Title     string
	StoreName string
	Langs     []LangLink
}

// New returns a store's page titled by the i18n key titleKey; the language
// links keep the request's table number.
func New(r *http.Request, st brand.Store, lang i18n.Lang, titleKey string) Page {
	p := Page{Lang: lang, StoreName: st.DisplayName(lang), Title: i18n.T(lang, titleKey, nil) + " · " + st.DisplayName(lang)}
	for _, l := range i18n.All {
		q := url.Values{"lang": {string(l)}}
		if t := r.URL.Query().Get("t"); t != "" {
			q.Set("t", t)
		}
		p.Langs = append(p.Langs, LangLink{Code: string(l), Name: langNames[l], URL: r.URL.Path + "?" + q.Encode()})
	}
	return p
}

// Plain returns a page titled title under the header name, not a store's
// (a brand's greeting pages).
func Plain(r *http.Request, lang i18n.Lang, title, name string) Page {
	p := Page{Lang: lang, Title: title, StoreName: name}
	for _, l := range i18n.All {
		p.Langs = append(p.Langs, LangLink{Code: string(l), Name: langNames[l], URL: r.URL.Path + "?" + url.Values{"lang": {string(l)}}.Encode()})
	}
	return p
}

// T returns the text of the i18n key in the page's language.
func (p Page) T(key string) string { return i18n.T(p.Lang, key, nil) }

// ID is the element id of a form field: diner.phone is diner-phone.
func ID(field string) string { return strings.ReplaceAll(field, ".", "-") }

// Invalid is the class attribute class, with "invalid" added when the
// field has an error message (errMsg not empty).
func Invalid(class, errMsg string) string {
	switch {
	case errMsg == "":
		return class
	case class == "":
		return "invalid"
	}
	return class + " invalid"
}

// Anchor is a link: where it goes and its text.
type Anchor struct {
	URL  string
	Text string
}

// Message is a short page: thanks, not found, or an error.
type Message struct {
	Page
	Heading    string
	Paragraphs []string
	LinkURL    string
	LinkText   string
	// MoreLinks follow the link (the thanks page's "My data").
	MoreLinks []Anchor
	// Subtitle replaces the card's title under the header's name.
	Subtitle string
	// FormAction, when set, adds a one-button form posting there.
	FormAction string
	FormButton string
}

//go:embed page.css
var css string

// CSP is the pages' Content-Security-Policy: scripts only from this origin's
// files (the diner's retry page; no page has inline script), the one style
// sheet by its hash, forms posting only here, never framed.
var CSP = "default-src 'none'; script-src 'self'; style-src '" + styleHash() + "'; img-src 'self' data:; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func styleHash() string {
	sum := sha256.Sum256([]byte(css))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// Render renders c into memory first, so a template error is a clean 500
// rather than half a page. Rendering does no I/O, so it is not tied to the
// request's context: a client gone away costs a buffer, not an error log.
func Render(w http.ResponseWriter, log *slog.Logger, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		log.Error("render page", "err", err)
		http.Error(w, "Sorry, something went wrong.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", CSP)
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// URL is s for an href or action attribute: percent-encoded as
// html/template normalises URLs (the pages' links are unchanged by the move
// to templ), and sanitised by templ.URL, which lets only http, https,
// mailto, tel and ftp schemes through.
func URL(s string) templ.SafeURL { return templ.URL(escapeURL(s, true)) }

// Fragment is the link to the element with the given id on this page
// (#id), the id percent-encoded as a URL's fragment.
func Fragment(id string) templ.SafeURL { return templ.SafeURL("#" + escapeURL(id, false)) }

// escapeURL percent-encodes the bytes of s that may not stand in a URL
// attribute. With norm, s is a whole URL: reserved characters and existing
// escapes are kept. Without, s is a part of one and only unreserved
// characters are kept. (html/template's urlProcessor.)
func escapeURL(s string, norm bool) string {
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~", c) >= 0:
			continue
		case norm && strings.IndexByte("!#$&*+,/:;=?@[]%", c) >= 0:
			continue
		}
		b.WriteString(s[written:i])
		b.WriteByte('%')
		b.WriteByte("0123456789abcdef"[c>>4])
		b.WriteByte("0123456789abcdef"[c&15])
		written = i + 1
	}
	b.WriteString(s[written:])
	return b.String()
}
