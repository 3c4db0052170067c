package link

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// Keyed returns a keyed hash (HMAC-SHA256 under a key derived from the
// signing key) of value for purpose, in 52 lower-case base32 characters.
// What an erasure keeps of a diner — an opt-out, a suppressed address, the
// key of their send records — is kept this way: it can be matched by
// someone holding the key and the value, never read back.
func (s *Signer) Keyed(purpose, value string) string {
	k := hmac.New(sha256.New, s.key)
	k.Write([]byte("cardloop-keyed-hash-v1"))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(m.Sum(nil)))
}
