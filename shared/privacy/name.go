package privacy

import (
	"strings"
	"unicode/utf8"
)

// MaskName shows a diner's name as a list of people shows it to staff who
// may not read it: its first letter and three dots ("林小姐" → "林•••",
// "Amy Chen" → "A•••"), so neither the rest nor its length shows; "" stays
// "".
func MaskName(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if r, _ := utf8.DecodeRuneInString(s); r == utf8.RuneError {
		return Dot + Dot + Dot
	}
	return firstRune(s) + Dot + Dot + Dot
}
