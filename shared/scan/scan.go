// Package scan turns scanned paper cards into cards (PRODUCT.md 4.1): each
// page of an uploaded scan is read by optical mark recognition
// (shared/omr), checked against its signed serial, and stored through the
// same card service as an online card, keyed by the serial so a re-scan adds
// nothing. A card with an uncertain answer waits in its store's review queue
// until a person chooses; handwriting and the consent boxes are kept as
// images beside the card.
package scan

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/fault"
)

// Answers are a paper card's closed answers by layout field name
// ("ratings.item1", "nps", "diner.phone"…), each a bubble value as the
// layout gives it ("" for unanswered).
type Answers map[string]string

// Submission builds the card submission of a paper card for store st from
// its answers: rating slots become the store's own items, main-course
// slots its courses, digit grids a phone number and an MM-DD birthday.
// Unanswered fields are left out; card.Build then checks the rest as it
// checks an online card. Submit it with Meta(serial, at).
func Submission(st brand.Store, visitDate string, a Answers) card.Submission {
	sub := card.Submission{
		StoreID: st.ID, VisitDate: visitDate, Ratings: map[string]int{},
		Meal: a["meal"], Reason: a["reason"], HeardFrom: a["heardFrom"],
	}
	for name, v := range a {
		if v == "" {
			continue
		}
		if key, ok := cardlayout.RatingKey(st, name); ok {
			if n, err := strconv.Atoi(v); err == nil {
				sub.Ratings[key] = n
			}
		}
	}
	if n, err := strconv.Atoi(a["nps"]); err == nil {
		sub.NPS = &n
	}
	if v := a["firstVisit"]; v == "true" || v == "false" {
		b := v == "true"
		sub.FirstVisit = &b
	}
	if n, err := strconv.Atoi(a["visitCount"]); err == nil {
		sub.VisitCount = &n // "5" is printed "5+"
	}
	if c, ok := cardlayout.MainCourse(st, a["mainCourse"]); ok {
		sub.MainCourse = c
	}
	sub.Diner.Phone = a["diner.phone"]
	if b := a["diner.birthday"]; len(b) == 4 {
		sub.Diner.Birthday = b[:2] + "-" + b[2:]
	}
	sub.Diner.Language = a["diner.language"]
	sub.Consent.Contact = a["consent.contact"] == "true"
	sub.Consent.Marketing = a["consent.marketing"] == "true"
	return sub
}

// Meta is how a scanned card is submitted: from a scan, keyed by its
// (verified) serial, arrived at the upload's time.
func Meta(serial string, at time.Time) card.Meta {
	return card.Meta{Source: card.SourceScan, Serial: serial, Now: at}
}

// Question is an answer the machine was unsure of, or one a person must
// give because the card is incomplete without it.
type Question struct {
	Field  string `json:"field" dynamodbav:"field"`
	Reason string `json:"reason" dynamodbav:"reason"` // omr.Reason…, or "invalid" when the card's rules refuse the value
	// Candidates are the values to choose from, most likely first; ""
	// stands for "unanswered".
	Candidates []string `json:"candidates" dynamodbav:"candidates"`
	Confidence float64  `json:"confidence" dynamodbav:"confidence"`
	// Crop is the object key of the field's image as scanned.
	Crop string `json:"crop,omitempty" dynamodbav:"crop,omitempty"`
}

// Review states.
const (
	Waiting = "waiting"
	Decided = "decided"
)

// Review is a scanned card waiting for a person, in its store's queue.
type Review struct {
	ID        string     `json:"id" dynamodbav:"reviewId"`
	StoreID   string     `json:"storeId" dynamodbav:"storeId"`
	Serial    string     `json:"serial" dynamodbav:"serial"`
	Object    string     `json:"object" dynamodbav:"object"` // the scan it came from
	Page      int        `json:"page" dynamodbav:"page"`
	VisitDate string     `json:"visitDate" dynamodbav:"visitDate"`
	Answers   Answers    `json:"answers" dynamodbav:"answers"` // the certain ones
	Questions []Question `json:"questions" dynamodbav:"questions"`
	// Confidence is the lowest of the questions': the queue shows the
	// least confident first.
	Confidence float64           `json:"confidence" dynamodbav:"confidence"`
	Crops      map[string]string `json:"crops,omitempty" dynamodbav:"crops,omitempty"` // box name → object key
	Status     string            `json:"status" dynamodbav:"status"`
	Choices    map[string]string `json:"choices,omitempty" dynamodbav:"choices,omitempty"`
	DecidedBy  string            `json:"decidedBy,omitempty" dynamodbav:"decidedBy,omitempty"`
	DecidedAt  *time.Time        `json:"decidedAt,omitempty" dynamodbav:"decidedAt,omitempty"`
	CardID     string            `json:"cardId,omitempty" dynamodbav:"cardId,omitempty"`
	CreatedAt  time.Time         `json:"createdAt" dynamodbav:"createdAt"`
	Version    int               `json:"version" dynamodbav:"version"`
	// Menu is what the card was printed with (its print batch), when
	// known: the decision maps the answers by it, not by the store's
	// items of the day.
	Menu *Menu `json:"menu,omitempty" dynamodbav:"menu,omitempty"`
}

