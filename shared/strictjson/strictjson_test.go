package strictjson

import (
	"testing"

	"github.com/cardloop/cardloop/shared/fault"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantField string // "" when the body must pass
		wantRule  string
	}{
		{"plain object", `{"storeId":"S001","ratings":{"overall":5}}`, "", ""},
		{"same key in sibling objects", `{"a":{"x":1},"b":{"x":2}}`, "", ""},
		{"same key in array elements", `{"l":[{"x":1},{"x":2}]}`, "", ""},
		{"surrogate pair", `{"c":"\ud83d\ude00"}`, "", ""},
		{"escaped backslash before u", `{"c":"\\ud800"}`, "", ""},
		{"escaped quote", `{"c":"say \"\ud800\" no"}`, "body", RuleInvalidUTF8},
		{"Chinese text", `{"comment":"牛排太老了"}`, "", ""},
		{"invalid UTF-8 byte", "{\"comment\":\"\xff\"}", "body", RuleInvalidUTF8},
		{"truncated UTF-8", "{\"comment\":\"\xe7\x89\"}", "body", RuleInvalidUTF8},
		{"lone high surrogate", `{"comment":"\ud800"}`, "body", RuleInvalidUTF8},
		{"lone low surrogate", `{"comment":"\udc00x"}`, "body", RuleInvalidUTF8},
		{"high surrogate then a non-surrogate", `{"comment":"\ud800\u0041"}`, "body", RuleInvalidUTF8},
		{"two high surrogates", `{"comment":"\ud800\ud800"}`, "body", RuleInvalidUTF8},
		{"duplicate top-level key", `{"storeId":"S001","storeId":"S002"}`, "storeId", RuleDuplicateKey},
		{"duplicate nested key", `{"ratings":{"overall":1,"overall":5}}`, "ratings.overall", RuleDuplicateKey},
		{"duplicate key in an array element", `{"l":[{"x":1,"x":2}]}`, "l[].x", RuleDuplicateKey},
		{"duplicate key, escaped differently", `{"a":1,"\u0061":2}`, "a", RuleDuplicateKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check([]byte(tt.body))
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			fe, ok := fault.As(err)
			if !ok || fe.Code != fault.Malformed || len(fe.Fields) != 1 {
				t.Fatalf("got %v, want a malformed fault with one field", err)
			}
			if got := fe.Fields[0]; got.Field != tt.wantField || got.Rule != tt.wantRule {
				t.Errorf("got field %q rule %q, want %q %q", got.Field, got.Rule, tt.wantField, tt.wantRule)
			}
		})
	}
}

func TestCheckRefusesBrokenJSON(t *testing.T) {
	for _, body := range []string{``, `{`, `{"a":1}{"b":2}`, `{"a":1} x`, `{"a":}`, `[1,2`} {
		if got := fault.CodeOf(Check([]byte(body))); got != fault.Malformed {
			t.Errorf("Check(%q): got code %q, want %q", body, got, fault.Malformed)
		}
	}
}
