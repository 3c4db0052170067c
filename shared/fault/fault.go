// Package fault is cardloop's domain error: a code that says what kind of
// failure it is, a message safe to show a caller, and, for invalid input, the
// fields at fault. Transport layers map codes to their own statuses in one
// table (see shared/http/respond); domain code never speaks HTTP.
package fault

import (
	"errors"
	"fmt"
)

// Code classifies a failure.
type Code string

// The codes a domain operation can fail with.
const (
	Invalid      Code = "invalid"                // input breaks a rule; Fields says which
	Malformed    Code = "malformed"              // input cannot be parsed at all
	TooLarge     Code = "too_large"              // input is over a size limit
	MediaType    Code = "unsupported_media_type" // the body is not of a type the route takes
	NotFound     Code = "not_found"              // the thing asked for does not exist
	Conflict     Code = "conflict"               // the request clashes with what is stored
	Unauthorized Code = "unauthorized"           // no valid sign-in
	Forbidden    Code = "forbidden"              // signed in, but not allowed
	Unavailable  Code = "unavailable"            // a dependency failed; retrying may help
	TooMany      Code = "too_many_requests"      // one caller sent too many requests; it may retry later
	Internal     Code = "internal"               // a bug or an unexpected state
)

// FieldError says what is wrong with one field of the input. Rule is a stable
// machine-readable name (i18n turns it into words in the reader's language);
// Params fill the message's placeholders.
type FieldError struct {
	Field  string            `json:"field"`
	Rule   string            `json:"rule"`
	Params map[string]string `json:"params,omitempty"`
}

// Error is a domain failure. Message is for the caller; the wrapped Err is the
// cause, for logs only.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	Err     error
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Message
	if len(e.Fields) > 0 {
		s += fmt.Sprintf(" (%d fields)", len(e.Fields))
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an Error with the given code and caller-safe message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Fields returns an Invalid error listing every field at fault.
func Fields(fields []FieldError) *Error {
	return &Error{Code: Invalid, Message: "The card has invalid fields.", Fields: fields}
}

// CodeOf returns the code of the first *Error in err's chain, Internal for any
// other non-nil error, and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Code
	}
	return Internal
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var fe *Error
	ok := errors.As(err, &fe)
	return fe, ok
}
