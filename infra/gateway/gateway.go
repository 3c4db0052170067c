package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/staff"
)

// MaxPayload is API Gateway's request payload limit (10 MB).
const MaxPayload = 10 << 20

// IntegrationTimeout is API Gateway's limit on a Lambda integration.
const IntegrationTimeout = 30 * time.Second

// Invoker runs a function with a JSON event and returns its response.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// Verifier checks a bearer token and returns its claims; an error means the
// token is refused.
type Verifier interface {
	Verify(token string) (map[string]any, error)
}

// Options tune a Gateway.
type Options struct {
	// APIID and AccountID go into requestContext.
	APIID     string
	AccountID string
	// NotFound serves requests no route matches; API Gateway's 404
	// {"message":"Not Found"} when nil.
	NotFound http.Handler
	// Log receives one line per request; nothing when nil.
	Log *log.Logger
}

// Gateway is an http.Handler emulating an HTTP API.
type Gateway struct {
	routes    []compiled
	functions map[string]Invoker
	verifiers map[string]Verifier
	opts      Options
}

// New returns a gateway serving routes with functions (by logical id),
// checking tokens with verifiers (by authorizer name).
func New(routes []Route, functions map[string]Invoker, verifiers map[string]Verifier, opts Options) (*Gateway, error) {
	g := &Gateway{functions: functions, verifiers: verifiers, opts: opts}
	if g.opts.APIID == "" {
		g.opts.APIID = "local"
	}
	if g.opts.AccountID == "" {
		g.opts.AccountID = "123456789012"
	}
	for _, r := range routes {
		c, err := compile(r)
		if err != nil {
			return nil, err
		}
		if _, ok := functions[r.Function]; !ok {
			return nil, fmt.Errorf("route %s: no function %s", r.Key(), r.Function)
		}
		if r.Authorizer != "" {
			if _, ok := verifiers[r.Authorizer]; !ok {
				return nil, fmt.Errorf("route %s: no verifier for authorizer %s", r.Key(), r.Authorizer)
			}
		}
		g.routes = append(g.routes, c)
	}
	return g, nil
}

// Match returns the route API Gateway would choose for method and rawPath,
// and the path parameters.
func (g *Gateway) Match(method, rawPath string) (Route, map[string]string, bool) {
	var best *compiled
	var bestParams map[string]string
	for i := range g.routes {
		c := &g.routes[i]
		params, ok := c.match(method, rawPath)
		if !ok {
			continue
		}
		if best == nil || moreSpecific(*c, *best) {
			best, bestParams = c, params
		}
	}
	if best == nil {
		return Route{}, nil, false
	}
	return best.Route, bestParams, true
}

// ServeHTTP answers a request as the HTTP API would.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rawPath := r.URL.EscapedPath()
	route, params, ok := g.Match(r.Method, rawPath)
	if !ok {
		if g.opts.NotFound != nil {
			g.opts.NotFound.ServeHTTP(w, r)
			return
		}
		writeMessage(w, http.StatusNotFound, "Not Found")
		return
	}
	status := g.serve(w, r, route, params, rawPath)
	if g.opts.Log != nil {
		g.opts.Log.Printf("%s %s → %s %d (%s)", r.Method, r.URL.RequestURI(), route.Function, status, time.Since(start).Round(time.Millisecond))
	}
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, route Route, params map[string]string, rawPath string) int {
	if r.ContentLength > MaxPayload {
		return writeMessage(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		return writeMessage(w, http.StatusBadRequest, "Bad Request")
	}
	if len(body) > MaxPayload {
		return writeMessage(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
	}
	var authz *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
	if route.Authorizer != "" {
		token, ok := staff.BearerToken(r.Header.Get("Authorization"))
		claims, err := g.verifiers[route.Authorizer].Verify(token)
		if !ok {
			err = errors.New(`the Authorization header is not "Bearer <token>"`)
		}
		if err != nil {
			w.Header().Set("Www-Authenticate", `Bearer scope="" error="invalid_token" error_description="the token is not valid"`)
			if g.opts.Log != nil {
				g.opts.Log.Printf("%s %s: 401: %v", r.Method, r.URL.RequestURI(), err)
			}
			return writeMessage(w, http.StatusUnauthorized, "Unauthorized")
		}
		authz = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
			Claims: Claims(claims),
			Scopes: scopes(claims),
		}}
	}
	event := g.event(r, route, params, rawPath, body, authz)
	payload, err := marshalEvent(event)
	if err != nil {
		return writeMessage(w, http.StatusInternalServerError, "Internal Server Error")
	}
	ctx, cancel := context.WithTimeout(r.Context(), IntegrationTimeout)
	defer cancel()
	out, err := g.functions[route.Function].Invoke(ctx, payload)
	if err != nil {
		if g.opts.Log != nil {
			g.opts.Log.Printf("%s %s → %s failed: %v", r.Method, r.URL.RequestURI(), route.Function, err)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return writeMessage(w, http.StatusServiceUnavailable, "Service Unavailable")
		}
		return writeMessage(w, http.StatusInternalServerError, "Internal Server Error")
	}
	return writeResponse(w, out)
}

