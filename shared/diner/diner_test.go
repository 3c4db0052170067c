package diner_test

import (
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/diner"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"lin@example.com", "lin@example.com"},
		{"Lin@Example.COM", "Lin@example.com"},
		{"lin@", ""},
		{"lin@localhost", ""},
		{"Lin <lin@example.com>", ""},
		{"a b@example.com", ""},
	}
	for _, tt := range tests {
		got, err := diner.NormalizeEmail(tt.raw)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("NormalizeEmail(%q): got %q, %v; want %q", tt.raw, got, err, tt.want)
		}
	}
}

func TestKeyFor(t *testing.T) {
	tests := []struct{ phone, email, want string }{
		{"+886912345678", "lin@example.com", "tel:+886912345678"},
		{"", "Lin@Example.com", "email:lin@example.com"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := diner.KeyFor(tt.phone, tt.email); got != tt.want {
			t.Errorf("KeyFor(%q, %q): got %q, want %q", tt.phone, tt.email, got, tt.want)
		}
	}
}

func TestParseBirthday(t *testing.T) {
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in       string
		m, d, y  int
		wantsErr bool
	}{
		{"11-25", 11, 25, 0, false},
		{"02-29", 2, 29, 0, false},
		{"1988-02-29", 2, 29, 1988, false},
		{"1989-02-29", 0, 0, 0, true},
		{"02-30", 0, 0, 0, true},
		{"00-10", 0, 0, 0, true},
		{"1899-01-01", 0, 0, 0, true},
		{"2027-01-01", 0, 0, 0, true},
		{"11/25", 0, 0, 0, true},
		{"", 0, 0, 0, true},
	}
	for _, tt := range tests {
		m, d, y, err := diner.ParseBirthday(tt.in, today)
		if (err != nil) != tt.wantsErr || m != tt.m || d != tt.d || y != tt.y {
			t.Errorf("ParseBirthday(%q): got %d-%d-%d, %v; want %d-%d-%d, err=%v", tt.in, y, m, d, err, tt.y, tt.m, tt.d, tt.wantsErr)
		}
	}
}
