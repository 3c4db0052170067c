// Package triage judges a stored card: does it call for an apology call, an
// in-person visit, or nothing. The rules are data (Rules): defaults here,
// overridden per brand and per store (docs/triage-rules.md).
package triage

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/card"
)

// Severity of a card, in rising order.
type Severity string

// The severities. A card's severity decides the case it opens.
const (
	None    Severity = ""
	Apology Severity = "apology_call"    // the store manager phones the diner
	Visit   Severity = "in_person_visit" // a manager visits; the area manager is told at once
)

// Rank orders severities: None < Apology < Visit.
func (s Severity) Rank() int {
	switch s {
	case Apology:
		return 1
	case Visit:
		return 2
	}
	return 0
}

// Rules are the triage thresholds. A zero field in an override keeps the
// value it overrides (see Merge).
type Rules struct {
	// ApologyAtOrBelow: any rating at or below it opens an apology call.
	ApologyAtOrBelow int `json:"apologyAtOrBelow,omitempty" dynamodbav:"apologyAtOrBelow,omitempty"`
	// ApologyDueHours: first contact is due this long after the card was stored.
	ApologyDueHours int `json:"apologyDueHours,omitempty" dynamodbav:"apologyDueHours,omitempty"`
	// VisitOverallAtOrBelow: an overall rating at or below it calls for a visit.
	VisitOverallAtOrBelow int `json:"visitOverallAtOrBelow,omitempty" dynamodbav:"visitOverallAtOrBelow,omitempty"`
	// VisitLowCount ratings at or below VisitLowAtOrBelow call for a visit.
	VisitLowCount     int `json:"visitLowCount,omitempty" dynamodbav:"visitLowCount,omitempty"`
	VisitLowAtOrBelow int `json:"visitLowAtOrBelow,omitempty" dynamodbav:"visitLowAtOrBelow,omitempty"`
	// VisitDueHours: the visit (or first contact) is due this long after.
	VisitDueHours int `json:"visitDueHours,omitempty" dynamodbav:"visitDueHours,omitempty"`
	// Keywords in a comment call for a visit: food safety and abuse. Matched
	// case-insensitively; Latin words as whole words, Chinese as substrings.
	Keywords []string `json:"keywords,omitempty" dynamodbav:"keywords,omitempty"`
	// ExtraKeywords are added to Keywords rather than replacing them.
	ExtraKeywords []string `json:"extraKeywords,omitempty" dynamodbav:"extraKeywords,omitempty"`
}

// DefaultKeywords are the food-safety and abuse words of PRODUCT.md 4.2, in
// Traditional and Simplified Chinese and English.
var DefaultKeywords = []string{
	// food poisoning
	"food poisoning", "poisoned", "食物中毒", "中毒",
	// diarrhoea
	"diarrhoea", "diarrhea", "拉肚子", "腹瀉", "腹泻", "瀉肚", "泻肚",
	// vomiting
	"vomit", "vomited", "vomiting", "threw up", "嘔吐", "呕吐", "想吐",
	// allergy
	"allergy", "allergic", "anaphylaxis", "過敏", "过敏",
	// hair
	"hair", "頭髮", "头发", "毛髮", "毛发",
	// insects
	"insect", "bug", "cockroach", "fly in", "worm", "蟲", "虫", "蟑螂", "蒼蠅", "苍蝇",
	// glass, foreign objects
	"glass", "foreign object", "metal", "plastic piece", "玻璃", "異物", "异物", "鐵絲", "铁丝",
	// rudeness, abuse
	"rude", "insult", "insulted", "abusive", "shouted", "yelled", "態度惡劣", "态度恶劣", "態度很差", "态度很差", "罵", "骂", "侮辱", "兇", "凶",
}

// Default returns the rules cardloop starts with.
func Default() Rules {
	return Rules{
		ApologyAtOrBelow:      1,
		ApologyDueHours:       24,
		VisitOverallAtOrBelow: 1,
		VisitLowCount:         3,
		VisitLowAtOrBelow:     2,
		VisitDueHours:         48,
		Keywords:              slices.Clone(DefaultKeywords),
	}
}

// Merge returns r with every non-zero field of o applied over it.
func (r Rules) Merge(o Rules) Rules {
	set := func(dst *int, v int) {
		if v != 0 {
			*dst = v
		}
	}
	set(&r.ApologyAtOrBelow, o.ApologyAtOrBelow)
	set(&r.ApologyDueHours, o.ApologyDueHours)
	set(&r.VisitOverallAtOrBelow, o.VisitOverallAtOrBelow)
	set(&r.VisitLowCount, o.VisitLowCount)
	set(&r.VisitLowAtOrBelow, o.VisitLowAtOrBelow)
	set(&r.VisitDueHours, o.VisitDueHours)
	if len(o.Keywords) > 0 {
		r.Keywords = slices.Clone(o.Keywords)
	}
	r.Keywords = append(r.Keywords, o.ExtraKeywords...)
	return r
}

