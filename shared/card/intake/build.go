package intake

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/diner/phone"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/i18n"
)

var keyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Build checks a submission against the rules of PRODUCT.md 3 and the store's
// card, and returns the card to store. Every broken rule is reported, each
// with its field, in one fault.Invalid error.
func Build(s card.Submission, st brand.Store, m card.Meta) (card.Card, error) {
	v := &checker{}
	today, err := st.Today(m.Now)
	if err != nil {
		return card.Card{}, &fault.Error{Code: fault.Internal, Message: "The store is misconfigured.", Err: err}
	}

	c := card.Card{
		StoreID:     st.ID,
		BrandID:     st.BrandID,
		Source:      m.Source,
		SubmittedAt: m.Now.UTC(),
		Table:       v.text("table", s.Table, card.MaxTable),
		Server:      v.text("server", s.Server, card.MaxServer),
		Comment:     v.text("comment", s.Comment, card.MaxComment),
		FirstVisit:  s.FirstVisit,
		Language:    string(m.Language),
		Serial:      m.Serial,
	}
	if s.StoreID == "" {
		v.add("storeId", "required", nil)
	}
	key := m.IdempotencyKey
	if key == "" {
		key = s.SubmissionID
	}
	if m.Serial != "" {
		key = card.SerialKey(m.Serial)
	}
	if s.SubmissionID != "" {
		v.token("submissionId", s.SubmissionID)
	}
	if m.IdempotencyKey != "" {
		v.token("Idempotency-Key", m.IdempotencyKey)
	}

	c.VisitDate = today.Format(time.DateOnly)
	if s.VisitDate != "" {
		d, err := time.Parse(time.DateOnly, s.VisitDate)
		switch {
		case err != nil:
			v.add("visitDate", "date", nil)
		case d.After(today):
			v.add("visitDate", "date_future", nil)
		case today.Sub(d) > card.MaxDaysBack*24*time.Hour:
			v.add("visitDate", "date_too_old", nil)
		default:
			c.VisitDate = s.VisitDate
		}
	}
	c.Meal = v.oneOf("meal", s.Meal, card.Meals)
	c.Reason = v.oneOf("reason", s.Reason, card.Reasons)
	c.HeardFrom = v.oneOf("heardFrom", s.HeardFrom, card.HeardFrom)
	c.MainCourse = v.oneOf("mainCourse", s.MainCourse, st.MainCourses)

	if s.VisitCount != nil {
		switch n := *s.VisitCount; {
		case n < 1 || n > card.MaxVisitCount:
			v.add("visitCount", "visit_count_range", nil)
		case s.FirstVisit != nil && *s.FirstVisit && n != 1:
			v.add("visitCount", "first_visit_count", nil)
		default:
			c.VisitCount = s.VisitCount
		}
	}

	if s.Ratings == nil {
		v.add("ratings", "required", nil)
	} else if _, ok := s.Ratings["overall"]; !ok {
		v.add("ratings.overall", "required", nil)
	}
	c.Ratings = make(map[string]int, len(s.Ratings))
	for _, item := range slices.Sorted(maps.Keys(s.Ratings)) {
		score := s.Ratings[item]
		switch {
		case !st.Rates(item):
			v.add("ratings."+item, "unknown_item", nil)
		case score < card.MinRating || score > card.MaxRating:
			v.add("ratings."+item, "rating_range", nil)
		default:
			c.Ratings[item] = score
		}
	}
	if s.NPS != nil {
		if *s.NPS < card.MinNPS || *s.NPS > card.MaxNPS {
			v.add("nps", "nps_range", nil)
		} else {
			c.NPS = s.NPS
		}
	}

	c.Diner = v.diner(s.Diner, st, m.Now)
	if s.Consent.Contact {
		c.Consent.Contact = &diner.Consent{At: c.SubmittedAt, Source: m.Source}
	}
	if s.Consent.Marketing {
		c.Consent.Marketing = &diner.Consent{At: c.SubmittedAt, Source: m.Source}
	}

	if len(v.errs) > 0 {
		return card.Card{}, fault.Fields(v.errs)
	}
	c.Fingerprint = fingerprint(s)
	if key == "" {
		key = "fp:" + c.Fingerprint + ":" + strconv.FormatInt(m.Now.UnixNano(), 36)
	}
	c.ID = card.ID(st.ID, key)
	if c.Consent.Contact != nil {
		c.Consent.Contact.CardID = c.ID
	}
	if c.Consent.Marketing != nil {
		c.Consent.Marketing.CardID = c.ID
	}
	return c, nil
}

