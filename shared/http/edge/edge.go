// Package edge is what every HTTP function does before its handler runs: it
// bounds the request's time well under the function's Timeout, so a slow or
// unreachable dependency answers 503 problem+json with Retry-After (see
// shared/http/respond) instead of a Lambda timeout, and it sends the
// security headers every answer carries (a strict Content-Security-Policy,
// HSTS outside the local stage, nosniff, a same-origin referrer).
package edge

import (
	"context"
	"net/http"
	"time"
)

// Budget is how long a request may run: template.yaml's Globals give
// functions 10 s, and the answer must leave the function before that.
const Budget = 6 * time.Second

// margin is kept free before an existing deadline (Lambda's own), to write
// the 503.
const margin = 2 * time.Second

// CSP is the policy of every answer that does not set its own (the
// console's static pages and the JSON API; the rendered pages of
// shared/http/page set theirs with their style's hash). No inline script
// runs anywhere. Inline style attributes are allowed, and only they, for
// the e-mail preview the console shows in a sandboxed frame (which inherits
// this policy); they can load nothing but what img-src allows.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; " +
	"img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

// HSTS is Strict-Transport-Security outside the local stage.
const HSTS = "max-age=31536000; includeSubDomains"

// Options say where the function runs.
type Options struct {
	// Stage is STAGE; "local" (make run, tests) sends no HSTS, as the
	// local runner serves plain HTTP.
	Stage string
	// Budget replaces the package's Budget when set (tests).
	Budget time.Duration
}

// Wrap returns h behind the request deadline and the security headers.
func Wrap(h http.Handler, o Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", CSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		if o.Stage != "local" {
			hd.Set("Strict-Transport-Security", HSTS)
		}
		budget := Budget
		if o.Budget > 0 {
			budget = o.Budget
		}
		ctx, cancel := context.WithDeadline(r.Context(), Deadline(r.Context(), time.Now(), budget))
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Deadline is when a request that starts at now must be done: budget from
// now, or margin before the deadline ctx already has (Lambda's), whichever
// comes first.
func Deadline(ctx context.Context, now time.Time, budget time.Duration) time.Time {
	d := now.Add(budget)
	if outer, ok := ctx.Deadline(); ok && outer.Add(-margin).Before(d) {
		d = outer.Add(-margin)
	}
	return d
}
