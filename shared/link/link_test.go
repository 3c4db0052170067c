package link_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/link"
)

func TestCheck(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	clock := now
	s, err := link.NewSigner([]byte(strings.Repeat("k", 32)), func() time.Time { return clock })
	if err != nil {
		t.Fatal(err)
	}
	good := s.Query("k_1", "ack", link.DefaultTTL)
	other, _ := link.NewSigner([]byte(strings.Repeat("x", 32)), func() time.Time { return clock })
	with := func(k, v string) url.Values {
		q := url.Values{}
		for kk, vv := range good {
			q[kk] = vv
		}
		q.Set(k, v)
		return q
	}
	tests := []struct {
		name    string
		subject string
		action  string
		q       url.Values
		at      time.Time
		want    error
	}{
		{"valid", "k_1", "ack", good, now, nil},
		{"valid until just before expiry", "k_1", "ack", good, now.Add(link.DefaultTTL - time.Second), nil},
		{"expired", "k_1", "ack", good, now.Add(link.DefaultTTL), link.ErrExpired},
		{"other case", "k_2", "ack", good, now, link.ErrInvalid},
		{"other action", "k_1", "resolve", with("a", "resolve"), now, link.ErrInvalid},
		{"extended expiry", "k_1", "ack", with("e", "9999999999"), now, link.ErrInvalid},
		{"tampered signature", "k_1", "ack", with("s", good.Get("s")[:10]+"AAAA"), now, link.ErrInvalid},
		{"no signature", "k_1", "ack", url.Values{"a": {"ack"}}, now, link.ErrInvalid},
		{"signed with another key", "k_1", "ack", other.Query("k_1", "ack", time.Hour), now, link.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock = tt.at
			_, err := s.Check(tt.subject, tt.action, tt.q)
			if !errors.Is(err, tt.want) || (err != nil && fault.CodeOf(err) != fault.Forbidden) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestShortKey(t *testing.T) {
	if _, err := link.NewSigner([]byte("short"), time.Now); err == nil {
		t.Error("5-byte key: got a signer, want an error")
	}
}
