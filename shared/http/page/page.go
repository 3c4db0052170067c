// Package page draws the HTML pages diners and managers open from a phone:
// the shared layout (head, language switch) and the short message page, in
// the reader's language. A handler package parses its own templates over
// these with Parse and renders them with Render.
package page

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/i18n"
)

//go:embed templates/*.html
var layoutFiles embed.FS

// base holds the layout and the message page; Parse clones it for each
// handler package. html/template escapes every value, so what diners typed
// (HTML included) is shown as text.
var base = template.Must(template.New("").Funcs(template.FuncMap{
	"t":  func(l i18n.Lang, key string) string { return i18n.T(l, key, nil) },
	"id": func(field string) string { return strings.ReplaceAll(field, ".", "-") },
}).ParseFS(layoutFiles, "templates/*.html"))

// Parse returns the layout with the templates of files matching patterns
// added (none: the layout and the message page alone); it panics on a
// template error, as it runs at start-up.
func Parse(files fs.FS, patterns ...string) *template.Template {
	t := template.Must(base.Clone())
	if len(patterns) == 0 {
		return t
	}
	return template.Must(t.ParseFS(files, patterns...))
}

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

// Message is a short page: thanks, not found, or an error.
type Message struct {
	Page
	Heading    string
	Paragraphs []string
	LinkURL    string
	LinkText   string
	// Subtitle replaces the card's title under the header's name.
	Subtitle string
	// FormAction, when set, adds a one-button form posting there.
	FormAction string
	FormButton string
}

// Render executes template name of t into memory first, so a template error
// is a clean 500 rather than half a page.
func Render(w http.ResponseWriter, t *template.Template, log *slog.Logger, status int, name string, data any) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		log.Error("render page", "page", name, "err", err)
		http.Error(w, "Sorry, something went wrong.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}