// Low reports whether a rating counts as low under these rules: at or below
// the threshold of the rule that counts low ratings (VisitLowAtOrBelow) or of
// the apology rule (ApologyAtOrBelow), whichever is higher, so that every
// rating a rule acts on is marked. Pages and e-mails mark such ratings.
func (r Rules) Low(score int) bool {
	return score <= max(r.VisitLowAtOrBelow, r.ApologyAtOrBelow)
}

// Validate checks rules before they are stored.
func (r Rules) Validate() error {
	in := func(v, lo, hi int) bool { return v >= lo && v <= hi }
	switch {
	case !in(r.ApologyAtOrBelow, card.MinRating, card.MaxRating-1),
		!in(r.VisitOverallAtOrBelow, card.MinRating, card.MaxRating-1),
		!in(r.VisitLowAtOrBelow, card.MinRating, card.MaxRating-1):
		return fmt.Errorf("rating thresholds must be from %d to %d", card.MinRating, card.MaxRating-1)
	case !in(r.VisitLowCount, 1, 20):
		return fmt.Errorf("visitLowCount must be from 1 to 20")
	case !in(r.ApologyDueHours, 1, 24*14), !in(r.VisitDueHours, 1, 24*14):
		return fmt.Errorf("due hours must be from 1 to %d", 24*14)
	}
	return nil
}

// Reason says which rule fired and on what.
type Reason struct {
	Rule   string `json:"rule" dynamodbav:"rule"`                         // low_rating, overall, many_low, keyword
	Detail string `json:"detail,omitempty" dynamodbav:"detail,omitempty"` // the item or keyword
}

// Decision is the triage of one card.
type Decision struct {
	Severity Severity `json:"severity"`
	Reasons  []Reason `json:"reasons"`
	// Due is how long after the card's arrival first contact is due.
	Due time.Duration `json:"due"`
	// NoContact: the diner gave no consent to be contacted or no phone, so
	// the case is recorded and reported but never called.
	NoContact bool `json:"noContact"`
}

// Judge applies the rules to a card.
func (r Rules) Judge(c card.Card) Decision {
	var d Decision
	items := make([]string, 0, len(c.Ratings))
	for item := range c.Ratings {
		items = append(items, item)
	}
	sort.Strings(items)
	low := 0
	for _, item := range items {
		v := c.Ratings[item]
		if v <= r.ApologyAtOrBelow {
			d.Reasons = append(d.Reasons, Reason{Rule: "low_rating", Detail: item})
		}
		if v <= r.VisitLowAtOrBelow {
			low++
		}
	}
	apology := len(d.Reasons) > 0
	visit := false
	if v, ok := c.Ratings["overall"]; ok && v <= r.VisitOverallAtOrBelow {
		d.Reasons = append(d.Reasons, Reason{Rule: "overall", Detail: "overall"})
		visit = true
	}
	if r.VisitLowCount > 0 && low >= r.VisitLowCount {
		d.Reasons = append(d.Reasons, Reason{Rule: "many_low", Detail: fmt.Sprint(low)})
		visit = true
	}
	for _, k := range r.matches(c.Comment) {
		d.Reasons = append(d.Reasons, Reason{Rule: "keyword", Detail: k})
		visit = true
	}
	switch {
	case visit:
		d.Severity, d.Due = Visit, time.Duration(r.VisitDueHours)*time.Hour
	case apology:
		d.Severity, d.Due = Apology, time.Duration(r.ApologyDueHours)*time.Hour
	default:
		return Decision{}
	}
	d.NoContact = c.Consent.Contact == nil || c.Diner.Phone == ""
	return d
}

// matches returns the keywords found in text, each once.
func (r Rules) matches(text string) []string {
	if text == "" {
		return nil
	}
	lower := strings.ToLower(text)
	var found []string
	for _, k := range r.Keywords {
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "" || slices.Contains(found, k) {
			continue
		}
		if isLatin(k) {
			if wordRE(k).MatchString(lower) {
				found = append(found, k)
			}
		} else if strings.Contains(lower, k) {
			found = append(found, k)
		}
	}
	return found
}

func isLatin(s string) bool {
	for _, r := range s {
		if r > 0x024F {
			return false
		}
	}
	return true
}

// wordRE matches k as a whole word or phrase, so "hair" does not fire on
// "chair"; a trailing s/es is allowed ("insects").
func wordRE(k string) *regexp.Regexp {
	return regexp.MustCompile(`\b` + regexp.QuoteMeta(k) + `(e?s)?\b`)
}
