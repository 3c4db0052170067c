package casework

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cardloop/cardloop/shared/card"
)

// Search (the console's Cases inbox) finds a store's cases by what a
// manager knows of the diner: a phone number, a name, a card id or serial,
// or words of the comment. Each case is written with its search terms
// (Term), and each term is stored only as a keyed hash of the store, its
// field and its normalised value (TermKey), so no phone number, name or
// comment word sits in a key: a search hashes what was typed the same way
// and reads the cases of those hashes through an index, never a scan.

// Fields of a search term.
const (
	FieldPhone = "phone" // the diner's number, E.164 as the card stores it
	FieldTail  = "tail"  // the last four digits of that number
	FieldName  = "name"  // a word of the diner's name (Words)
	FieldWord  = "word"  // a word of the comment: CJK as single characters and bigrams (Words)
	FieldCard  = "card"  // a card's id or a paper card's serial
)

// PersonalFields are the fields whose terms come from what the diner gave
// (number, name, comment): an erasure deletes their items. Card terms name
// no one and stay, as the case's card ids do.
var PersonalFields = []string{FieldPhone, FieldTail, FieldName, FieldWord}

// Term is one thing a case can be found by, in plain text: it is hashed
// (TermKey) before it is stored.
type Term struct {
	Field string
	Value string
}

// MaxWordTerms bounds the word terms a card adds (a long comment's first
// distinct words and bigrams), so one card costs at most a few batch writes.
const MaxWordTerms = 160

// Hasher hashes a value under the secret key (link.Signer.Keyed).
type Hasher interface {
	Keyed(purpose, value string) string
}

// SearchKey is a term as stored: its field and its keyed hash.
type SearchKey struct {
	Field string
	Hash  string
}

// termPurpose separates the search's hashes from the keyed hash's other uses.
const termPurpose = "case-search"

// TermKey hashes a term of a store: the same term of another store hashes
// differently, so a store's managers find only its cases.
func TermKey(h Hasher, storeID string, t Term) SearchKey {
	return SearchKey{Field: t.Field, Hash: h.Keyed(termPurpose, storeID+"\x00"+t.Field+"\x00"+t.Value)}
}

