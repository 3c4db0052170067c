package link

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSealOpen(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	s, err := NewSigner(bytes.Repeat([]byte("k"), 32), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	in := Token{Action: "unsubscribe", Brand: "wang", Subject: "tel:+886912345678"}
	sealed, err := s.Seal(in, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "886912345678") {
		t.Fatal("the subject shows through the token")
	}
	got, err := s.Open(sealed, "unsubscribe")
	if err != nil || got.Subject != in.Subject || got.Brand != "wang" {
		t.Fatalf("Open = %+v, %v", got, err)
	}

	raw, _ := base64.RawURLEncoding.DecodeString(sealed)
	raw[len(raw)-1] ^= 1
	other, _ := NewSigner(bytes.Repeat([]byte("x"), 32), func() time.Time { return now })
	for name, tc := range map[string]struct {
		s      *Signer
		token  string
		action string
	}{
		"tampered":     {s, base64.RawURLEncoding.EncodeToString(raw), "unsubscribe"},
		"other action": {s, sealed, "confirm"},
		"other key":    {other, sealed, "unsubscribe"},
		"garbage":      {s, "!!", "unsubscribe"},
		"too short":    {s, "AAAA", "unsubscribe"},
	} {
		if _, err := tc.s.Open(tc.token, tc.action); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
		}
	}
	later, _ := NewSigner(bytes.Repeat([]byte("k"), 32), func() time.Time { return now.Add(time.Hour) })
	if _, err := later.Open(sealed, "unsubscribe"); !errors.Is(err, ErrExpired) {
		t.Errorf("expired: got %v, want ErrExpired", err)
	}
}
