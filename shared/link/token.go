package link

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cardloop/cardloop/shared/fault"
)

// Token is what a sealed link carries: an action on a subject, until an
// expiry. Sealed tokens keep the subject (a diner's phone number, say) out
// of the URL: it is encrypted and authenticated with AES-256-GCM under a key
// derived from the signing key, so it can be neither read nor forged.
type Token struct {
	Action  string `json:"a"`
	Brand   string `json:"b,omitempty"`
	Subject string `json:"s"`
	Expires int64  `json:"e"` // Unix seconds
	// Ref names what the link came with (a campaign), for counting.
	Ref string `json:"r,omitempty"`
	// At is the payload's own time (e.g. the consent a confirmation is for).
	At int64 `json:"t,omitempty"`
}

func (s *Signer) aead() (cipher.AEAD, error) {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("cardloop-seal-v1"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	return cipher.NewGCM(block)
}

// Seal returns t, valid for ttl, as a URL-safe opaque string.
func (s *Signer) Seal(t Token, ttl time.Duration) (string, error) {
	t.Expires = s.now().Add(ttl).Unix()
	plain, err := json.Marshal(t)
	if err != nil {
		return "", fmt.Errorf("seal token: %w", err)
	}
	a, err := s.aead()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(a.Seal(nonce, nonce, plain, []byte(t.Action))), nil
}

// Open checks that sealed is an unexpired token for action and returns it,
// or a fault.Forbidden error wrapping ErrInvalid or ErrExpired.
func (s *Signer) Open(sealed, action string) (Token, error) {
	invalid := &fault.Error{Code: fault.Forbidden, Message: "This link is not valid.", Err: ErrInvalid}
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil {
		return Token{}, invalid
	}
	a, err := s.aead()
	if err != nil {
		return Token{}, err
	}
	if len(raw) < a.NonceSize() {
		return Token{}, invalid
	}
	plain, err := a.Open(nil, raw[:a.NonceSize()], raw[a.NonceSize():], []byte(action))
	if err != nil {
		return Token{}, invalid
	}
	var t Token
	if json.Unmarshal(plain, &t) != nil || t.Action != action {
		return Token{}, invalid
	}
	if !s.now().Before(time.Unix(t.Expires, 0)) {
		return Token{}, &fault.Error{Code: fault.Forbidden, Message: "This link has expired.", Err: ErrExpired}
	}
	return t, nil
}
