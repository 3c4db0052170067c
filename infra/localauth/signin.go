package localauth

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cardloop/cardloop/infra/seed"
)

// Handler serves the local stand-in for Cognito's hosted UI:
//
//	GET  /local/signin     a page listing the seeded staff (?lang=en|zh-TW|zh-CN)
//	POST /local/signin     email=… signs that user in: 303 to
//	                       redirect_uri#id_token=…&token_type=Bearer&expires_in=28800
//	GET  /local/signout    303 to logout_uri (or redirect_uri), like Cognito's /logout
//	GET  /local/jwks.json  the signing key (also under the issuer's /.well-known/)
//
// redirect_uri (query or form) must be a path on this server, or an absolute
// URL on this server's host; it defaults to /console/.
func Handler(iss *Issuer, users []seed.User) http.Handler {
	h := &signin{iss: iss, users: users}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /local/signin", h.page)
	mux.HandleFunc("POST /local/signin", h.signIn)
	mux.HandleFunc("GET /local/signout", h.signOut)
	mux.HandleFunc("GET /local/jwks.json", h.jwks)
	if u, err := url.Parse(iss.URL); err == nil && u.Path != "" {
		mux.HandleFunc("GET "+u.Path+"/.well-known/jwks.json", h.jwks)
		mux.HandleFunc("GET "+u.Path+"/.well-known/openid-configuration", h.discovery)
	}
	return mux
}

type signin struct {
	iss   *Issuer
	users []seed.User
}

// labels are the page's words by language.
var labels = map[string]map[string]string{
	"en": {
		"title": "Sign in (local)", "intro": "Local stand-in for the Cognito sign-in page. Choose a demo staff member:",
		"as": "Sign in as", "groups": "Groups", "stores": "Stores", "all": "all", "note": "Tokens are signed with the local key and expire after 8 hours.",
	},
	"zh-TW": {
		"title": "登入（本機）", "intro": "本機替代的 Cognito 登入頁。請選擇一位示範員工：",
		"as": "登入為", "groups": "群組", "stores": "門市", "all": "全部", "note": "權杖以本機金鑰簽署，8 小時後失效。",
	},
	"zh-CN": {
		"title": "登录（本机）", "intro": "本机替代的 Cognito 登录页。请选择一位示范员工：",
		"as": "登录为", "groups": "群组", "stores": "门店", "all": "全部", "note": "令牌以本机密钥签名，8 小时后失效。",
	},
}

// language picks en, zh-TW or zh-CN from ?lang= or Accept-Language.
func language(r *http.Request) string {
	cands := []string{r.URL.Query().Get("lang")}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		cands = append(cands, tag)
	}
	for _, c := range cands {
		l := strings.ToLower(c)
		switch {
		case l == "":
		case l == "zh-tw" || l == "zh-hk" || l == "zh-mo" || strings.HasPrefix(l, "zh-hant"):
			return "zh-TW"
		case strings.HasPrefix(l, "zh"):
			return "zh-CN"
		case strings.HasPrefix(l, "en"):
			return "en"
		}
	}
	return "en"
}

