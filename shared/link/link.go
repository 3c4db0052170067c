// Package link signs and checks the one-click links in cardloop's e-mails
// (acknowledge a case, open it): HMAC-SHA256 over the case, the action and
// the expiry, so a link works without signing in, only for what it names,
// and only until it expires.
package link

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/cardloop/cardloop/shared/fault"
)

// MinKeyBytes is the shortest signing key accepted.
const MinKeyBytes = 32

// DefaultTTL is how long a link works (7 days).
const DefaultTTL = 7 * 24 * time.Hour

// Errors a check reports, wrapped in a fault.Forbidden error.
var (
	ErrInvalid = errors.New("link signature does not match")
	ErrExpired = errors.New("link has expired")
)

// Signer signs and checks links with one key.
type Signer struct {
	key []byte
	now func() time.Time
}

// NewSigner returns a Signer for key, which must be at least MinKeyBytes.
func NewSigner(key []byte, now func() time.Time) (*Signer, error) {
	if len(key) < MinKeyBytes {
		return nil, fmt.Errorf("link signing key has %d bytes, want at least %d", len(key), MinKeyBytes)
	}
	return &Signer{key: key, now: now}, nil
}

func (s *Signer) mac(subject, action string, exp int64) string {
	m := hmac.New(sha256.New, s.key)
	fmt.Fprintf(m, "cardloop-link-v1\x00%s\x00%s\x00%d", subject, action, exp)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Query returns the query parameters that authorise action on subject (a
// case id) for ttl: a (action), e (expiry, Unix seconds), s (signature).
func (s *Signer) Query(subject, action string, ttl time.Duration) url.Values {
	exp := s.now().Add(ttl).Unix()
	return url.Values{"a": {action}, "e": {strconv.FormatInt(exp, 10)}, "s": {s.mac(subject, action, exp)}}
}

// Check verifies q authorises action on subject now. It returns the action's
// expiry, or a fault.Forbidden error wrapping ErrInvalid or ErrExpired.
func (s *Signer) Check(subject, action string, q url.Values) (time.Time, error) {
	exp, err := strconv.ParseInt(q.Get("e"), 10, 64)
	if err != nil || q.Get("a") != action || !hmac.Equal([]byte(q.Get("s")), []byte(s.mac(subject, action, exp))) {
		return time.Time{}, &fault.Error{Code: fault.Forbidden, Message: "This link is not valid.", Err: ErrInvalid}
	}
	at := time.Unix(exp, 0)
	if !s.now().Before(at) {
		return time.Time{}, &fault.Error{Code: fault.Forbidden, Message: "This link has expired.", Err: ErrExpired}
	}
	return at, nil
}
