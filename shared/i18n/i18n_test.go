package i18n_test

import (
	"testing"

	"github.com/cardloop/cardloop/shared/i18n"
)

func TestNegotiate(t *testing.T) {
	tests := []struct {
		explicit, accept string
		fallback, want   i18n.Lang
	}{
		{"en", "zh-TW", i18n.ZhTW, i18n.En},
		{"zh-cn", "", i18n.En, i18n.ZhCN},
		{"", "zh-TW,zh;q=0.9,en;q=0.8", i18n.En, i18n.ZhTW},
		{"", "zh-Hant-HK", i18n.En, i18n.ZhTW},
		{"", "zh-Hans", i18n.En, i18n.ZhCN},
		{"", "zh-CN,zh;q=0.9", i18n.ZhTW, i18n.ZhCN},
		{"", "en-GB,en;q=0.9", i18n.ZhTW, i18n.En},
		{"", "fr-FR", i18n.ZhCN, i18n.ZhCN},
		{"", "", i18n.ZhTW, i18n.ZhTW},
		{"xx", "garbage;;", i18n.En, i18n.En},
	}
	for _, tt := range tests {
		if got := i18n.Negotiate(tt.explicit, tt.accept, tt.fallback); got != tt.want {
			t.Errorf("Negotiate(%q, %q, %s): got %s, want %s", tt.explicit, tt.accept, tt.fallback, got, tt.want)
		}
	}
}

func TestT(t *testing.T) {
	if got, want := i18n.T(i18n.En, "rule.too_long", map[string]string{"max": "2000"}), "At most 2000 characters."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := i18n.T(i18n.ZhTW, "rule.too_long", map[string]string{"max": "2000"}), "最多 2000 個字。"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := i18n.T(i18n.En, "no.such.key", nil); got != "no.such.key" {
		t.Errorf("missing key: got %q, want the key itself", got)
	}
}

func TestList(t *testing.T) {
	for _, c := range []struct {
		lang  i18n.Lang
		items []string
		want  string
	}{
		{i18n.En, []string{"a", "b"}, "a; b"},
		{i18n.ZhTW, []string{"甲", "乙"}, "甲；乙"},
		{i18n.ZhCN, []string{"甲", "乙", "丙"}, "甲；乙；丙"},
		{i18n.En, []string{"one"}, "one"},
		{i18n.ZhTW, nil, ""},
	} {
		if got := i18n.List(c.lang, c.items); got != c.want {
			t.Errorf("List(%s, %q) = %q, want %q", c.lang, c.items, got, c.want)
		}
	}
}

// TestEveryKeyInEveryLanguage: everything a user sees comes in zh-TW, zh-CN
// and en.
func TestEveryKeyInEveryLanguage(t *testing.T) {
	for _, k := range i18n.Keys() {
		if !i18n.Has(k) {
			t.Errorf("%s: missing in some language", k)
		}
	}
}
