package link_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/link"
)

func TestCardURL(t *testing.T) {
	s, err := link.NewSigner([]byte(strings.Repeat("k", 32)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := link.NewSigner([]byte(strings.Repeat("x", 32)), time.Now)
	u := s.CardURL("https://cards.example.com/", "S001", "AB3CD5EF7GH2JKL", 1)
	if want := "https://cards.example.com/c/S001?s=AB3CD5EF7GH2JKL&v=1&k="; !strings.HasPrefix(u, want) {
		t.Fatalf("got %s, want prefix %s", u, want)
	}
	c, err := link.ParseCardURL(u)
	if err != nil {
		t.Fatal(err)
	}
	if c.Store != "S001" || c.Serial != "AB3CD5EF7GH2JKL" || c.Version != 1 || len(c.Sig) != 16 {
		t.Fatalf("got %+v, want S001 AB3CD5EF7GH2JKL v1 with a 16-character signature", c)
	}
	forged := func(f func(*link.CardRef)) link.CardRef { d := c; f(&d); return d }
	tests := []struct {
		name string
		ref  link.CardRef
		by   *link.Signer
		ok   bool
	}{
		{"as printed", c, s, true},
		{"another serial", forged(func(d *link.CardRef) { d.Serial = "AB3CD5EF7GH2JKM" }), s, false},
		{"another store", forged(func(d *link.CardRef) { d.Store = "S002" }), s, false},
		{"another layout version", forged(func(d *link.CardRef) { d.Version = 2 }), s, false},
		{"altered signature", forged(func(d *link.CardRef) { d.Sig = flip(d.Sig) }), s, false},
		{"no signature", forged(func(d *link.CardRef) { d.Sig = "" }), s, false},
		{"another key", c, other, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.by.CheckCard(tt.ref)
			if tt.ok {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			var fe *fault.Error
			if !errors.Is(err, link.ErrInvalid) || !errors.As(err, &fe) || fe.Code != fault.Forbidden {
				t.Fatalf("got %v, want a forbidden ErrInvalid", err)
			}
		})
	}
}

func TestParseCardURL(t *testing.T) {
	tests := []struct {
		url  string
		want link.CardRef // zero: not a card
	}{
		{"http://127.0.0.1:8080/c/S001?s=ABC&v=1&k=sig", link.CardRef{"S001", "ABC", 1, "sig"}},
		{"https://x.example/prod/c/S%20X?k=sig&v=2&s=ABC", link.CardRef{"S X", "ABC", 2, "sig"}},
		{"http://127.0.0.1:8080/c/S001", link.CardRef{}},
		{"http://127.0.0.1:8080/c/S001?s=ABC&v=x&k=sig", link.CardRef{}},
		{"http://127.0.0.1:8080/c/S001?s=ABC&v=0&k=sig", link.CardRef{}},
		{"http://127.0.0.1:8080/c/?s=ABC&v=1&k=sig", link.CardRef{}},
		{"http://127.0.0.1:8080/d/S001?s=ABC&v=1&k=sig", link.CardRef{}},
		{"WIFI:S:guest;T:WPA;P:secret;;", link.CardRef{}},
		{"%zz", link.CardRef{}},
	}
	for _, tt := range tests {
		got, err := link.ParseCardURL(tt.url)
		if tt.want == (link.CardRef{}) {
			if !errors.Is(err, link.ErrNotCard) {
				t.Errorf("%s: got %+v, %v, want ErrNotCard", tt.url, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %+v, %v, want %+v", tt.url, got, err, tt.want)
		}
	}
}

// flip changes the first character of a signature.
func flip(sig string) string {
	if sig[0] == 'A' {
		return "B" + sig[1:]
	}
	return "A" + sig[1:]
}
