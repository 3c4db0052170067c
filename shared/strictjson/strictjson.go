// Package strictjson refuses the JSON that encoding/json quietly rewrites:
// invalid UTF-8 and lone surrogate escapes (which it turns into U+FFFD) and
// duplicate object keys (of which it keeps the last). Every JSON body the
// API accepts passes Check before it is decoded, so what is stored is what
// the client meant, or nothing (docs/api.md, "Strict input").
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/cardloop/cardloop/shared/fault"
)

// Rules of the field errors Check reports (docs/api.md#problems).
const (
	RuleInvalidUTF8  = "invalid_utf8"
	RuleDuplicateKey = "duplicate_key"
)

// Check returns nil when body is one well-formed JSON value, valid UTF-8
// with no lone surrogate escape, and no object in it repeats a key. It fails
// with a fault.Malformed error whose field is the JSON path at fault ("body"
// for the encoding of the whole).
func Check(body []byte) error {
	if !utf8.Valid(body) {
		return malformed("The body is not valid UTF-8.", "body", RuleInvalidUTF8)
	}
	if at := loneSurrogate(body); at >= 0 {
		return malformed(fmt.Sprintf("The body escapes a lone surrogate (at byte %d).", at), "body", RuleInvalidUTF8)
	}
	return duplicateKeys(body)
}

func malformed(msg, field, rule string) error {
	return &fault.Error{Code: fault.Malformed, Message: msg, Fields: []fault.FieldError{{Field: field, Rule: rule}}}
}

// loneSurrogate returns the offset of the first \uD800–\uDFFF escape inside a
// string that is not a high surrogate followed at once by a low one, or -1.
func loneSurrogate(b []byte) int {
	inString := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			inString = !inString
		case c == '\\' && inString && i+1 < len(b):
			if b[i+1] != 'u' {
				i++ // the escaped character, which may be a quote or a backslash
				continue
			}
			r, ok := hex4(b, i+2)
			switch {
			case !ok || r < 0xD800 || r > 0xDFFF:
			case r >= 0xDC00: // a low surrogate with no high one before it
				return i
			default: // a high surrogate needs a low one next
				lo, ok := hex4(b, i+8)
				if !ok || i+7 >= len(b) || b[i+6] != '\\' || b[i+7] != 'u' || lo < 0xDC00 || lo > 0xDFFF {
					return i
				}
				i += 6
			}
			i += 5
		}
	}
	return -1
}

func hex4(b []byte, at int) (rune, bool) {
	if at < 0 || at+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[at:at+4]), 16, 32)
	return rune(n), err == nil
}

// duplicateKeys walks body's tokens and reports the first key an object
// repeats, by its path (e.g. "ratings.overall"; an array's elements add
// "[]").
func duplicateKeys(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		object  bool
		path    string          // of the object or array itself
		keys    map[string]bool // an object's keys so far
		key     string          // the key whose value comes next
		wantKey bool
	}
	var stack []*frame
	values := 0 // top-level values begun
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) && len(stack) == 0 && values == 1 {
			return nil
		}
		if err != nil || errors.Is(err, io.EOF) {
			return &fault.Error{Code: fault.Malformed, Message: fmt.Sprintf("The body is not valid JSON (at byte %d).", dec.InputOffset()),
				Fields: []fault.FieldError{{Field: "body", Rule: "malformed"}}, Err: err}
		}
		if len(stack) == 0 {
			if values++; values > 1 {
				return malformed("The body has data after its JSON value.", "body", "malformed")
			}
		}
		path := ""
		if n := len(stack); n > 0 {
			top := stack[n-1]
			switch {
			case top.object && top.wantKey:
				if tok == json.Delim('}') {
					stack = stack[:n-1]
					continue
				}
				key, _ := tok.(string) // the decoder allows only strings here
				if top.keys[key] {
					field := join(top.path, key)
					return malformed("The body repeats the key "+strconv.Quote(field)+".", field, RuleDuplicateKey)
				}
				top.keys[key], top.key, top.wantKey = true, key, false
				continue
			case top.object:
				path, top.wantKey = join(top.path, top.key), true
			default:
				path = top.path + "[]"
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, path: path, keys: map[string]bool{}, wantKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{path: path})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
