package link_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/link"
)

func TestKeyed(t *testing.T) {
	a, _ := link.NewSigner(bytes.Repeat([]byte{1}, 32), time.Now)
	b, _ := link.NewSigner(bytes.Repeat([]byte{2}, 32), time.Now)
	h := a.Keyed("email", "lin@example.com")
	if len(h) != 52 || h != a.Keyed("email", "lin@example.com") {
		t.Errorf("got %q, want 52 characters, the same each time", h)
	}
	for name, other := range map[string]string{
		"another key": b.Keyed("email", "lin@example.com"), "another purpose": a.Keyed("diner", "lin@example.com"), "another value": a.Keyed("email", "lin@example.org"),
	} {
		if other == h {
			t.Errorf("%s: got the same hash", name)
		}
	}
}

// TestKeyedClientAddress: the per-client limiter counts by a keyed hash of
// the source address (shared/http/limit), never the address itself.
func TestKeyedClientAddress(t *testing.T) {
	a, _ := link.NewSigner(bytes.Repeat([]byte{1}, 32), time.Now)
	b, _ := link.NewSigner(bytes.Repeat([]byte{2}, 32), time.Now)
	p := a.Keyed("client-ip", "203.0.113.7")
	for _, tc := range []struct {
		name string
		got  string
		same bool
	}{
		{"same key, purpose and value", a.Keyed("client-ip", "203.0.113.7"), true},
		{"another value", a.Keyed("client-ip", "203.0.113.8"), false},
		{"another purpose", a.Keyed("other", "203.0.113.7"), false},
		{"another key", b.Keyed("client-ip", "203.0.113.7"), false},
		{"purpose and value run together", a.Keyed("client-ip2", "03.0.113.7"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if (tc.got == p) != tc.same {
				t.Errorf("got %s against %s, want same=%v", tc.got, p, tc.same)
			}
		})
	}
	if len(p) != 52 || strings.Contains(p, "203") {
		t.Errorf("keyed hash: got %q, want 52 base32 characters that do not show the address", p)
	}
}
