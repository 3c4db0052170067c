// Package gateway emulates an API Gateway HTTP API in front of locally
// running functions: it matches requests to the routes of the template's
// HttpApi events as API Gateway does (most specific first), checks JWT
// authorizers, builds payload format 2.0 events and turns the functions'
// responses back into HTTP.
package gateway

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/cardloop/cardloop/infra/sam"
)

// Route is one route of an HTTP API.
type Route struct {
	// Method is an HTTP method or ANY.
	Method string
	// Path is the route's path, with {param} and a final {proxy+}.
	Path string
	// Function is the logical id of the function the route invokes.
	Function string
	// Authorizer names the JWT authorizer protecting the route; empty means
	// public.
	Authorizer string
}

// Key returns the route key, e.g. "GET /c/{storeId}".
func (r Route) Key() string { return r.Method + " " + r.Path }

// Authorizer is a JWT authorizer of an HTTP API.
type Authorizer struct {
	Name           string
	IdentitySource string
	Issuer         string
	Audience       []string
}

// Routes returns the routes of every HttpApi event of tpl's functions and the
// JWT authorizers they use, with intrinsic values resolved by r. A route's
// authorizer is its event's Auth.Authorizer (NONE: public), else its API's
// Auth.DefaultAuthorizer.
func Routes(tpl *sam.Template, r *sam.Resolver) ([]Route, map[string]Authorizer, error) {
	fns, err := tpl.Functions()
	if err != nil {
		return nil, nil, err
	}
	auths := map[string]Authorizer{}
	var routes []Route
	for _, f := range fns {
		for _, e := range f.Events {
			if e.Type != "HttpApi" {
				continue
			}
			method := strings.ToUpper(str(e.Properties["Method"]))
			if method == "" || method == "X-AMAZON-APIGATEWAY-ANY-METHOD" {
				method = "ANY"
			}
			path := str(e.Properties["Path"])
			if path == "" {
				return nil, nil, fmt.Errorf("function %s event %s: no Path", f.LogicalID, e.Name)
			}
			route := Route{Method: method, Path: path, Function: f.LogicalID}
			apiID := ""
			if ref, ok := e.Properties["ApiId"].(map[string]any); ok {
				apiID, _ = ref["Ref"].(string)
			}
			apiAuth := map[string]any{}
			if apiID != "" {
				api, ok := tpl.Resources[apiID]
				if !ok {
					return nil, nil, fmt.Errorf("function %s event %s: ApiId %s is not in the template", f.LogicalID, e.Name, apiID)
				}
				apiAuth, _ = api.Properties["Auth"].(map[string]any)
			}
			name := str(apiAuth["DefaultAuthorizer"])
			if ea, ok := e.Properties["Auth"].(map[string]any); ok {
				if a, set := ea["Authorizer"]; set {
					name = str(a)
				}
			}
			if name == "NONE" {
				name = ""
			}
			if name != "" {
				defs, _ := apiAuth["Authorizers"].(map[string]any)
				def, ok := defs[name].(map[string]any)
				if !ok {
					return nil, nil, fmt.Errorf("function %s event %s: authorizer %s is not defined on its API", f.LogicalID, e.Name, name)
				}
				a, err := authorizer(name, def, r)
				if err != nil {
					return nil, nil, fmt.Errorf("function %s event %s: %w", f.LogicalID, e.Name, err)
				}
				route.Authorizer = a.Name
				auths[a.Name] = a
			}
			routes = append(routes, route)
		}
	}
	sort.Slice(routes, func(i, j int) bool { return routes[i].Key() < routes[j].Key() })
	return routes, auths, nil
}

func authorizer(name string, def map[string]any, r *sam.Resolver) (Authorizer, error) {
	a := Authorizer{Name: name, IdentitySource: "$request.header.Authorization"}
	if s, ok := def["IdentitySource"]; ok {
		v, err := r.String(s)
		if err != nil {
			return a, fmt.Errorf("authorizer %s IdentitySource: %w", name, err)
		}
		a.IdentitySource = v
	}
	jc, _ := def["JwtConfiguration"].(map[string]any)
	if jc == nil {
		return a, fmt.Errorf("authorizer %s: only JWT authorizers are emulated", name)
	}
	iss, err := r.String(jc["issuer"])
	if err != nil {
		return a, fmt.Errorf("authorizer %s issuer: %w", name, err)
	}
	a.Issuer = iss
	aud, err := r.Strings(jc["audience"])
	if err != nil {
		return a, fmt.Errorf("authorizer %s audience: %w", name, err)
	}
	a.Audience = aud
	return a, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// segment kinds, in increasing specificity.
const (
	greedy = iota
	param
	literal
)

type compiled struct {
	Route
	kinds []int
	segs  []string // literal text or parameter name
}

func compile(r Route) (compiled, error) {
	c := compiled{Route: r}
	parts := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
	for i, p := range parts {
		switch {
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "+}"):
			if i != len(parts)-1 {
				return c, fmt.Errorf("route %s: greedy parameter must be last", r.Key())
			}
			c.kinds = append(c.kinds, greedy)
			c.segs = append(c.segs, p[1:len(p)-2])
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}"):
			c.kinds = append(c.kinds, param)
			c.segs = append(c.segs, p[1:len(p)-1])
		default:
			c.kinds = append(c.kinds, literal)
			c.segs = append(c.segs, p)
		}
	}
	return c, nil
}

// match reports whether rawPath matches the route and returns its path
// parameters (decoded).
func (c compiled) match(method, rawPath string) (map[string]string, bool) {
	if c.Method != "ANY" && c.Method != method {
		return nil, false
	}
	parts := strings.Split(strings.TrimPrefix(rawPath, "/"), "/")
	params := map[string]string{}
	for i, kind := range c.kinds {
		if kind == greedy {
			rest := strings.Join(parts[i:], "/")
			if i >= len(parts) {
				return nil, false
			}
			v, err := url.PathUnescape(rest)
			if err != nil {
				return nil, false
			}
			params[c.segs[i]] = v
			return params, true
		}
		if i >= len(parts) {
			return nil, false
		}
		v, err := url.PathUnescape(parts[i])
		if err != nil {
			return nil, false
		}
		switch kind {
		case literal:
			if v != c.segs[i] {
				return nil, false
			}
		case param:
			if v == "" {
				return nil, false
			}
			params[c.segs[i]] = v
		}
	}
	if len(parts) != len(c.kinds) {
		return nil, false
	}
	return params, true
}

// moreSpecific reports whether a should win over b when both match:
// segment by segment a literal beats a parameter beats a greedy one; then a
// method beats ANY.
func moreSpecific(a, b compiled) bool {
	for i := 0; i < len(a.kinds) && i < len(b.kinds); i++ {
		if a.kinds[i] != b.kinds[i] {
			return a.kinds[i] > b.kinds[i]
		}
	}
	if len(a.kinds) != len(b.kinds) {
		return len(a.kinds) > len(b.kinds)
	}
	return a.Method != "ANY" && b.Method == "ANY"
}
