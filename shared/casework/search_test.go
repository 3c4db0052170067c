package casework

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/cardloop/cardloop/shared/card"
)

func TestWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"牛排太老", []string{"牛", "牛排", "排", "排太", "太", "太老", "老"}},
		{"The soup was COLD!", []string{"the", "soup", "was", "cold"}},
		// Full-width forms typed with a Chinese input method read as ASCII;
		// a single Latin letter is no word; a CJK run and a Latin word apart.
		{"ＮＴ５００ a 券", []string{"nt500", "券"}},
		{"湯冷了soup", []string{"湯", "湯冷", "冷", "冷了", "了", "soup"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := Words(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Words(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCardTerms(t *testing.T) {
	c := card.Card{ID: "c_abcdefghijklmnopqrstuvwxyz", Serial: "NMB7T-SI657-UQAAA", Comment: "湯冷 cold",
		Diner: card.Diner{Name: "Chen Wei", Phone: "+886912345678"}}
	want := []Term{
		{FieldCard, "c_abcdefghijklmnopqrstuvwxyz"}, {FieldCard, "serial:nmb7tsi657uqaaa"},
		{FieldPhone, "+886912345678"}, {FieldTail, "5678"},
		{FieldName, "chen"}, {FieldName, "wei"},
		{FieldWord, "湯"}, {FieldWord, "湯冷"}, {FieldWord, "冷"}, {FieldWord, "cold"},
	}
	if got := CardTerms(c); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	// An anonymous card is found by its id and its comment only.
	got := CardTerms(card.Card{ID: "c_x", Comment: "slow"})
	if !reflect.DeepEqual(got, []Term{{FieldCard, "c_x"}, {FieldWord, "slow"}}) {
		t.Errorf("anonymous: got %q", got)
	}
	// A long comment adds at most MaxWordTerms words.
	long := ""
	for i := range 500 {
		long += string(rune(0x4e00+i)) + " "
	}
	words := 0
	for _, term := range CardTerms(card.Card{ID: "c_x", Comment: long}) {
		if term.Field == FieldWord {
			words++
		}
	}
	if words != MaxWordTerms {
		t.Errorf("long comment: got %d word terms, want %d", words, MaxWordTerms)
	}
}

func TestParseQuery(t *testing.T) {
	tw := func(raw string) (string, bool) { // the store's region reads 09… as +8869…
		if raw == "0912-345-678" || raw == "0912345678" || raw == "+886 912 345 678" {
			return "+886912345678", true
		}
		return "", false
	}
	tests := []struct {
		in   string
		want [][]Term
		ok   bool
	}{
		{"0912-345-678", [][]Term{{{FieldPhone, "+886912345678"}}}, true},
		{"+886 912 345 678", [][]Term{{{FieldPhone, "+886912345678"}}}, true},
		{"５６７８", [][]Term{{{FieldTail, "5678"}}, {{FieldWord, "5678"}}}, true},
		{" C_ABCDEFGHIJKLMNOPQRSTUVWXYZ ", [][]Term{{{FieldCard, "c_abcdefghijklmnopqrstuvwxyz"}}}, true},
		{"NMB7T-SI657-UQAAA", [][]Term{{{FieldCard, "serial:nmb7tsi657uqaaa"}}}, true},
		// Fifteen letters: a serial, or a word of a name or a comment.
		{"disappointments", [][]Term{{{FieldCard, "serial:disappointments"}}, {{FieldName, "disappointments"}}, {{FieldWord, "disappointments"}}}, true},
		{"林小美", [][]Term{{{FieldName, "林小"}, {FieldName, "小美"}}, {{FieldWord, "林小"}, {FieldWord, "小美"}}}, true},
		{"cold soup", [][]Term{{{FieldName, "cold"}, {FieldName, "soup"}}, {{FieldWord, "cold"}, {FieldWord, "soup"}}}, true},
		{"冷", [][]Term{{{FieldName, "冷"}}, {{FieldWord, "冷"}}}, true},
		// A number the region does not read is searched as a word.
		{"0912 34", [][]Term{{{FieldName, "0912"}, {FieldName, "34"}}, {{FieldWord, "0912"}, {FieldWord, "34"}}}, true},
		{"   ", nil, false},
		{"!!", nil, false},
	}
	for _, tt := range tests {
		q, ok := ParseQuery(tt.in, tw)
		if ok != tt.ok || !reflect.DeepEqual(q.Alternatives, tt.want) {
			t.Errorf("ParseQuery(%q): got %q, %v; want %q, %v", tt.in, q.Alternatives, ok, tt.want, tt.ok)
		}
		if len(q.Terms()) > MaxQueryTerms {
			t.Errorf("ParseQuery(%q): %d terms, over %d", tt.in, len(q.Terms()), MaxQueryTerms)
		}
	}
	long, _ := ParseQuery("牛排太老而且湯也冷了服務很慢", tw)
	if n := len(long.Terms()); n != MaxQueryTerms {
		t.Errorf("a long phrase: got %d terms, want %d", n, MaxQueryTerms)
	}
	// Without the contact fields: card and comment only.
	q, _ := ParseQuery("林小美", tw)
	if got := q.Without(FieldPhone, FieldTail, FieldName).Alternatives; !reflect.DeepEqual(got, [][]Term{{{FieldWord, "林小"}, {FieldWord, "小美"}}}) {
		t.Errorf("without contacts: got %q", got)
	}
	q, _ = ParseQuery("0912345678", tw)
	if got := q.Without(FieldPhone, FieldTail, FieldName).Alternatives; len(got) != 0 {
		t.Errorf("a phone search without contacts: got %q, want nothing", got)
	}
}

type testHash []byte

func (h testHash) Keyed(purpose, value string) string {
	m := hmac.New(sha256.New, h)
	m.Write([]byte(purpose + "\x00" + value))
	return hex.EncodeToString(m.Sum(nil))
}

func TestTermKey(t *testing.T) {
	h := testHash("k")
	a := TermKey(h, "S001", Term{FieldPhone, "+886912345678"})
	if a.Field != FieldPhone || a.Hash == "" || slices.Contains([]string{a.Hash}, "+886912345678") {
		t.Fatalf("got %+v", a)
	}
	for _, other := range []SearchKey{
		TermKey(h, "S002", Term{FieldPhone, "+886912345678"}), // another store
		TermKey(h, "S001", Term{FieldWord, "+886912345678"}),  // another field
	} {
		if other.Hash == a.Hash {
			t.Errorf("%+v hashes as %+v", other, a)
		}
	}
}

// fakeIndex is the search index in memory.
type fakeIndex struct {
	cases  map[string]Case
	keys   map[string][]SearchHit // hash → hits, newest first
	finds  int
	failed error
}

func (f *fakeIndex) IndexCase(_ context.Context, k Case, keys []SearchKey) error {
	if f.failed != nil {
		return f.failed
	}
	f.cases[k.ID] = k
	for _, key := range keys {
		if !slices.ContainsFunc(f.keys[key.Hash], func(h SearchHit) bool { return h.CaseID == k.ID }) {
			f.keys[key.Hash] = append([]SearchHit{{k.ID, k.OpenedAt}}, f.keys[key.Hash]...)
		}
	}
	return nil
}

func (f *fakeIndex) FindCases(_ context.Context, hash string, limit int) ([]SearchHit, error) {
	f.finds++
	h := f.keys[hash]
	return h[:min(len(h), limit)], nil
}

func (f *fakeIndex) CasesByID(_ context.Context, ids []string) ([]Case, error) {
	var out []Case
	for _, id := range ids {
		if k, ok := f.cases[id]; ok {
			out = append(out, k)
		}
	}
	return out, nil
}

var errIndex = errors.New("index down")
