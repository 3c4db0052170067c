package setup

import (
	"fmt"
	"log/slog"
	"regexp"
)

// No function logs a diner's phone number or e-mail address (PRODUCT.md
// 4.5, docs/privacy.md): the code logs ids, and this last guard masks any
// address or phone number that still reaches a log line inside a message
// or an error from elsewhere (an SES error naming its recipient, say).
// Names and comments cannot be recognised; the code never logs them.
var (
	emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	// An E.164 number (+ and 8–15 digits, maybe spaced) or a national
	// mobile number (0 and 8–10 digits); dates, times and ids do not
	// start so.
	phonePattern = regexp.MustCompile(`\+[1-9](?:[ \-]?\d){7,14}|\b0\d{8,10}\b`)
)

// Redact masks e-mail addresses and phone numbers in s.
func Redact(s string) string {
	s = emailPattern.ReplaceAllString(s, "[email]")
	return phonePattern.ReplaceAllString(s, "[phone]")
}

// redactAttr is the log handler's ReplaceAttr: string and error values
// pass through Redact.
func redactAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(Redact(a.Value.String()))
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			a.Value = slog.StringValue(Redact(err.Error()))
		} else if s, ok := a.Value.Any().(fmt.Stringer); ok {
			a.Value = slog.StringValue(Redact(s.String()))
		}
	}
	return a
}

// LogOptions are the options of every function's log handler.
var LogOptions = &slog.HandlerOptions{ReplaceAttr: redactAttr}