// CardTerms are the terms a case is found by through one of its cards: the
// diner's number (and its last four digits), the words of their name, the
// card's id and serial, and the words of its comment (MaxWordTerms at
// most). Each term once.
func CardTerms(c card.Card) []Term {
	var out []Term
	add := func(field, value string) {
		t := Term{field, value}
		if value != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	add(FieldCard, strings.ToLower(c.ID))
	if c.Serial != "" {
		add(FieldCard, serialTerm(c.Serial))
	}
	if p := c.Diner.Phone; p != "" {
		add(FieldPhone, p)
		if d := digits(p); len(d) >= 4 {
			add(FieldTail, d[len(d)-4:])
		}
	}
	for _, w := range Words(c.Diner.Name) {
		add(FieldName, w)
	}
	for i, w := range Words(c.Comment) {
		if i == MaxWordTerms {
			break
		}
		add(FieldWord, w)
	}
	return out
}

// Query is a search as typed, read as alternatives: a case is found when
// it has every term of at least one alternative.
type Query struct {
	Text         string
	Alternatives [][]Term
}

// Terms lists every distinct term of the query (each is one index read).
func (q Query) Terms() []Term {
	var out []Term
	for _, alt := range q.Alternatives {
		for _, t := range alt {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out
}

// MaxQueryTerms bounds the index reads of one search.
const MaxQueryTerms = 8

// ParseQuery reads what a manager typed in the search box. normalizePhone
// reads a phone number as the store's diners write it (in the store's
// region) and returns it in E.164, or false. A card id or serial is looked
// up as such; a phone number by the number (or, four digits alone, by its
// last four digits, and as a word); anything else by its words, all of
// them in the diner's name or all in the comment (MaxQueryTerms/2 words
// at most). ok is false when nothing searchable was typed.
func ParseQuery(text string, normalizePhone func(string) (string, bool)) (Query, bool) {
	text = strings.TrimSpace(text)
	q := Query{Text: text}
	if text == "" || utf8.RuneCountInString(text) > 200 {
		return q, false
	}
	folded := fold(text)
	compact := strings.NewReplacer(" ", "", "-", "").Replace(folded)
	if isCardID(compact) {
		q.Alternatives = [][]Term{{{FieldCard, compact}}}
		return q, true
	}
	if isSerial(compact) {
		q.Alternatives = [][]Term{{{FieldCard, serialTerm(compact)}}}
		if strings.ContainsAny(compact, "234567") {
			return q, true
		}
		// Fifteen letters may be a serial or a word: look for both.
	}
	if phoneLike(folded) {
		d := digits(folded)
		if len(d) == 4 {
			q.Alternatives = [][]Term{{{FieldTail, d}}, {{FieldWord, d}}}
			return q, true
		}
		if normalizePhone != nil {
			if p, ok := normalizePhone(folded); ok {
				q.Alternatives = [][]Term{{{FieldPhone, p}}}
				return q, true
			}
		}
	}
	words := queryWords(text)
	if len(words) > MaxQueryTerms/2 {
		words = words[:MaxQueryTerms/2] // a long phrase: its first words find it, and bound the reads
	}
	if len(words) > 0 {
		// The words of the diner's name, or of the comment.
		var name, comment []Term
		for _, w := range words {
			name, comment = append(name, Term{FieldName, w}), append(comment, Term{FieldWord, w})
		}
		q.Alternatives = append(q.Alternatives, name, comment)
	}
	return q, len(q.Alternatives) > 0
}

// Without returns the query without the alternatives that look for a
// field of fields (a reader who may not see diners' contacts searches by
// card and comment only).
func (q Query) Without(fields ...string) Query {
	out := Query{Text: q.Text}
	for _, alt := range q.Alternatives {
		if !slices.ContainsFunc(alt, func(t Term) bool { return slices.Contains(fields, t.Field) }) {
			out.Alternatives = append(out.Alternatives, alt)
		}
	}
	return out
}

// Words splits text into the words it is indexed by: a run of letters or
// digits of a spaced script is one word (two characters at least); a run of
// Chinese, Japanese or Korean characters gives each character and each pair
// of neighbours (bigrams), as those scripts write words without spaces.
// Each word once, in order.
func Words(s string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(w string) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	for _, run := range runs(fold(s)) {
		if !run.cjk {
			if utf8.RuneCountInString(run.text) >= 2 {
				add(run.text)
			}
			continue
		}
		r := []rune(run.text)
		for i := range r {
			add(string(r[i]))
			if i+1 < len(r) {
				add(string(r[i : i+2]))
			}
		}
	}
	return out
}

// queryWords are the words a search looks for: a run of CJK characters is
// found through its bigrams (a single character through itself), other
// words as they are.
func queryWords(s string) []string {
	var out []string
	add := func(w string) {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	for _, run := range runs(fold(s)) {
		if !run.cjk {
			if utf8.RuneCountInString(run.text) >= 2 {
				add(run.text)
			}
			continue
		}
		r := []rune(run.text)
		if len(r) == 1 {
			add(run.text)
		}
		for i := 0; i+1 < len(r); i++ {
			add(string(r[i : i+2]))
		}
	}
	return out
}

type run struct {
	text string
	cjk  bool
}

// runs splits folded text into runs of letters and digits, CJK runs apart.
func runs(s string) []run {
	var out []run
	var b strings.Builder
	cjk := false
	flush := func() {
		if b.Len() > 0 {
			out = append(out, run{b.String(), cjk})
			b.Reset()
		}
	}
	for _, r := range s {
		switch {
		case isCJK(r):
			if !cjk {
				flush()
			}
			cjk = true
			b.WriteRune(r)
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			if cjk {
				flush()
			}
			cjk = false
			b.WriteRune(r)
		default:
			flush()
			cjk = false
		}
	}
	flush()
	return out
}

func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// fold maps full-width ASCII forms (typed with a Chinese input method) and
// the ideographic space to ASCII, and lower-cases.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		}
		return unicode.ToLower(r)
	}, s)
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// phoneLike: digits with the separators people type in numbers, four
// digits at least.
func phoneLike(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9') && !strings.ContainsRune("+-() .", r) {
			return false
		}
	}
	return len(digits(s)) >= 4
}

// isCardID: c_ and 26 characters of lower-case base32 (card.ID).
func isCardID(s string) bool {
	rest, ok := strings.CutPrefix(s, "c_")
	return ok && len(rest) == 26 && strings.Trim(rest, "abcdefghijklmnopqrstuvwxyz234567") == ""
}

// isSerial: 15 characters of base32, as printed (grouped by dashes, which
// the caller removed) or as the QR code carries them.
func isSerial(s string) bool {
	return len(s) == 15 && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz234567") == ""
}

func serialTerm(serial string) string {
	return "serial:" + strings.ToLower(strings.ReplaceAll(serial, "-", ""))
}
