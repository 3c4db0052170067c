package setup

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"send to lin@example.com failed", "send to [email] failed"},
		{"diner tel:+886912345678 and +886 912 345 678", "diner tel:[phone] and [phone]"},
		{"typed 0912345678", "typed [phone]"},
		{"card c_7d2k4q at 2026-11-27T09:00:00Z seq 4000000000000000000001", "card c_7d2k4q at 2026-11-27T09:00:00Z seq 4000000000000000000001"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLogRedacts(t *testing.T) {
	var b bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&b, LogOptions))
	log.Error("send failed to wu@example.com", "err", errors.New("ses: address wu@example.com rejected"), "phone", "+886933111222", "card", "c_1")
	out := b.String()
	if strings.Contains(out, "wu@example.com") || strings.Contains(out, "933111222") || !strings.Contains(out, `"card":"c_1"`) {
		t.Errorf("got %s; want the address and number masked, the id kept", out)
	}
}
