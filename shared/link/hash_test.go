package link_test

import (
	"bytes"
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
