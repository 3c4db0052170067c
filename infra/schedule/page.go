package schedule

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"time"
)

// Run is what one run started from the schedules page did.
type Run struct {
	ID              int
	Function, Event string
	At              time.Time
	Took            time.Duration
	Output          []byte // the function's response
	Log             string // what the function logged during the run
	Tailed          bool   // whether Log is known (the invoker can tell)
	Err             error
}

// keptRuns is how many runs the page remembers; a run's result is read
// once, right after its redirect, so a few are plenty.
const keptRuns = 20

// maxOutput bounds the response kept for the page.
const maxOutput = 64 << 10

// record keeps run for the page and returns its id.
func (c *Clock) record(run Run) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	run.ID = c.seq
	if len(run.Output) > maxOutput {
		run.Output = append(run.Output[:maxOutput:maxOutput], "…"...)
	}
	c.runs = append(c.runs, run)
	if len(c.runs) > keptRuns {
		c.runs = c.runs[len(c.runs)-keptRuns:]
	}
	return run.ID
}

// run returns the remembered run id.
func (c *Clock) run(id int) (Run, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.runs {
		if r.ID == id {
			return r, true
		}
	}
	return Run{}, false
}

// Summary is the run's outcome in one line, e.g. "PlannerFunction ran
// (Hourly): ok in 120 ms".
func (r Run) Summary() string {
	outcome := "ok"
	if r.Err != nil {
		outcome = "failed"
	}
	return r.Function + " ran (" + r.Event + "): " + outcome + " in " + strconv.FormatInt(r.Took.Milliseconds(), 10) + " ms"
}

// Response is the function's response for display: indented JSON, or
// empty when the function returned nothing (null).
func (r Run) Response() string {
	out := bytes.TrimSpace(r.Output)
	if len(out) == 0 || string(out) == "null" {
		return ""
	}
	var b bytes.Buffer
	if json.Indent(&b, out, "", "  ") == nil {
		return b.String()
	}
	return string(out)
}

var pageTmpl = template.Must(template.New("schedules").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Run}}{{.Run.Summary}} — {{end}}Schedules — cardloop (local)</title>
<style>
body{font-family:system-ui,sans-serif;max-width:48rem;margin:1.5rem auto;padding:0 1rem;line-height:1.5}
code,pre{background:#f3f3f3;overflow-wrap:anywhere}
pre{padding:.5rem;white-space:pre-wrap;max-height:24rem;overflow:auto}
.jobs{list-style:none;padding:0}
.jobs li{border:1px solid #ccc;border-radius:.4rem;padding:.5rem 1rem;margin:.75rem 0}
.jobs h3{margin:.25rem 0;font-size:1.05rem;overflow-wrap:anywhere}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .75rem;margin:.25rem 0 .5rem}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
button{font:inherit;min-height:2.75rem;padding:.4rem 1rem;cursor:pointer}
.result{border-left:.3rem solid #2a7a2a;padding:.25rem 1rem;background:#f2f8f2}
.result.failed{border-color:#b3261e;background:#fbf1f0}
</style>
</head><body><main>
<p><a href="/">cardloop — local run</a></p>
<h1>Schedules</h1>
{{with .Run}}<section class="result{{if .Err}} failed{{end}}" role="status" aria-labelledby="result-h">
<h2 id="result-h">{{.Summary}}</h2>
<p>Started {{.At.UTC.Format "2006-01-02 15:04:05"}} UTC.</p>
{{if .Err}}<p id="result-err">Error:</p><pre role="region" tabindex="0" aria-labelledby="result-err">{{.Err}}</pre>{{else if .Response}}<p id="result-response">Response:</p><pre class="response" role="region" tabindex="0" aria-labelledby="result-response">{{.Response}}</pre>{{else}}<p>The function returned no response.</p>{{end}}
{{if .Log}}<p id="result-log">What it logged (the last 4 KB):</p><pre class="log" role="region" tabindex="0" aria-labelledby="result-log">{{.Log}}</pre>{{else if .Tailed}}<p>It logged nothing.</p>{{end}}
</section>{{end}}
{{if .Missing}}<p role="status">Run {{.Missing}} is no longer remembered (the runner keeps the last few, until it restarts).</p>{{end}}
<p>Each schedule of template.yaml. <strong>Run now</strong> fires it at once, with the event its schedule would send, and shows what the function did.</p>
{{if .Items}}<ul class="jobs">{{range .Items}}<li>
<h3>{{.Function}} / {{.Event}}</h3>
<dl><dt>Expression</dt><dd><code>{{.Expression}}</code> ({{.Timezone}})</dd>
<dt>Next run</dt><dd>{{if not .Enabled}}disabled{{else if .Next}}<time datetime="{{.Next}}">{{.NextLabel}}</time>{{else}}counted from the runner's start{{end}}</dd></dl>
<form method="post" action="/local/schedules/{{.Function}}/{{.Event}}"><button type="submit" aria-label="Run now: {{.Function}} {{.Event}}">Run now</button></form>
</li>{{end}}</ul>{{else}}<p>template.yaml has no schedules.</p>{{end}}
<p>From a shell: <code>go run ./cmd/cardloop trigger &lt;Function&gt; &lt;Event&gt;</code>. API clients get JSON from this address.</p>
</main></body></html>
`))

func (c *Clock) servePage(w http.ResponseWriter, r *http.Request, items []item) {
	type row struct {
		item
		NextLabel string // e.g. "2026-11-27 18:01 UTC (in 8 min)"
	}
	data := struct {
		Items   []row
		Run     *Run
		Missing string
	}{}
	now := c.now()
	for _, it := range items {
		r := row{item: it}
		if t, err := time.Parse(time.RFC3339, it.Next); err == nil {
			r.NextLabel = t.UTC().Format("2006-01-02 15:04 MST") + " (in " + until(t.Sub(now)) + ")"
		}
		data.Items = append(data.Items, r)
	}
	if q := r.URL.Query().Get("run"); q != "" {
		id, err := strconv.Atoi(q)
		if run, ok := c.run(id); err == nil && ok {
			data.Run = &run
		} else {
			data.Missing = q
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = pageTmpl.Execute(w, data)
}

// until says how far off d is, in minutes, hours or days.
func until(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < 2*time.Hour:
		return strconv.Itoa(int(d.Round(time.Minute)/time.Minute)) + " min"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Round(time.Hour)/time.Hour)) + " h"
	default:
		return strconv.Itoa(int(d.Round(24*time.Hour)/(24*time.Hour))) + " days"
	}
}
