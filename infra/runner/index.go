package runner

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"

	"github.com/cardloop/cardloop/infra/gateway"
	"github.com/cardloop/cardloop/infra/schedule"
)

// index serves the runner's home page at / (other unmatched paths get API
// Gateway's 404) and prints the start-up banner.
type index struct {
	base, endpoint string
	routes         []gateway.Route
	jobs           []schedule.Job
	sources        []string
}

// links are the URLs worth opening, in order.
func (x *index) links() [][2]string {
	return [][2]string{
		{"Diner card (S001, Taipei)", x.base + "/c/S001"},
		{"Diner card (S002, Shanghai)", x.base + "/c/S002"},
		{"Diner card (S003, Singapore)", x.base + "/c/S003"},
		{"Staff console", x.base + "/console/"},
		{"Local sign-in", x.base + "/local/signin"},
		{"Outbox (e-mail sent)", x.base + "/local/outbox"},
		{"Schedules", x.base + "/local/schedules"},
		{"AWS emulator", x.endpoint},
	}
}

func (x *index) banner() string {
	var b strings.Builder
	b.WriteString("\ncardloop is running locally:\n")
	for _, l := range x.links() {
		fmt.Fprintf(&b, "  %-30s %s\n", l[0], l[1])
	}
	for _, j := range x.jobs {
		fmt.Fprintf(&b, "  schedule %s/%s %s — trigger: go run ./cmd/cardloop trigger %s %s\n", j.Function, j.Event, j.Expression, j.Function, j.Event)
	}
	for _, s := range x.sources {
		fmt.Fprintf(&b, "  events   %s\n", s)
	}
	b.WriteString("  sign in from a shell: go run ./cmd/cardloop token manager.s001@example.com\nPress Ctrl-C to stop.\n\n")
	return b.String()
}

var indexTmpl = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>cardloop (local)</title>
<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.5}code{background:#f3f3f3;padding:0 .25rem;overflow-wrap:anywhere}td,th{padding:.2rem .6rem;text-align:left}.wide{overflow-x:auto}button{font:inherit;min-height:2.75rem;padding:.2rem .8rem}</style>
</head><body><main>
<h1>cardloop — local run</h1>
<ul>{{range .Links}}<li><a href="{{index . 1}}">{{index . 0}}</a> <code>{{index . 1}}</code></li>{{end}}</ul>
<h2 id="routes-h">Routes</h2>
<div class="wide" role="region" aria-labelledby="routes-h" tabindex="0"><table><thead><tr><th scope="col">Route</th><th scope="col">Function</th><th scope="col">Authorizer</th></tr></thead><tbody>
{{range .Routes}}<tr><td><code>{{.Key}}</code></td><td>{{.Function}}</td><td>{{if .Authorizer}}{{.Authorizer}}{{else}}none{{end}}</td></tr>{{end}}
</tbody></table></div>
{{if .Jobs}}<h2><a href="/local/schedules">Schedules</a></h2><ul>{{range .Jobs}}<li>{{.Function}}/{{.Event}} <code>{{.Expression}}</code>
<form method="post" action="/local/schedules/{{.Function}}/{{.Event}}" style="display:inline"><button type="submit" aria-label="Run now: {{.Function}} {{.Event}}">Run now</button></form></li>{{end}}</ul>{{end}}
{{if .Sources}}<h2>Event sources</h2><ul>{{range .Sources}}<li>{{.}}</li>{{end}}</ul>{{end}}
</main></body></html>
`))

func (x *index) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"message":"Not Found"}`)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = indexTmpl.Execute(w, map[string]any{"Links": x.links(), "Routes": x.routes, "Jobs": x.jobs, "Sources": x.sources})
}

// ownPageCSP is the policy of the runner's own pages (index, schedules,
// outbox, sign-in): no script at all; their inline style sheets and the
// e-mails the outbox shows in srcdoc frames (which inherit the policy) keep
// their inline styles and inline images.
const ownPageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; " +
	"base-uri 'none'; frame-ancestors 'none'"

// ownPage sends the runner's own pages with ownPageCSP. The functions' pages
// behind the gateway keep theirs.
func ownPage(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", ownPageCSP)
		h.ServeHTTP(w, r)
	})
}
