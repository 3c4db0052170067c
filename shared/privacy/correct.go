package privacy

import (
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/i18n"
)

// Changes is a correction of a diner's profile: each field given replaces
// the stored one; "" in Clear removes it.
type Changes struct {
	Name     *string `json:"name,omitempty"`
	Phone    *string `json:"phone,omitempty"`
	Email    *string `json:"email,omitempty"`
	Birthday *string `json:"birthday,omitempty"`
	Language *string `json:"language,omitempty"`
}

// Correction is a checked Changes: the values to store, normalised
// (phone in E.164, e-mail with its domain lower-cased), and the fields to
// remove (given as "").
type Correction struct {
	Set    map[string]string
	Remove []string
}

// PhoneNormalizer reads a phone number as typed, national numbers in
// region, into E.164 (diner/phone.Normalize).
type PhoneNormalizer func(raw, region string) (string, error)

// Check validates every field of c at once, with the rules of a card
// (card limits, diner.NormalizeEmail, diner.ParseBirthday, the phone
// normaliser), and refuses a change of the field that identifies the diner
// (their key: the phone number, or the e-mail of a diner without one) —
// that is a new diner: erase and let them fill a new card. It returns a
// fault.Invalid error naming each bad field; nothing is written then.
func (c Changes) Check(p diner.Profile, region string, today time.Time, phone PhoneNormalizer) (Correction, error) {
	out := Correction{Set: map[string]string{}}
	var errs []fault.FieldError
	bad := func(field, rule string, params map[string]string) {
		errs = append(errs, fault.FieldError{Field: field, Rule: rule, Params: params})
	}
	field := func(name string, v *string, check func(string) (string, bool)) {
		switch {
		case v == nil:
		case *v == "":
			out.Remove = append(out.Remove, name)
		default:
			if n, ok := check(*v); ok {
				out.Set[name] = n
			}
		}
	}
	field("name", c.Name, func(s string) (string, bool) {
		if len([]rune(s)) > card.MaxName {
			bad("name", "too_long", map[string]string{"max": "100"})
			return "", false
		}
		return s, true
	})
	field("phone", c.Phone, func(s string) (string, bool) {
		n, err := phone(s, region)
		if err != nil {
			bad("phone", "phone", nil)
			return "", false
		}
		return n, true
	})
	field("email", c.Email, func(s string) (string, bool) {
		n, err := diner.NormalizeEmail(s)
		if err != nil {
			bad("email", "email", nil)
			return "", false
		}
		return n, true
	})
	field("birthday", c.Birthday, func(s string) (string, bool) {
		if _, _, _, err := diner.ParseBirthday(s, today); err != nil {
			bad("birthday", "birthday", nil)
			return "", false
		}
		return s, true
	})
	field("language", c.Language, func(s string) (string, bool) {
		if _, ok := i18n.Parse(s); !ok {
			bad("language", "language", nil)
			return "", false
		}
		return s, true
	})
	// The key names the diner: a tel: diner keeps their number, an email:
	// diner their address.
	for _, f := range []struct{ name, prefix, now string }{{"phone", "tel:", p.Phone}, {"email", "email:", p.Email}} {
		if len(p.Key) <= len(f.prefix) || p.Key[:len(f.prefix)] != f.prefix {
			continue
		}
		v, set := out.Set[f.name]
		removed := false
		for _, r := range out.Remove {
			removed = removed || r == f.name
		}
		if removed || set && diner.KeyFor(pick(f.name == "phone", v), pick(f.name == "email", v)) != p.Key {
			bad(f.name, "identity", nil)
		}
	}
	if len(errs) > 0 {
		return Correction{}, &fault.Error{Code: fault.Invalid, Message: "The correction has invalid fields.", Fields: errs}
	}
	if len(out.Set) == 0 && len(out.Remove) == 0 {
		return Correction{}, &fault.Error{Code: fault.Invalid, Message: "The correction changes nothing.", Fields: []fault.FieldError{{Field: "changes", Rule: "required"}}}
	}
	return out, nil
}

func pick(ok bool, v string) string {
	if ok {
		return v
	}
	return ""
}
