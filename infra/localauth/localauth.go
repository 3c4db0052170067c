// Package localauth stands in for Cognito when the app runs locally: it
// signs ID tokens shaped like Cognito's for the seeded staff with a local
// ECDSA P-256 key, verifies them as the HTTP API's JWT authorizer would, and
// serves a sign-in page that redirects like Cognito's implicit grant.
package localauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cardloop/cardloop/infra/seed"
)

// TokenTTL is how long an ID token lives: the template's IdTokenValidity.
const TokenTTL = 8 * time.Hour

// LoadOrCreateKey reads the PEM-encoded EC private key at path, creating a
// new P-256 key there (mode 0600) when the file does not exist.
func LoadOrCreateKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate signing key: %w", err)
		}
		der, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, fmt.Errorf("encode signing key: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("write signing key %s: %w", path, err)
		}
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
		if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
			return nil, fmt.Errorf("write signing key %s: %w", path, err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("read signing key %s: no PEM block", path)
	}
	if key, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return key, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("read signing key %s: %w", path, err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("read signing key %s: got a %T, want an EC key", path, k)
	}
	return key, nil
}

// KeyID returns the key id (kid) of a public key: a thumbprint, so that it
// changes with the key.
func KeyID(pub *ecdsa.PublicKey) string {
	sum := sha256.Sum256(append(pub.X.Bytes(), pub.Y.Bytes()...))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// Issuer signs Cognito-shaped ID tokens.
type Issuer struct {
	// Key signs the tokens (ES256).
	Key *ecdsa.PrivateKey
	// URL is the iss claim.
	URL string
	// Audience is the aud claim: the app client id.
	Audience string
	// Brand is the custom:brand claim.
	Brand string
	// TTL is the token lifetime; TokenTTL when zero.
	TTL time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Token returns a signed ID token for u, with the claims Cognito would put
// in it: sub, email, name, cognito:groups, custom:stores, custom:brand,
// token_use, aud, iss, iat, exp.
func (i *Issuer) Token(u seed.User) (string, error) {
	if i.Key == nil {
		return "", errors.New("issue token: no signing key")
	}
	now := time.Now
	if i.Now != nil {
		now = i.Now
	}
	ttl := i.TTL
	if ttl == 0 {
		ttl = TokenTTL
	}
	t := now().Truncate(time.Second)
	sub := subject(u.Email)
	claims := jwt.MapClaims{
		"sub":              sub,
		"cognito:username": sub,
		"email":            u.Email,
		"email_verified":   true,
		"name":             u.Name,
		"token_use":        "id",
		"aud":              i.Audience,
		"iss":              i.URL,
		"auth_time":        t.Unix(),
		"iat":              t.Unix(),
		"exp":              t.Add(ttl).Unix(),
		"jti":              newJTI(),
	}
	if len(u.Groups) > 0 {
		claims["cognito:groups"] = u.Groups
	}
	if len(u.Stores) > 0 {
		claims["custom:stores"] = strings.Join(u.Stores, ",")
	}
	if i.Brand != "" {
		claims["custom:brand"] = i.Brand
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = KeyID(&i.Key.PublicKey)
	s, err := tok.SignedString(i.Key)
	if err != nil {
		return "", fmt.Errorf("sign token for %s: %w", u.Email, err)
	}
	return s, nil
}

// JWKS returns the JSON Web Key Set of the issuer's public key.
func (i *Issuer) JWKS() ([]byte, error) {
	pub := &i.Key.PublicKey
	size := (pub.Curve.Params().BitSize + 7) / 8
	key := map[string]string{
		"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig",
		"kid": KeyID(pub),
		"x":   base64.RawURLEncoding.EncodeToString(pad(pub.X, size)),
		"y":   base64.RawURLEncoding.EncodeToString(pad(pub.Y, size)),
	}
	b, err := json.Marshal(map[string]any{"keys": []any{key}})
	if err != nil {
		return nil, fmt.Errorf("encode jwks: %w", err)
	}
	return b, nil
}

func pad(n *big.Int, size int) []byte {
	b := n.Bytes()
	if len(b) >= size {
		return b
	}
	return append(make([]byte, size-len(b)), b...)
}

// subject derives a stable UUID-shaped sub from an e-mail address.
func subject(email string) string {
	h := sha256.Sum256([]byte(strings.ToLower(email)))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func newJTI() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Verifier checks tokens as an HTTP API JWT authorizer does: signature by
// the known key, exp and nbf, iss, and aud (or client_id for access tokens)
// among the configured audiences.
type Verifier struct {
	Key      *ecdsa.PublicKey
	Issuer   string
	Audience []string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Verify returns the token's claims, or an error saying why it is refused.
func (v *Verifier) Verify(token string) (map[string]any, error) {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{"ES256"}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(v.Issuer),
	}
	if v.Now != nil {
		opts = append(opts, jwt.WithTimeFunc(v.Now))
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != "" && kid != KeyID(v.Key) {
			return nil, fmt.Errorf("unknown key id %q", kid)
		}
		return v.Key, nil
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("verify token: %w", err)
	}
	use, _ := claims["token_use"].(string)
	switch use {
	case "id":
		aud, err := claims.GetAudience()
		if err != nil {
			return nil, fmt.Errorf("verify token: %w", err)
		}
		if !slices.ContainsFunc(aud, func(a string) bool { return slices.Contains(v.Audience, a) }) {
			return nil, fmt.Errorf("verify token: audience %v not accepted", aud)
		}
	case "access":
		cid, _ := claims["client_id"].(string)
		if !slices.Contains(v.Audience, cid) {
			return nil, fmt.Errorf("verify token: client_id %q not accepted", cid)
		}
	default:
		return nil, fmt.Errorf("verify token: token_use %q, want id or access", use)
	}
	return claims, nil
}
