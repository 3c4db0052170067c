// Package phone normalises the phone numbers diners type, with
// libphonenumber's metadata (github.com/nyaruka/phonenumbers). It is apart
// from package diner because that metadata costs a binary about 6 MiB and
// 18 ms of start-up: only the functions that take cards from diners (card,
// scan, console) link it.
package phone

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Normalize parses a phone number as a diner typed it, reading national
// numbers in the store's region (ISO 3166, e.g. "TW"), and returns it in
// E.164. Only numbers that are valid for their region are accepted.
func Normalize(raw, region string) (string, error) {
	n, err := phonenumbers.Parse(raw, strings.ToUpper(region))
	if err != nil {
		return "", fmt.Errorf("parse phone number: %w", err)
	}
	if !phonenumbers.IsValidNumber(n) {
		return "", fmt.Errorf("phone number %q is not a valid number", raw)
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}