var pageTmpl = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.L.title}} – cardloop</title>
<style>
body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
ul{list-style:none;padding:0}li{margin:.75rem 0}
button{font:inherit;width:100%;text-align:left;padding:.75rem 1rem;border:1px solid #555;border-radius:.5rem;background:#fff;cursor:pointer}
button:hover,button:focus{background:#eef;outline:3px solid #33c}
.meta{display:block;font-size:.9em;color:#333}
nav a{margin-right:1rem}
</style>
</head>
<body>
<main>
<h1>{{.L.title}}</h1>
<nav aria-label="Language"><a href="?{{.Query "en"}}" lang="en">English</a><a href="?{{.Query "zh-TW"}}" lang="zh-TW">繁體中文</a><a href="?{{.Query "zh-CN"}}" lang="zh-CN">简体中文</a></nav>
<p>{{.L.intro}}</p>
<ul>
{{range .Users}}<li>
<form method="post" action="/local/signin?{{$.Action}}">
<input type="hidden" name="email" value="{{.Email}}">
<button type="submit">{{$.L.as}} <strong>{{.Name}}</strong> &lt;{{.Email}}&gt;
<span class="meta">{{$.L.groups}}: {{range $i, $g := .Groups}}{{if $i}}, {{end}}{{$g}}{{end}} · {{$.L.stores}}: {{if .Stores}}{{range $i, $s := .Stores}}{{if $i}}, {{end}}{{$s}}{{end}}{{else}}{{$.L.all}}{{end}}</span></button>
</form>
</li>
{{end}}</ul>
<p><small>{{.L.note}}</small></p>
</main>
</body>
</html>
`))

type pageData struct {
	Lang   string
	L      map[string]string
	Users  []seed.User
	Action string
	query  url.Values
}

// Query returns the page's query with lang set to lang.
func (p pageData) Query(lang string) string {
	q := url.Values{}
	for k, v := range p.query {
		q[k] = v
	}
	q.Set("lang", lang)
	return q.Encode()
}

func (h *signin) page(w http.ResponseWriter, r *http.Request) {
	lang := language(r)
	q := r.URL.Query()
	action := url.Values{}
	for k, v := range q {
		if k != "lang" {
			action[k] = v
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = pageTmpl.Execute(w, pageData{Lang: lang, L: labels[lang], Users: h.users, Action: action.Encode(), query: q})
}

func (h *signin) signIn(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	email := strings.ToLower(strings.TrimSpace(r.Form.Get("email")))
	var user *seed.User
	for i := range h.users {
		if strings.ToLower(h.users[i].Email) == email {
			user = &h.users[i]
		}
	}
	if user == nil {
		http.Error(w, "unknown user "+strconv.Quote(email), http.StatusBadRequest)
		return
	}
	target, ok := sameOrigin(r, r.Form.Get("redirect_uri"), "/console/")
	if !ok {
		http.Error(w, "redirect_uri must be a path on this server", http.StatusBadRequest)
		return
	}
	tok, err := h.iss.Token(*user)
	if err != nil {
		http.Error(w, "could not issue a token", http.StatusInternalServerError)
		return
	}
	ttl := h.iss.TTL
	if ttl == 0 {
		ttl = TokenTTL
	}
	frag := url.Values{}
	frag.Set("id_token", tok)
	frag.Set("token_type", "Bearer")
	frag.Set("expires_in", strconv.Itoa(int(ttl.Seconds())))
	if s := r.Form.Get("state"); s != "" {
		frag.Set("state", s)
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target+"#"+frag.Encode(), http.StatusSeeOther)
}

func (h *signin) signOut(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	raw := q.Get("logout_uri")
	if raw == "" {
		raw = q.Get("redirect_uri")
	}
	target, ok := sameOrigin(r, raw, "/console/")
	if !ok {
		http.Error(w, "logout_uri must be a path on this server", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// sameOrigin turns raw into a path on this server: a path is kept, an
// absolute URL is accepted only for r's host.
func sameOrigin(r *http.Request, raw, def string) (string, bool) {
	if raw == "" {
		return def, true
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	if u.IsAbs() || u.Host != "" {
		if (u.Scheme != "http" && u.Scheme != "https") || !strings.EqualFold(u.Host, r.Host) {
			return "", false
		}
	}
	if !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || strings.Contains(u.Path, `\`) {
		return "", false
	}
	out := u.EscapedPath()
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out, true
}

func (h *signin) jwks(w http.ResponseWriter, r *http.Request) {
	b, err := h.iss.JWKS()
	if err != nil {
		http.Error(w, "jwks unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

func (h *signin) discovery(w http.ResponseWriter, r *http.Request) {
	base := "http://" + r.Host
	doc := `{"issuer":` + strconv.Quote(h.iss.URL) +
		`,"authorization_endpoint":` + strconv.Quote(base+"/local/signin") +
		`,"end_session_endpoint":` + strconv.Quote(base+"/local/signout") +
		`,"jwks_uri":` + strconv.Quote(h.iss.URL+"/.well-known/jwks.json") +
		`,"response_types_supported":["token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["ES256"]}`
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(doc))
}