// Menu is the rated items and main courses a card was printed with.
type Menu struct {
	Items       []string `json:"items" dynamodbav:"items"`
	MainCourses []string `json:"mainCourses" dynamodbav:"mainCourses"`
}

// Printed returns m as the card service's metadata of a card printed with
// this menu; a nil menu leaves it as it is.
func (m *Menu) Printed(meta card.Meta) card.Meta {
	if m != nil {
		meta.PrintedItems, meta.PrintedCourses = m.Items, m.MainCourses
		if meta.PrintedItems == nil {
			meta.PrintedItems = []string{}
		}
	}
	return meta
}

// Apply returns st with the menu's items and courses in place of its own;
// a nil menu leaves st as it is.
func (m *Menu) Apply(st brand.Store) brand.Store {
	if m != nil {
		st.Items, st.MainCourses = m.Items, m.MainCourses
	}
	return st
}

// ReviewID names the review of a card: one per store and serial, so a
// re-scan finds the review already there.
func ReviewID(storeID, serial string) string { return "rv_" + strings.ToLower(storeID) + "_" + serial }

// Decide records a person's choices: one for every question, each among its
// candidates. It returns the card's full answers.
func (r *Review) Decide(choices map[string]string, by string, now time.Time) (Answers, error) {
	if r.Status != Waiting {
		return nil, fault.New(fault.Conflict, "This card was already decided by %s.", r.DecidedBy)
	}
	var bad []fault.FieldError
	for _, q := range r.Questions {
		v, ok := choices[q.Field]
		switch {
		case !ok:
			bad = append(bad, fault.FieldError{Field: "choices." + q.Field, Rule: "required"})
		case len(q.Candidates) == 0: // a digit grid: the person types the digits
			if strings.Trim(v, "0123456789") != "" {
				bad = append(bad, fault.FieldError{Field: "choices." + q.Field, Rule: "digits"})
			}
		case !slices.Contains(q.Candidates, v):
			bad = append(bad, fault.FieldError{Field: "choices." + q.Field, Rule: "one_of", Params: map[string]string{"allowed": strings.Join(q.Candidates, ", ")}})
		}
	}
	for f := range choices {
		if !slices.ContainsFunc(r.Questions, func(q Question) bool { return q.Field == f }) {
			bad = append(bad, fault.FieldError{Field: "choices." + f, Rule: "unknown_field"})
		}
	}
	if len(bad) > 0 {
		return nil, &fault.Error{Code: fault.Invalid, Message: "Choose one value for every question, among its candidates.", Fields: bad}
	}
	all := Answers{}
	for k, v := range r.Answers {
		all[k] = v
	}
	for k, v := range choices {
		all[k] = v
	}
	r.Status, r.Choices, r.DecidedBy, r.DecidedAt = Decided, choices, by, &now
	return all, nil
}

// ReviewField maps a card field that card.Build refused back to the layout
// field a person can correct ("ratings.main" → "ratings.item5" for a store
// whose fifth item is main).
func ReviewField(st brand.Store, cardField string) string {
	if item, ok := strings.CutPrefix(cardField, "ratings."); ok {
		if i := slices.Index(st.Items, item); i >= 0 {
			return cardlayout.ItemField(i)
		}
	}
	if cardField == "ratings" {
		return "ratings.overall" // no rating at all: overall is the one required
	}
	return cardField
}

// Candidates lists a layout field's values for a person to choose from
// ("" first: unanswered). Digit grids have no short list.
func Candidates(l cardlayout.Layout, field string) ([]string, error) {
	f, ok := l.Field(field)
	if !ok {
		return nil, fmt.Errorf("layout v%d has no field %q", l.Version, field)
	}
	out := []string{""}
	switch f.Kind {
	case cardlayout.Check:
		return []string{"false", "true"}, nil
	case cardlayout.Digits:
		return nil, nil
	}
	for _, b := range f.Bubbles {
		out = append(out, b.Value)
	}
	return out, nil
}
