package privacy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/privacy"
)

func TestMaskPhone(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Taiwan mobile", "+886912345111", "+886 9•• ••• 111"},
		{"China mobile", "+8613812345678", "+86 1• ••• ••• 678"},
		{"Singapore mobile", "+6591234567", "+65 9• ••• 567"},
		{"North America, one-digit code", "+14155550123", "+1 4••• ••• 123"},
		{"Hong Kong, three-digit code", "+85291234567", "+852 9• ••• 567"},
		{"E.164 with spaces", "+886 912 345 111", "+886 9•• ••• 111"},
		{"national number keeps only its last three", "0912345111", "•••• ••• 111"},
		{"short number", "+886123", "+886 •23"},
		{"three digits", "123", "•23"},
		{"one digit", "7", "•"},
		{"empty", "", ""},
		{"blank", "   ", ""},
		{"no digits at all", "call me", "•••"},
		{"country code only", "+886", "•86"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := privacy.MaskPhone(tt.in); got != tt.want {
				t.Errorf("MaskPhone(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestMaskPhoneHidesTheMiddle: whatever the input, at most four of its
// digits besides the country code survive.
func TestMaskPhoneHidesTheMiddle(t *testing.T) {
	for _, in := range []string{"+886912345678", "+8613812345678", "+6591234567", "0912-345-678", "+447911123456"} {
		got := privacy.MaskPhone(in)
		cc, national, _ := strings.Cut(got, " ")
		if !strings.HasPrefix(in, "+") {
			national = got
			cc = ""
		}
		digits := 0
		for _, r := range national {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits > 4 || !strings.Contains(got, privacy.Dot) {
			t.Errorf("MaskPhone(%q) = %q (code %q): %d digits shown, want at most 4", in, got, cc, digits)
		}
	}
}

func TestMaskEmail(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "wang@example.com", "w•••@e•••.com"},
		{"country domain keeps its last label", "lin@mail.example.com.tw", "l•••@m•••.tw"},
		{"one-letter local part", "a@b.co", "a•••@b•••.co"},
		{"Chinese local part", "王小明@例子.中国", "王•••@例•••.中国"},
		{"no dot in the domain", "root@localhost", "r•••@l•••"},
		{"no @", "not-an-address", "n•••"},
		{"empty local part", "@example.com", "•••@e•••.com"},
		{"empty", "", ""},
		{"spaces around", "  wang@example.com ", "w•••@e•••.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := privacy.MaskEmail(tt.in); got != tt.want {
				t.Errorf("MaskEmail(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMaskCardAndCase(t *testing.T) {
	c := card.Card{ID: "c1", Diner: card.Diner{Key: "tel:+886912345111", Name: "林小姐", Phone: "+886912345111", Email: "lin@example.com", Birthday: "11-25"}}
	tests := []struct {
		how                        privacy.Contacts
		phone, email, name, casePh string
	}{
		{privacy.Masked, "+886 9•• ••• 111", "l•••@e•••.com", "林小姐", "+886 9•• ••• 111"},
		{privacy.Hidden, "", "", "", ""},
	}
	for _, tt := range tests {
		got := privacy.MaskCard(c, tt.how)
		if got.Diner.Key != "" || got.Diner.Phone != tt.phone || got.Diner.Email != tt.email || got.Diner.Name != tt.name {
			t.Errorf("MaskCard(%v): got %+v, want phone %q e-mail %q name %q and no key", tt.how, got.Diner, tt.phone, tt.email, tt.name)
		}
		k := privacy.MaskCase(casework.Case{DinerKey: "tel:+886912345111", DinerName: "林小姐", DinerPhone: "+886912345111"}, tt.how)
		if k.DinerKey != "" || k.DinerPhone != tt.casePh {
			t.Errorf("MaskCase(%v): got key %q phone %q, want no key and %q", tt.how, k.DinerKey, k.DinerPhone, tt.casePh)
		}
	}
	if c.Diner.Phone != "+886912345111" {
		t.Errorf("MaskCard changed its argument: %q", c.Diner.Phone)
	}
}

type keyed struct{}

func (keyed) Keyed(purpose, value string) string { return purpose + ":" + value }

func TestRevealEntry(t *testing.T) {
	at := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	e := privacy.RevealEntry(keyed{}, "wang", "tel:+886912345111", "manager.s001@example.com", "phone", "S001", "k_1", "", privacy.ReasonCallback, at)
	if e.Action != privacy.ActionReveal || e.By != "manager.s001@example.com" || !e.At.Equal(at) || e.Detail["case"] != "k_1" || e.Detail["field"] != "phone" || e.Detail["reason"] != "callback" {
		t.Errorf("got %+v", e)
	}
	if _, hasCard := e.Detail["card"]; hasCard {
		t.Errorf("detail names a card: %v", e.Detail)
	}
	if e.SubjectHash != "diner:wang\x00tel:+886912345111" {
		t.Errorf("subject: got %q, want the keyed hash of brand and key", e.SubjectHash)
	}
}
