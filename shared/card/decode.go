package card

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/strictjson"
)

// Decode reads a card's JSON (docs/api.md) field by field, so that every
// field of the wrong type and every unknown field is reported at once, each by
// its path (e.g. "ratings.main", "diner.phone"). It fails with
// fault.Malformed when the body is not a JSON object or is not strict JSON
// (strictjson.Check: invalid UTF-8, a lone surrogate, a repeated key) and fault.Invalid when
// fields are unknown or of the wrong type.
func Decode(body []byte) (Submission, error) {
	var s Submission
	top, err := object(body)
	if err != nil {
		return s, err
	}
	var errs []fault.FieldError
	fields := map[string]any{
		"submissionId": &s.SubmissionID, "storeId": &s.StoreID, "table": &s.Table,
		"server": &s.Server, "visitDate": &s.VisitDate, "meal": &s.Meal,
		"firstVisit": &s.FirstVisit, "visitCount": &s.VisitCount, "reason": &s.Reason,
		"heardFrom": &s.HeardFrom, "mainCourse": &s.MainCourse, "nps": &s.NPS,
		"comment": &s.Comment,
	}
	for _, key := range sortedKeys(top) {
		raw := top[key]
		switch key {
		case "ratings":
			s.Ratings, errs = decodeRatings(raw, errs)
		case "diner":
			errs = decodeObject("diner.", raw, map[string]any{
				"name": &s.Diner.Name, "phone": &s.Diner.Phone, "email": &s.Diner.Email,
				"birthday": &s.Diner.Birthday, "language": &s.Diner.Language,
			}, errs)
		case "consent":
			errs = decodeObject("consent.", raw, map[string]any{
				"contact": &s.Consent.Contact, "marketing": &s.Consent.Marketing,
			}, errs)
		default:
			dst, ok := fields[key]
			if !ok {
				errs = append(errs, fault.FieldError{Field: key, Rule: "unknown_field"})
				continue
			}
			errs = decodeValue(key, raw, dst, errs)
		}
	}
	if len(errs) > 0 {
		return s, fault.Fields(errs)
	}
	return s, nil
}

func object(body []byte) (map[string]json.RawMessage, error) {
	if err := strictjson.Check(body); err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, &fault.Error{Code: fault.Malformed, Message: fmt.Sprintf("The body is not valid JSON (at byte %d).", syn.Offset), Err: err}
		}
		return nil, &fault.Error{Code: fault.Malformed, Message: "The body must be a JSON object.", Err: err}
	}
	if top == nil {
		return nil, fault.New(fault.Malformed, "The body must be a JSON object.")
	}
	return top, nil
}

func decodeRatings(raw json.RawMessage, errs []fault.FieldError) (map[string]int, []fault.FieldError) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, append(errs, wrongType("ratings", "object"))
	}
	if m == nil { // "ratings": null
		return nil, errs
	}
	out := make(map[string]int, len(m))
	for _, k := range sortedKeys(m) {
		var v int
		if err := strictUnmarshal(m[k], &v); err != nil {
			errs = append(errs, wrongType("ratings."+k, "integer"))
			continue
		}
		out[k] = v
	}
	return out, errs
}

func decodeObject(prefix string, raw json.RawMessage, fields map[string]any, errs []fault.FieldError) []fault.FieldError {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return append(errs, wrongType(prefix[:len(prefix)-1], "object"))
	}
	for _, k := range sortedKeys(m) {
		dst, ok := fields[k]
		if !ok {
			errs = append(errs, fault.FieldError{Field: prefix + k, Rule: "unknown_field"})
			continue
		}
		errs = decodeValue(prefix+k, m[k], dst, errs)
	}
	return errs
}

func decodeValue(field string, raw json.RawMessage, dst any, errs []fault.FieldError) []fault.FieldError {
	if err := strictUnmarshal(raw, dst); err != nil {
		return append(errs, wrongType(field, typeName(dst)))
	}
	return errs
}

// strictUnmarshal is json.Unmarshal that also refuses null for non-pointer
// targets, which Unmarshal would silently leave at zero.
func strictUnmarshal(raw json.RawMessage, dst any) error {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		switch dst.(type) {
		case **bool, **int:
			return nil
		}
		return errors.New("null")
	}
	return json.Unmarshal(raw, dst)
}

func typeName(dst any) string {
	switch dst.(type) {
	case *string:
		return "string"
	case *bool, **bool:
		return "boolean"
	case *int, **int:
		return "integer"
	}
	return "value"
}

func wrongType(field, want string) fault.FieldError {
	return fault.FieldError{Field: field, Rule: "wrong_type", Params: map[string]string{"want": want}}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
