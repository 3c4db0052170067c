package link

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestPseudonym(t *testing.T) {
	a, _ := NewSigner(bytes.Repeat([]byte{1}, 32), time.Now)
	b, _ := NewSigner(bytes.Repeat([]byte{2}, 32), time.Now)
	p := a.Pseudonym("client-ip", "203.0.113.7")
	for _, tc := range []struct {
		name string
		got  string
		same bool
	}{
		{"same key, purpose and value", a.Pseudonym("client-ip", "203.0.113.7"), true},
		{"another value", a.Pseudonym("client-ip", "203.0.113.8"), false},
		{"another purpose", a.Pseudonym("other", "203.0.113.7"), false},
		{"another key", b.Pseudonym("client-ip", "203.0.113.7"), false},
		{"purpose and value run together", a.Pseudonym("client-ip2", "03.0.113.7"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if (tc.got == p) != tc.same {
				t.Errorf("got %s against %s, want same=%v", tc.got, p, tc.same)
			}
		})
	}
	if len(p) != 22 || strings.Contains(p, "203") {
		t.Errorf("pseudonym: got %q, want 22 base64url characters that do not show the address", p)
	}
}
