package link

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/cardloop/cardloop/shared/fault"
)

// SerialSigBytes is how much of the HMAC a card's QR code carries: 96 bits
// (16 characters) keep the code small and a forgery out of reach.
const SerialSigBytes = 12

// ErrNotCard is wrapped by ParseCardURL for a URL that is not a card's.
var ErrNotCard = errors.New("not a cardloop card URL")

// CardRef is what a printed card's QR code says: the card is store's, it has
// this serial and was printed with layout Version; Sig signs the three.
type CardRef struct {
	Store   string
	Serial  string
	Version int
	Sig     string
}

// SignSerial returns the signature of a printed card: a truncated
// HMAC-SHA256 over the store, the serial and the layout version. It does
// not expire: cards are printed months before they are filled.
func (s *Signer) SignSerial(store, serial string, version int) string {
	m := hmac.New(sha256.New, s.key)
	fmt.Fprintf(m, "cardloop-serial-v1\x00%s\x00%s\x00%d", store, serial, version)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:SerialSigBytes])
}

// CheckSerial verifies sig signs store, serial and version. It returns nil
// or a fault.Forbidden error wrapping ErrInvalid.
func (s *Signer) CheckSerial(store, serial string, version int, sig string) error {
	if !hmac.Equal([]byte(sig), []byte(s.SignSerial(store, serial, version))) {
		return &fault.Error{Code: fault.Forbidden, Message: "This card's code is not valid.", Err: ErrInvalid}
	}
	return nil
}

// CheckCard verifies a parsed card URL (see CheckSerial).
func (s *Signer) CheckCard(c CardRef) error {
	return s.CheckSerial(c.Store, c.Serial, c.Version, c.Sig)
}

// CardURL returns the URL a printed card's QR code holds: the online card
// of the store, base + "/c/{store}?s={serial}&v={version}&k={sig}", so a
// diner may answer on the phone instead, as the same card.
func (s *Signer) CardURL(base, store, serial string, version int) string {
	q := "s=" + url.QueryEscape(serial) + "&v=" + strconv.Itoa(version) + "&k=" + s.SignSerial(store, serial, version)
	return strings.TrimRight(base, "/") + "/c/" + url.PathEscape(store) + "?" + q
}

// ParseCardURL reads a card URL (as made by CardURL, under any base URL) back
// into its parts; it does not check the signature (CheckCard does). It
// returns an error wrapping ErrNotCard for anything else.
func ParseCardURL(raw string) (CardRef, error) {
	notCard := func(why string) (CardRef, error) {
		return CardRef{}, fmt.Errorf("card URL %.80q: %s: %w", raw, why, ErrNotCard)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return notCard("not a URL")
	}
	dir, store, ok := cutLast(u.EscapedPath())
	if !ok || !strings.HasSuffix(dir, "/c") {
		return notCard("path is not /c/{store}")
	}
	store, err = url.PathUnescape(store)
	if err != nil || store == "" {
		return notCard("no store")
	}
	q := u.Query()
	c := CardRef{Store: store, Serial: q.Get("s"), Sig: q.Get("k")}
	if c.Serial == "" || c.Sig == "" {
		return notCard("no serial or signature")
	}
	if c.Version, err = strconv.Atoi(q.Get("v")); err != nil || c.Version < 1 {
		return notCard("no layout version")
	}
	return c, nil
}

// cutLast splits p at its last "/".
func cutLast(p string) (dir, last string, ok bool) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", "", false
	}
	return p[:i], p[i+1:], true
}
