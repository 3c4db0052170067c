package page

import (
	"bytes"
	"context"
	"html"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/cardloop/cardloop/shared/i18n"
)

var hrefRe = regexp.MustCompile(`href="([^"]*)"`)

// hrefs returns the decoded href values of a rendered page.
func hrefs(s string) []string {
	var out []string
	for _, m := range hrefRe.FindAllStringSubmatch(s, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// TestURLsAsHTMLTemplate: links come out of templ as they came out of
// html/template, whose URL handling the pages had before; only the
// character references may differ (html/template writes + as &#43;).
func TestURLsAsHTMLTemplate(t *testing.T) {
	link := template.Must(template.New("").Parse(`<a href="{{.}}"></a>`))
	frag := template.Must(template.New("").Parse(`<a href="#{{.}}"></a>`))
	tests := []string{
		"/c/S001?lang=zh-TW&t=12",
		"/c/S001?lang=en&t=12%3Cb%3E",
		"/c/S 1/thanks?sorry=1",
		`/u/ok"><script>alert(1)</script>`,
		"/k/k_1?a=open&e=1&s=ab-_c&lang=zh-CN",
		"/c/門市?lang=zh-TW",
		"/o/x'y(z)",
		"tel:+886912345678",
		"https://example.com/a b",
		"mailto:li@example.com",
	}
	for _, s := range tests {
		t.Run(s, func(t *testing.T) {
			var want bytes.Buffer
			if err := link.Execute(&want, s); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			p := Page{Lang: i18n.En, Langs: []LangLink{{Code: "en", Name: "English", URL: s}}}
			if err := LangNav(p).Render(context.Background(), &got); err != nil {
				t.Fatal(err)
			}
			w, g := hrefs(want.String()), hrefs(got.String())
			if strings.HasPrefix(s, "tel:") { // html/template takes tel: only as template.URL
				w = []string{s}
			}
			if len(g) != 1 || g[0] != w[0] {
				t.Errorf("got href %q, want %q", g, w)
			}
			want.Reset()
			if err := frag.Execute(&want, s); err != nil {
				t.Fatal(err)
			}
			if got, want := string(Fragment(s)), hrefs(want.String())[0]; got != want {
				t.Errorf("fragment: got %q, want %q", got, want)
			}
		})
	}
}

// TestUnsafeValues: what a diner typed is text wherever it lands, and a
// link to another scheme is not followed.
func TestUnsafeValues(t *testing.T) {
	evil := `<script>alert(1)</script>"'&`
	rec := httptest.NewRecorder()
	Render(rec, slog.New(slog.NewTextHandler(io.Discard, nil)), http.StatusOK, MessagePage(Message{
		Page:    Page{Lang: i18n.En, Title: evil, StoreName: evil, Langs: []LangLink{{Code: "en", Name: evil, URL: "javascript:alert(1)"}}},
		Heading: evil, Paragraphs: []string{evil}, Subtitle: evil, LinkURL: "javascript:alert(2)", LinkText: evil,
		FormAction: "JavaScript:alert(3)", FormButton: evil,
	}))
	body := rec.Body.String()
	if strings.Contains(body, "<script>") || strings.Contains(strings.ToLower(body), "javascript:") {
		t.Errorf("got an unescaped value or a javascript: link:\n%s", body)
	}
	if got := strings.Count(body, "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&amp;"); got != 8 {
		t.Errorf("got the value escaped %d times, want 8 (title, name, subtitle, heading, paragraph, language, link, button)", got)
	}
	if got := rec.Header().Get("Content-Security-Policy"); !strings.Contains(got, "default-src 'none'") {
		t.Errorf("got Content-Security-Policy %q, want default-src 'none'", got)
	}
}
