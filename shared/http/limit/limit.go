// Package limit caps how many requests one client may send to a handler in
// a window of time (docs/reliability.md, "Per-client limits"). API
// Gateway's throttling is per route, so one client flooding the card routes
// would use up their rate for every diner; this counts each client on its
// own. A client is its source IP address (API Gateway's
// requestContext.http.sourceIp, which the Lambda proxy puts in
// Request.RemoteAddr), kept only as a keyed hash. Windows are fixed: at most
// Max requests per Window, so a client may send up to twice Max across the
// boundary of two windows.
package limit

import (
	"context"
	"log/slog"
	"math"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/page"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
)

// Rule is how many requests a client may send per window. A Rule with no
// Max or no Window limits nothing.
type Rule struct {
	Max    int
	Window time.Duration
}

func (r Rule) on() bool { return r.Max > 0 && r.Window > 0 }

// counter keeps the counts (limitstore.Store).
type counter interface {
	// Count adds one to client's requests in the window that starts at
	// start, keeps the count until expires, and returns the window's count
	// including this request. Errors: the storage's, fault.Unavailable when
	// worth retrying.
	Count(ctx context.Context, client string, start, expires time.Time) (int, error)
}

// pseudonymizer turns an address into a keyed hash (link.Signer).
type pseudonymizer interface {
	Keyed(purpose, value string) string
}

// Limiter counts each client's requests against one Rule.
type Limiter struct {
	counts counter
	ids    pseudonymizer
	rule   Rule
	now    func() time.Time
	log    *slog.Logger
}

// New returns a Limiter of rule that counts in counts, knowing clients by
// ids' pseudonym of their address.
func New(counts counter, ids pseudonymizer, rule Rule, now func() time.Time, log *slog.Logger) *Limiter {
	return &Limiter{counts: counts, ids: ids, rule: rule, now: now, log: log}
}

// Allow counts one request of the client at addr and reports whether it is
// within the rule, and if not, how long until the client's window ends.
//
// It fails open: when the count cannot be kept (the table is throttled or
// down) the request is let through and a warning logged. The limiter is
// there to keep one client from using up the route's rate for the others;
// refusing every diner's card because the counter is unwell would do what
// it is there to prevent, and the route's own throttle (template.yaml,
// RouteSettings) still caps the total meanwhile.
func (l *Limiter) Allow(ctx context.Context, addr string) (bool, time.Duration) {
	if !l.rule.on() || addr == "" {
		return true, 0
	}
	now := l.now()
	start := now.Truncate(l.rule.Window)
	end := start.Add(l.rule.Window)
	// Kept one window past its end: the item is never read after it, and
	// the table's TTL may take days to delete it anyway.
	n, err := l.counts.Count(ctx, l.ids.Keyed("client-ip", addr), start, end.Add(l.rule.Window))
	if err != nil {
		l.log.Warn("client request count not kept; request let through", "err", err)
		return true, 0
	}
	if n <= l.rule.Max {
		return true, 0
	}
	return false, end.Sub(now)
}

// Wrap returns next behind the limiter: every request that can change
// something (any method but GET, HEAD and OPTIONS) is counted, and a client
// over the rule is answered 429 with Retry-After — a problem document, or
// for a browser's form post a page in the diner's language — without
// reaching next.
func (l *Limiter) Wrap(next http.Handler) http.Handler {
	if !l.rule.on() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		ok, wait := l.Allow(r.Context(), clientAddr(r))
		if ok {
			next.ServeHTTP(w, r)
			return
		}
		l.refuse(w, r, wait)
	})
}

// clientAddr is the request's source address without a port.
func clientAddr(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// maxFormBody bounds what is read of a refused form to find its language.
const maxFormBody = 64 << 10

func (l *Limiter) refuse(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	lang := i18n.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"), i18n.ZhTW)
	if !isForm(r) {
		respond.WriteProblem(w, fault.New(fault.TooMany, "Too many requests from this address; try again in %d seconds.", secs), lang, l.log)
		return
	}
	// The card form says which language the diner was reading it in.
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err == nil {
		if fl, ok := i18n.Parse(r.PostForm.Get("lang")); ok {
			lang = fl
		}
	}
	title := i18n.T(lang, "limit.title", nil)
	page.Render(w, l.log, http.StatusTooManyRequests, page.MessagePage(page.Message{
		Page:       page.Page{Lang: lang, Title: title, StoreName: "cardloop"},
		Heading:    title,
		Paragraphs: []string{i18n.T(lang, "limit.body", nil), i18n.T(lang, "limit.retry", map[string]string{"seconds": strconv.Itoa(secs)})},
	}))
}

// isForm reports whether r is a browser's form post (answered with a page)
// rather than an API call (answered with a problem document).
func isForm(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data" ||
		strings.Contains(r.Header.Get("Accept"), "text/html")
}
