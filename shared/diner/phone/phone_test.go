package phone_test

import (
	"testing"

	"github.com/cardloop/cardloop/shared/diner/phone"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		raw, region, want string
		ok                bool
	}{
		{"+886 912 345 678", "TW", "+886912345678", true},
		{"0912-345-678", "TW", "+886912345678", true},
		{"(0912) 345678", "TW", "+886912345678", true},
		{"138 0013 8000", "CN", "+8613800138000", true},
		{"+65 8123 4567", "SG", "+6581234567", true},
		{"8123 4567", "SG", "+6581234567", true},
		{"+886 912 345 678", "SG", "+886912345678", true}, // international form wins over the store's region
		{"12345", "TW", "", false},
		{"not a number", "TW", "", false},
		{"", "TW", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.raw+"/"+tt.region, func(t *testing.T) {
			got, err := phone.Normalize(tt.raw, tt.region)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("got %q, %v; want %q, ok=%v", got, err, tt.want, tt.ok)
			}
		})
	}
}
