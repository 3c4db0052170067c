// Package diner is the diner's side of cardloop: who they are (keyed by their
// mobile number, or their e-mail when they gave no number), how often they
// came, and what they agreed to.
package diner

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Profile is what cardloop knows of one diner of one brand.
type Profile struct {
	BrandID        string   `json:"brandId" dynamodbav:"brandId,omitempty"`
	Key            string   `json:"key" dynamodbav:"key,omitempty"` // see KeyFor
	Name           string   `json:"name,omitempty" dynamodbav:"name,omitempty"`
	Phone          string   `json:"phone,omitempty" dynamodbav:"phone,omitempty"` // E.164
	Email          string   `json:"email,omitempty" dynamodbav:"email,omitempty"`
	Birthday       string   `json:"birthday,omitempty" dynamodbav:"birthday,omitempty"` // MM-DD or YYYY-MM-DD
	Language       string   `json:"language,omitempty" dynamodbav:"language,omitempty"`
	Visits         int      `json:"visits" dynamodbav:"visits,omitempty"`
	FirstVisitDate string   `json:"firstVisitDate,omitempty" dynamodbav:"firstVisitDate,omitempty"`
	LastVisitDate  string   `json:"lastVisitDate,omitempty" dynamodbav:"lastVisitDate,omitempty"`
	LastCardID     string   `json:"lastCardId,omitempty" dynamodbav:"lastCardId,omitempty"`
	LastStoreID    string   `json:"lastStoreId,omitempty" dynamodbav:"lastStoreId,omitempty"`
	ContactConsent *Consent `json:"contactConsent,omitempty" dynamodbav:"contactConsent,omitempty"`
	// MarketingConsent is consent to greetings and offers as last ticked on
	// a card; MarketingConfirmed the last confirmation of it (double
	// opt-in); MarketingWithdrawn the last withdrawal. Each is only ever
	// replaced by a newer event of its own kind, so the history decides the
	// state (see Marketing).
	MarketingConsent   *Consent `json:"marketingConsent,omitempty" dynamodbav:"marketingConsentGiven,omitempty"`
	MarketingConfirmed *Consent `json:"marketingConfirmed,omitempty" dynamodbav:"marketingConsentConfirmed,omitempty"`
	MarketingWithdrawn *Consent `json:"marketingWithdrawn,omitempty" dynamodbav:"marketingConsentWithdrawn,omitempty"`
	// MarketingStatus is Marketing() as last written with the index keys
	// that follow from it (the sender's transaction checks this attribute).
	MarketingStatus MarketingState `json:"marketingState,omitempty" dynamodbav:"marketingState,omitempty"`
	// OptInMailFor is the time of the consent whose confirmation e-mail was
	// sent last, and OptInMailAt when it was sent (its link works for the
	// link's lifetime from then): a diner has one confirmation e-mail
	// awaiting an answer at a time (see NeedsOptInMail).
	OptInMailFor *time.Time `json:"optInMailFor,omitempty" dynamodbav:"optInMailFor,omitempty"`
	OptInMailAt  *time.Time `json:"optInMailAt,omitempty" dynamodbav:"optInMailAt,omitempty"`
	// OpenCases are the diner's apology cases not yet resolved; HoldUntil
	// ends the quiet period after a severe case. No greeting goes out while
	// either holds (PRODUCT.md 4.3).
	OpenCases []string   `json:"openCases,omitempty" dynamodbav:"openCases,stringset,omitempty"`
	HoldUntil *time.Time `json:"holdUntil,omitempty" dynamodbav:"holdUntil,omitempty"`
	UpdatedAt time.Time  `json:"updatedAt" dynamodbav:"updatedAt,omitempty"`
}

// Consent records when and through what a diner agreed to something.
type Consent struct {
	At     time.Time `json:"at" dynamodbav:"at"`
	Source string    `json:"source" dynamodbav:"source"` // qr, scan, import; email-link, unsubscribe-link, one-click, complaint
	CardID string    `json:"cardId,omitempty" dynamodbav:"cardId,omitempty"`
}

// NormalizeEmail checks a bare e-mail address (no display name) and returns
// it with its domain lower-cased.
func NormalizeEmail(raw string) (string, error) {
	a, err := mail.ParseAddress(raw)
	if err != nil || a.Name != "" || a.Address != raw {
		return "", fmt.Errorf("e-mail address %q is not a bare address", raw)
	}
	at := strings.LastIndexByte(raw, '@')
	if at < 1 || !strings.Contains(raw[at+1:], ".") || len(raw) > 254 {
		return "", fmt.Errorf("e-mail address %q has no usable domain", raw)
	}
	return raw[:at] + "@" + strings.ToLower(raw[at+1:]), nil
}

// KeyFor returns the key that identifies a diner: "tel:" and the E.164 number
// when there is one, else "email:" and the lower-cased address, else "" (an
// anonymous card has no diner).
func KeyFor(phoneE164, email string) string {
	switch {
	case phoneE164 != "":
		return "tel:" + phoneE164
	case email != "":
		return "email:" + strings.ToLower(email)
	}
	return ""
}

// ParseBirthday checks a birthday given as MM-DD or YYYY-MM-DD. 02-29 is a
// real birthday without a year; with a year it must be a real date, after
// 1900 and not after today.
func ParseBirthday(s string, today time.Time) (month, day, year int, err error) {
	var t time.Time
	switch len(s) {
	case 5:
		t, err = time.Parse("2006-01-02", "2000-"+s) // 2000 is a leap year
	case 10:
		t, err = time.Parse("2006-01-02", s)
		year = t.Year()
		if err == nil && (year < 1900 || t.After(today)) {
			err = fmt.Errorf("year %d out of range", year)
		}
	default:
		err = fmt.Errorf("want MM-DD or YYYY-MM-DD")
	}
	if err != nil {
		return 0, 0, 0, fmt.Errorf("birthday %q: %w", s, err)
	}
	return int(t.Month()), t.Day(), year, nil
}
