// Package comments is what diners write on their cards, as staff read it:
// the filters of the console's Comments view, and the typing-in of a paper
// card's handwritten comment, which joins the card, is counted with the
// store-day's comments, and is judged by the triage rules like any other.
package comments

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/triage"
)

// ScoreLow is the score filter for overall ratings of 1 and 2.
const ScoreLow = "low"

// Filter picks the cards the Comments view shows; an empty field keeps
// every value.
type Filter struct {
	Score  string // "1"…"5", or ScoreLow
	Query  string // a keyword, matched case-insensitively anywhere in the comment
	Meal   string // card.Meals
	Source string // card.SourceQR, SourceScan, SourceImport
}

// ParseFilter reads the view's query parameters; a bad one is a
// fault.Invalid naming it.
func ParseFilter(score, query, meal, source string) (Filter, error) {
	f := Filter{Score: score, Query: strings.TrimSpace(query), Meal: meal, Source: source}
	var bad []fault.FieldError
	if n, err := strconv.Atoi(score); score != "" && score != ScoreLow && (err != nil || n < card.MinRating || n > card.MaxRating) {
		bad = append(bad, fault.FieldError{Field: "score", Rule: "score"})
	}
	if meal != "" && !slices.Contains(card.Meals, meal) {
		bad = append(bad, fault.FieldError{Field: "meal", Rule: "one_of", Params: map[string]string{"allowed": strings.Join(card.Meals, ", ")}})
	}
	sources := []string{card.SourceQR, card.SourceScan, card.SourceImport}
	if source != "" && !slices.Contains(sources, source) {
		bad = append(bad, fault.FieldError{Field: "source", Rule: "one_of", Params: map[string]string{"allowed": strings.Join(sources, ", ")}})
	}
	if len(f.Query) > 200 {
		bad = append(bad, fault.FieldError{Field: "q", Rule: "too_long", Params: map[string]string{"max": "200"}})
	}
	if len(bad) > 0 {
		return Filter{}, &fault.Error{Code: fault.Malformed, Message: "The filter has invalid parameters.", Fields: bad}
	}
	return f, nil
}

// Handwritten reports whether c is a paper card whose comment box has not
// been typed in: the view shows its scan and offers to transcribe it. The
// reader does not tell an empty box from a written one, so every paper card
// without a comment is offered.
func Handwritten(c card.Card) bool {
	return c.Source == card.SourceScan && c.Comment == ""
}

// Keeps reports whether the view shows c under f: a card with a comment,
// or a handwritten one (unless a keyword is asked for, which only typed
// text can match).
func (f Filter) Keeps(c card.Card) bool {
	if c.Comment == "" && (!Handwritten(c) || f.Query != "") {
		return false
	}
	if f.Meal != "" && c.Meal != f.Meal || f.Source != "" && c.Source != f.Source {
		return false
	}
	if f.Score != "" {
		overall, ok := c.Ratings["overall"]
		switch {
		case !ok:
			return false
		case f.Score == ScoreLow:
			if overall > 2 {
				return false
			}
		case strconv.Itoa(overall) != f.Score:
			return false
		}
	}
	return f.Query == "" || strings.Contains(strings.ToLower(c.Comment), strings.ToLower(f.Query))
}

// cardWriter writes a transcribed comment (cardstore.Cards).
type cardWriter interface {
	// Transcribe sets a scanned card's comment, with who typed it and when,
	// and adds one to the comments counter of the card's store-day periods,
	// in one transaction. fault.Conflict when the card is no scan or has a
	// comment already (nothing written); fault.NotFound when there is no
	// such card.
	Transcribe(ctx context.Context, c card.Card, comment, by string, at time.Time) (card.Card, error)
}

// triager judges a card and opens or extends its case (casework.Service).
type triager interface {
	// Triage is idempotent: a card judged again adds to its case only
	// what is new.
	Triage(ctx context.Context, c card.Card) (triage.Decision, error)
}

// Service types in handwritten comments.
type Service struct {
	cards cardWriter
	cases triager
	now   func() time.Time
}

// NewService returns a Service.
func NewService(cards cardWriter, cases triager, now func() time.Time) *Service {
	return &Service{cards: cards, cases: cases, now: now}
}

// Transcribed is a typed-in comment and what triage made of it.
type Transcribed struct {
	Card     card.Card       `json:"card"`
	Decision triage.Decision `json:"decision"`
}

// Transcribe adds the comment typed from c's scan to c (a card the caller
// has read and may see), then has triage judge the card with it: a
// food-safety word opens or raises an in-person-visit case, once.
//
// A card is transcribed once: a card with a comment, or one that is no
// paper card, is a fault.Conflict. When the same text was already saved
// (a retry after an answer was lost, or after triage failed), the card is
// judged again before the conflict is reported, so a failed triage is made
// good by trying again; triage is idempotent, so that opens no second case.
// An error from triage after the comment is saved is returned with the
// saved card.
func (s *Service) Transcribe(ctx context.Context, c card.Card, text, by string) (Transcribed, error) {
	comment, bad := intake.Text("comment", text, card.MaxComment)
	if len(bad) == 0 && comment == "" {
		bad = []fault.FieldError{{Field: "comment", Rule: "required"}}
	}
	if len(bad) > 0 {
		return Transcribed{}, &fault.Error{Code: fault.Invalid, Message: "Type the comment as written on the card.", Fields: bad}
	}
	switch {
	case c.Source != card.SourceScan:
		return Transcribed{}, &fault.Error{Code: fault.Conflict, Message: "Only a paper card's handwritten comment is typed in.",
			Fields: []fault.FieldError{{Field: "comment", Rule: "not_handwritten"}}}
	case c.Comment != "":
		if c.TranscribedBy != "" && c.Comment == comment {
			if _, err := s.cases.Triage(ctx, c); err != nil {
				return Transcribed{Card: c}, fmt.Errorf("triage transcribed card %s again: %w", c.ID, err)
			}
		}
		return Transcribed{}, &fault.Error{Code: fault.Conflict, Message: "This card already has its comment.",
			Fields: []fault.FieldError{{Field: "comment", Rule: "transcribed"}}}
	}
	saved, err := s.cards.Transcribe(ctx, c, comment, by, s.now().UTC())
	if err != nil {
		if fault.CodeOf(err) == fault.Conflict {
			return Transcribed{}, &fault.Error{Code: fault.Conflict, Message: "This card already has its comment.",
				Fields: []fault.FieldError{{Field: "comment", Rule: "transcribed"}}, Err: err}
		}
		return Transcribed{}, fmt.Errorf("transcribe card %s: %w", c.ID, err)
	}
	d, err := s.cases.Triage(ctx, saved)
	if err != nil {
		return Transcribed{Card: saved}, fmt.Errorf("triage transcribed card %s: %w", c.ID, err)
	}
	return Transcribed{Card: saved, Decision: d}, nil
}
