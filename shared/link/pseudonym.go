package link

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// Pseudonym returns a keyed hash of value for purpose (such as "client-ip"):
// the same value gives the same pseudonym under one key, and without the key
// no one can tell which value it came from, nor link it to the pseudonym of
// another purpose. It lets cardloop count or compare personal data (a
// diner's IP address) without storing it. 128 bits, URL-safe base64.
func (s *Signer) Pseudonym(purpose, value string) string {
	m := hmac.New(sha256.New, s.key)
	fmt.Fprintf(m, "cardloop-pseudonym-v1\x00%s\x00%s", purpose, value)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}