// fingerprint hashes what the diner said, not how it was delivered.
func fingerprint(s card.Submission) string {
	s.SubmissionID = ""
	b, _ := json.Marshal(s) // a struct of plain fields always marshals; map keys are sorted
	sum := sha256.Sum256(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
}

// Text checks free text typed by a person (a comment, a name) by the
// card's rules: valid UTF-8, no control characters but line breaks and
// tabs, at most max characters. It returns the text trimmed, or the
// broken rule.
func Text(field, s string, max int) (string, []fault.FieldError) {
	v := &checker{}
	out := v.text(field, s, max)
	return out, v.errs
}

type checker struct{ errs []fault.FieldError }

func (v *checker) add(field, rule string, params map[string]string) {
	v.errs = append(v.errs, fault.FieldError{Field: field, Rule: rule, Params: params})
}

// text checks free text: valid UTF-8, no control characters but line breaks
// and tabs, at most max characters. It is kept as typed (HTML included);
// every page escapes it on output.
func (v *checker) text(field, s string, max int) string {
	switch {
	case !utf8.ValidString(s):
		v.add(field, "invalid_utf8", nil)
	case strings.IndexFunc(s, isForbiddenControl) >= 0:
		v.add(field, "control_chars", nil)
	case utf8.RuneCountInString(s) > max:
		v.add(field, "too_long", map[string]string{"max": strconv.Itoa(max)})
	default:
		return strings.TrimSpace(s)
	}
	return ""
}

func isForbiddenControl(r rune) bool {
	if r == '\n' || r == '\r' || r == '\t' {
		return false
	}
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

func (v *checker) token(field, s string) {
	switch {
	case len(s) > card.MaxKey:
		v.add(field, "too_long", map[string]string{"max": strconv.Itoa(card.MaxKey)})
	case !keyPattern.MatchString(s):
		v.add(field, "token", nil)
	}
}

func (v *checker) oneOf(field, s string, allowed []string) string {
	if s == "" {
		return ""
	}
	if !slices.Contains(allowed, s) {
		v.add(field, "one_of", map[string]string{"allowed": strings.Join(allowed, ", ")})
		return ""
	}
	return s
}

func (v *checker) diner(in card.DinerInput, st brand.Store, now time.Time) card.Diner {
	d := card.Diner{Name: v.text("diner.name", in.Name, card.MaxName)}
	if p := strings.TrimSpace(in.Phone); p != "" {
		if v.text("diner.phone", p, 32) != "" {
			e164, err := phone.Normalize(p, st.Country)
			if err != nil {
				v.add("diner.phone", "phone", nil)
			}
			d.Phone = e164
		}
	}
	if e := strings.TrimSpace(in.Email); e != "" {
		if v.text("diner.email", e, 254) != "" {
			norm, err := diner.NormalizeEmail(e)
			if err != nil {
				v.add("diner.email", "email", nil)
			}
			d.Email = norm
		}
	}
	if in.Birthday != "" {
		if _, _, _, err := diner.ParseBirthday(in.Birthday, now); err != nil {
			v.add("diner.birthday", "birthday", nil)
		} else {
			d.Birthday = in.Birthday
		}
	}
	if in.Language != "" {
		l, ok := i18n.Parse(in.Language)
		if !ok {
			v.add("diner.language", "language", nil)
		}
		d.Language = string(l)
	}
	d.Key = diner.KeyFor(d.Phone, d.Email)
	return d
}
