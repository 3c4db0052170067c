package privacy

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
)

// Dot is the character that stands for a hidden digit or letter.
const Dot = "•"

// MaskPhone hides a phone number as staff lists show it (need to know,
// docs/privacy.md "Who sees what"): an E.164 number keeps its country code,
// the first digit of the national number and the last three, grouped in
// threes from the right — "+886912345111" is "+886 9•• ••• 111". Anything
// else keeps at most its last three digits; "" stays "".
func MaskPhone(s string) string {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
	if digits == "" {
		if strings.TrimSpace(s) == "" {
			return ""
		}
		return Dot + Dot + Dot
	}
	cc, national := "", digits
	if strings.HasPrefix(strings.TrimSpace(s), "+") {
		n := callingCodeLen(digits)
		if n < len(digits) {
			cc, national = digits[:n], digits[n:]
		}
	}
	keepHead := 1
	if cc == "" || len(national) < 7 {
		keepHead = 0 // a short or unplaced number: its first digit says too much
	}
	keepTail := min(3, len(national)-keepHead-1)
	if keepTail < 0 {
		keepTail = 0
	}
	var masked strings.Builder
	for i, r := range national {
		if i < keepHead || i >= len(national)-keepTail {
			masked.WriteRune(r)
		} else {
			masked.WriteString(Dot)
		}
	}
	out := groupFromRight([]rune(masked.String()), 3)
	if cc != "" {
		return "+" + cc + " " + out
	}
	return out
}

// groupFromRight puts a space before every n-th character from the right;
// a lone leading character joins the group after it.
func groupFromRight(rs []rune, n int) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 1 && (len(rs)-i)%n == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// callingCodeLen is the length of the ITU country calling code that digits
// (an E.164 number without "+") starts with. Codes are prefix-free: 1 and
// 7 have one digit, the codes listed have two, every other has three.
func callingCodeLen(digits string) int {
	switch digits[0] {
	case '1', '7':
		return 1
	}
	if len(digits) >= 2 && strings.Contains(twoDigitCodes, "|"+digits[:2]+"|") {
		return 2
	}
	return 3
}

const twoDigitCodes = "|20|27|30|31|32|33|34|36|39|40|41|43|44|45|46|47|48|49|51|52|53|54|55|56|57|58|60|61|62|63|64|65|66|81|82|84|86|90|91|92|93|94|95|98|"

// MaskEmail hides an e-mail address: the first letter of the local part and
// of the domain, and the domain's last label — "wang@example.com" is
// "w•••@e•••.com". Three dots always, so the length is hidden too; "" stays
// "".
func MaskEmail(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	local, domain, found := strings.Cut(s, "@")
	out := firstRune(local) + Dot + Dot + Dot
	if !found {
		return out
	}
	tld := ""
	if i := strings.LastIndexByte(domain, '.'); i > 0 && i < len(domain)-1 {
		tld = domain[i:]
	}
	return out + "@" + firstRune(domain) + Dot + Dot + Dot + tld
}

func firstRune(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || r == utf8.RuneError || !unicode.IsPrint(r) {
		return ""
	}
	return string(r)
}

// Contacts says how a reader sees a diner's phone and e-mail.
type Contacts int

// How contacts are shown. Staff who look after the store (its store
// managers, operations, admin) see them masked in lists and may reveal one
// on a case page, which is audited; everyone else (marketing, area
// managers) never sees them, not even masked.
const (
	Hidden Contacts = iota
	Masked
)

// MaskCard returns c as a list shows it: phone and e-mail masked (or
// removed when hidden), the diner key (which holds one of them) removed.
func MaskCard(c card.Card, how Contacts) card.Card {
	c.Diner.Key = ""
	c.Diner.Phone, c.Diner.Email = maskOrHide(c.Diner.Phone, MaskPhone, how), maskOrHide(c.Diner.Email, MaskEmail, how)
	if how == Hidden {
		c.Diner.Name, c.Diner.Birthday = "", ""
	}
	return c
}

// MaskCase returns k as a list shows it: the phone masked (or removed),
// the diner key removed.
func MaskCase(k casework.Case, how Contacts) casework.Case {
	k.DinerKey = ""
	k.DinerPhone = maskOrHide(k.DinerPhone, MaskPhone, how)
	if how == Hidden {
		k.DinerName = ""
	}
	return k
}

func maskOrHide(v string, mask func(string) string, how Contacts) string {
	if how == Hidden {
		return ""
	}
	return mask(v)
}

// Reveal reasons staff choose from when they show a diner's full number.
const (
	ReasonCallback = "callback"  // calling the diner about this case
	ReasonFollowUp = "follow_up" // following up a promise made on a call
	ReasonDiner    = "diner"     // the diner asked to be called
)

// RevealReasons are the reasons a reveal may give.
var RevealReasons = []string{ReasonCallback, ReasonFollowUp, ReasonDiner}

// Audit actions of the need-to-know rules.
const (
	ActionReveal    = "reveal"     // a diner's full phone or e-mail shown to staff
	ActionCSVExport = "csv-export" // a store's cards or cases exported with the diners' contacts
)

// SubjectHash is the keyed hash that names a diner in the audit log and on
// requests: matched by the system, never read back.
func SubjectHash(h Hasher, brandID, dinerKey string) string {
	if dinerKey == "" {
		return ""
	}
	return h.Keyed("diner", brandID+"\x00"+dinerKey)
}

// RevealEntry is the audit entry of a reveal: by whom (a staff member's
// e-mail, or "case link: <the manager it was mailed to>"), which field of
// which diner (by keyed hash) on which case or card, when, and why.
func RevealEntry(h Hasher, brandID, dinerKey, by, field, storeID, caseID, cardID, reason string, at time.Time) AuditEntry {
	d := map[string]string{"field": field, "store": storeID, "reason": reason}
	if caseID != "" {
		d["case"] = caseID
	}
	if cardID != "" {
		d["card"] = cardID
	}
	return AuditEntry{BrandID: brandID, At: at, By: by, Action: ActionReveal, SubjectHash: SubjectHash(h, brandID, dinerKey), Detail: d}
}
