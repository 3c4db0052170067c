package localauth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/infra/localauth"
	"github.com/cardloop/cardloop/infra/seed"
)

var manager = seed.User{Email: "manager.s002@example.com", Name: "Manager S002", Groups: []string{"store_manager"}, Stores: []string{"S002", "S003"}}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "key.pem")
	k1, err := localauth.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := localauth.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !k1.Equal(k2) {
		t.Errorf("second load: got a different key, want the stored one")
	}
}

func TestTokenVerify(t *testing.T) {
	key := newKey(t)
	now := time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC)
	iss := &localauth.Issuer{Key: key, URL: "http://127.0.0.1:8080/local/cognito", Audience: "client", Brand: "wang", Now: func() time.Time { return now }}
	tok, err := iss.Token(manager)
	if err != nil {
		t.Fatal(err)
	}
	other, err := (&localauth.Issuer{Key: newKey(t), URL: iss.URL, Audience: "client", Now: iss.Now}).Token(manager)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		token  string
		v      localauth.Verifier
		wantOK bool
	}{
		{"valid", tok, localauth.Verifier{Key: &key.PublicKey, Issuer: iss.URL, Audience: []string{"client"}, Now: iss.Now}, true},
		{"expired", tok, localauth.Verifier{Key: &key.PublicKey, Issuer: iss.URL, Audience: []string{"client"}, Now: func() time.Time { return now.Add(9 * time.Hour) }}, false},
		{"other key", other, localauth.Verifier{Key: &key.PublicKey, Issuer: iss.URL, Audience: []string{"client"}, Now: iss.Now}, false},
		{"wrong issuer", tok, localauth.Verifier{Key: &key.PublicKey, Issuer: "https://elsewhere", Audience: []string{"client"}, Now: iss.Now}, false},
		{"wrong audience", tok, localauth.Verifier{Key: &key.PublicKey, Issuer: iss.URL, Audience: []string{"other"}, Now: iss.Now}, false},
		{"garbage", "not.a.token", localauth.Verifier{Key: &key.PublicKey, Issuer: iss.URL, Audience: []string{"client"}, Now: iss.Now}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims, err := tt.v.Verify(tt.token)
			if got := err == nil; got != tt.wantOK {
				t.Fatalf("got ok=%v (%v), want ok=%v", got, err, tt.wantOK)
			}
			if !tt.wantOK {
				return
			}
			for k, want := range map[string]any{"email": manager.Email, "custom:stores": "S002,S003", "custom:brand": "wang", "token_use": "id", "aud": "client"} {
				if got := claims[k]; got != want {
					t.Errorf("claim %s: got %v, want %v", k, got, want)
				}
			}
			if got, want := claims["exp"], float64(now.Add(8*time.Hour).Unix()); got != want {
				t.Errorf("exp: got %v, want %v", got, want)
			}
		})
	}
}

func TestSignIn(t *testing.T) {
	key := newKey(t)
	iss := &localauth.Issuer{Key: key, URL: "http://127.0.0.1:8080/local/cognito", Audience: "client", Brand: "wang"}
	h := localauth.Handler(iss, []seed.User{manager})
	v := localauth.Verifier{Key: &key.PublicKey, Issuer: iss.URL, Audience: []string{"client"}}

	t.Run("page", func(t *testing.T) {
		for lang, want := range map[string]string{"en": "Sign in as", "zh-TW": "登入為", "zh-CN": "登录为"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/local/signin?lang="+lang+"&redirect_uri=/console/x", nil))
			body := rec.Body.String()
			if rec.Code != 200 || !strings.Contains(body, want) || !strings.Contains(body, manager.Email) {
				t.Errorf("%s: got %d %q, want 200 with %q and the user", lang, rec.Code, body, want)
			}
		}
	})
	tests := []struct {
		name, redirect string
		wantCode       int
		wantTarget     string
	}{
		{"default", "", http.StatusSeeOther, "/console/"},
		{"path", "/console/stores?x=1", http.StatusSeeOther, "/console/stores?x=1"},
		{"same host URL", "http://example.test/console/", http.StatusSeeOther, "/console/"},
		{"other host", "https://evil.test/console/", http.StatusBadRequest, ""},
		{"scheme relative", "//evil.test/x", http.StatusBadRequest, ""},
		{"javascript", "javascript:alert(1)", http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"email": {manager.Email}}
			req := httptest.NewRequest("POST", "/local/signin?state=s1&redirect_uri="+url.QueryEscape(tt.redirect), strings.NewReader(form.Encode()))
			req.Host = "example.test"
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantCode {
				t.Fatalf("got %d, want %d", rec.Code, tt.wantCode)
			}
			if tt.wantCode != http.StatusSeeOther {
				return
			}
			target, frag, _ := strings.Cut(rec.Header().Get("Location"), "#")
			if target != tt.wantTarget {
				t.Errorf("target: got %q, want %q", target, tt.wantTarget)
			}
			f, err := url.ParseQuery(frag)
			if err != nil {
				t.Fatal(err)
			}
			if f.Get("token_type") != "Bearer" || f.Get("expires_in") != "28800" || f.Get("state") != "s1" {
				t.Errorf("fragment: got %v, want token_type Bearer, expires_in 28800, state s1", f)
			}
			if _, err := v.Verify(f.Get("id_token")); err != nil {
				t.Errorf("id_token: %v", err)
			}
		})
	}
	t.Run("unknown user", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/local/signin", strings.NewReader("email=nobody@example.com"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("got %d, want 400", rec.Code)
		}
	})
	t.Run("jwks", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/local/jwks.json", nil))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"kid":"`+localauth.KeyID(&key.PublicKey)+`"`) {
			t.Errorf("got %d %s, want the key", rec.Code, rec.Body)
		}
	})
}