// event builds the payload format 2.0 event for r.
func (g *Gateway) event(r *http.Request, route Route, params map[string]string, rawPath string, body []byte, authz *events.APIGatewayV2HTTPRequestContextAuthorizerDescription) events.APIGatewayV2HTTPRequest {
	now := time.Now().UTC()
	ip, port, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	_, hostPort, _ := net.SplitHostPort(r.Host)
	if hostPort == "" {
		hostPort = port
	}
	headers := map[string]string{}
	var cookies []string
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if lk == "cookie" {
			for _, v := range vs {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[lk] = strings.Join(vs, ",")
	}
	headers["host"] = r.Host
	if len(body) > 0 || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		headers["content-length"] = strconv.Itoa(len(body))
	}
	if xff := headers["x-forwarded-for"]; xff != "" {
		headers["x-forwarded-for"] = xff + ", " + ip
	} else {
		headers["x-forwarded-for"] = ip
	}
	headers["x-forwarded-proto"] = "http"
	headers["x-forwarded-port"] = hostPort
	reqID := requestID()
	var trace [12]byte
	_, _ = rand.Read(trace[:])
	headers["x-amzn-trace-id"] = fmt.Sprintf("Root=1-%08x-%x", now.Unix(), trace)

	var query map[string]string
	if q, err := url.ParseQuery(r.URL.RawQuery); err == nil && len(q) > 0 {
		query = map[string]string{}
		for k, vs := range q {
			query[k] = strings.Join(vs, ",")
		}
	}
	if len(params) == 0 {
		params = nil
	}
	domain := r.Host
	prefix, _, _ := strings.Cut(domain, ".")
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              route.Key(),
		RawPath:               rawPath,
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     route.Key(),
			AccountID:    g.opts.AccountID,
			Stage:        "$default",
			RequestID:    reqID,
			Authorizer:   authz,
			APIID:        g.opts.APIID,
			DomainName:   domain,
			DomainPrefix: prefix,
			Time:         now.Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      rawPath,
				Protocol:  r.Proto,
				SourceIP:  ip,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type")) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// marshalEvent encodes the event without the mTLS-only authentication
// block, which API Gateway leaves out when there is no client certificate.
func marshalEvent(ev events.APIGatewayV2HTTPRequest) ([]byte, error) {
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	var rc map[string]json.RawMessage
	if err := json.Unmarshal(m["requestContext"], &rc); err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	delete(rc, "authentication")
	if m["requestContext"], err = json.Marshal(rc); err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	return json.Marshal(m)
}

// isText reports whether API Gateway passes a body of this content type as
// text; everything else (including form posts) arrives base64-encoded.
func isText(contentType string) bool {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0]))
	switch {
	case ct == "":
		return true
	case strings.HasPrefix(ct, "text/"):
		return true
	case ct == "application/json", strings.HasSuffix(ct, "+json"),
		ct == "application/xml", strings.HasSuffix(ct, "+xml"),
		ct == "application/javascript":
		return true
	}
	return false
}

// Claims renders JWT claims as API Gateway hands them to a function: every
// value a string, arrays as "[a b]".
func Claims(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		out[k] = claimString(v)
	}
	return out
}

func claimString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = claimString(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case []string:
		return "[" + strings.Join(x, " ") + "]"
	case nil:
		return ""
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}

func scopes(claims map[string]any) []string {
	s, _ := claims["scope"].(string)
	if s == "" {
		return nil
	}
	return strings.Fields(s)
}

// writeResponse turns a function's payload format 2.0 response into HTTP.
func writeResponse(w http.ResponseWriter, out []byte) int {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(out, &probe); err != nil || probe["statusCode"] == nil {
		if !json.Valid(out) {
			return writeMessage(w, http.StatusInternalServerError, "Internal Server Error")
		}
		// No statusCode: API Gateway returns the whole response as JSON.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(out)
		return http.StatusOK
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode < 100 || resp.StatusCode > 599 {
		return writeMessage(w, http.StatusInternalServerError, "Internal Server Error")
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return writeMessage(w, http.StatusInternalServerError, "Internal Server Error")
		}
		body = b
	}
	h := w.Header()
	keys := make([]string, 0, len(resp.MultiValueHeaders))
	for k := range resp.MultiValueHeaders {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range resp.MultiValueHeaders[k] {
			h.Add(k, v)
		}
	}
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	if h.Get("Content-Type") == "" {
		h["Content-Type"] = nil // no sniffing: API Gateway sends none
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Apigw-Requestid", requestID())
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	return resp.StatusCode
}

// writeMessage answers the gateway's own errors as the API's are, an RFC
// 9457 problem document (application/problem+json, the title in English),
// where API Gateway itself would send {"message":"…"}; a 503 says when to
// retry. The type is the one shared/http/respond gives the same status.
func writeMessage(w http.ResponseWriter, code int, msg string) int {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Apigw-Requestid", requestID())
	if code == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(respond.RetryAfter))
	}
	w.WriteHeader(code)
	b, _ := json.Marshal(respond.Problem{Type: respond.ProblemType(problemCodes[code]), Title: msg, Status: code})
	_, _ = w.Write(b)
	return code
}

// problemCodes are the fault codes of the gateway's own answers.
var problemCodes = map[int]fault.Code{
	http.StatusBadRequest:            fault.Malformed,
	http.StatusUnauthorized:          fault.Unauthorized,
	http.StatusForbidden:             fault.Forbidden,
	http.StatusNotFound:              fault.NotFound,
	http.StatusRequestEntityTooLarge: fault.TooLarge,
	http.StatusInternalServerError:   fault.Internal,
	http.StatusServiceUnavailable:    fault.Unavailable,
}

// requestID returns an id shaped like API Gateway's (e.g. "JKJaXmPLvHcESHA=").
func requestID() string {
	var b [11]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
