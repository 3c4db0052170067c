package scan

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/fault"
)

// CardSubmitter stores a card (card.Service).
type CardSubmitter interface {
	Submit(ctx context.Context, sub card.Submission, m card.Meta) (card.Result, error)
}

// ReviewStore keeps the review queue (scanstore.Scans).
type ReviewStore interface {
	// Review returns a review, or a fault.NotFound error.
	Review(ctx context.Context, id string) (Review, error)
	// Reviews returns a store's waiting reviews, least confident first.
	Reviews(ctx context.Context, storeID string, limit int) ([]Review, error)
	// SaveDecision writes a decided review if its stored version is still
	// r.Version, and returns it with the next version; a fault.Conflict
	// error when someone saved it meanwhile.
	SaveDecision(ctx context.Context, r Review) (Review, error)
}

// StoreFinder finds a store's configuration (brandstore.Brands).
type StoreFinder interface {
	// Store returns a store, or a fault.NotFound error.
	Store(ctx context.Context, id string) (brand.Store, error)
}

// Reviews is the review queue: the scanned cards a person must settle, and
// the decisions that complete them.
type Reviews struct {
	reviews ReviewStore
	stores  StoreFinder
	cards   CardSubmitter
	now     func() time.Time
}

// NewReviews returns the review queue. now is the clock (time.Now in
// production).
func NewReviews(reviews ReviewStore, stores StoreFinder, cards CardSubmitter, now func() time.Time) *Reviews {
	return &Reviews{reviews: reviews, stores: stores, cards: cards, now: now}
}

// Queue returns a store's waiting reviews, least confident first, at most
// limit of them.
func (s *Reviews) Queue(ctx context.Context, storeID string, limit int) ([]Review, error) {
	rs, err := s.reviews.Reviews(ctx, storeID, limit)
	if err != nil {
		return nil, fmt.Errorf("review queue of %s: %w", storeID, err)
	}
	return rs, nil
}

// Get returns a review, or a fault.NotFound error.
func (s *Reviews) Get(ctx context.Context, id string) (Review, error) {
	return s.reviews.Review(ctx, id)
}

// Decide settles review id, read at version, with a person's choices (one
// per question, each among its candidates; digits for a digit grid): the
// card is stored from the certain answers and the choices, exactly as a
// scanned card with no doubt would have been, and the review leaves the
// queue with who decided and the card's id. The card then goes to triage
// from the table's stream, as every card does.
//
// Errors: fault.NotFound for no such review; fault.Conflict when the review
// was decided, or saved by someone else, since version was read;
// fault.Invalid naming "choices.<field>" when a choice is missing or not a
// candidate, or when the card's rules refuse the result (nothing is saved).
//
// Idempotent under retry: the card is keyed by the printed serial, so a
// second submission of the same answers is a replay that writes nothing,
// and one with other answers is a fault.Conflict that counts as done (the
// serial's card exists: answered online, or stored before a crash between
// the two writes); the review is saved under its version, so only one
// decision of a version ever lands and a repeat gets fault.Conflict.
func (s *Reviews) Decide(ctx context.Context, id string, version int, choices map[string]string, by string) (Review, card.Card, error) {
	r, err := s.reviews.Review(ctx, id)
	if err != nil {
		return Review{}, card.Card{}, fmt.Errorf("decide review %s: %w", id, err)
	}
	if r.Version != version {
		return r, card.Card{}, fault.New(fault.Conflict, "This card changed since you opened it (version %d, now %d); reload it.", version, r.Version)
	}
	all, err := r.Decide(choices, by, s.now())
	if err != nil {
		return r, card.Card{}, err
	}
	st, err := s.stores.Store(ctx, r.StoreID)
	if err != nil {
		return r, card.Card{}, fmt.Errorf("decide review %s: store %s: %w", id, r.StoreID, err)
	}
	st = r.Menu.Apply(st) // the items the card was printed with
	var c card.Card
	res, err := s.cards.Submit(ctx, Submission(st, r.VisitDate, all), r.Menu.Printed(Meta(r.Serial, r.CreatedAt)))
	switch {
	case err == nil:
		c = res.Card
	case fault.CodeOf(err) == fault.Conflict:
		c = card.Card{ID: card.PrintedID(st.ID, r.Serial), StoreID: st.ID}
	case fault.CodeOf(err) == fault.Invalid:
		return r, card.Card{}, refused(st, r, err)
	default:
		return r, card.Card{}, fmt.Errorf("decide review %s: %w", id, err)
	}
	r.CardID = c.ID
	saved, err := s.reviews.SaveDecision(ctx, r)
	if err != nil {
		return r, c, fmt.Errorf("decide review %s: %w", id, err)
	}
	return saved, c, nil
}

// refused names, in the review's terms, the fields the card's rules
// refused: "choices.<field>" for a question the person can change.
func refused(st brand.Store, r Review, err error) error {
	fe, ok := fault.As(err)
	if !ok {
		return err
	}
	out := &fault.Error{Code: fault.Invalid, Message: "The card's rules refuse these answers; choose again.", Err: err}
	for _, f := range fe.Fields {
		name := ReviewField(st, f.Field)
		if slices.ContainsFunc(r.Questions, func(q Question) bool { return q.Field == name }) {
			name = "choices." + name
		}
		out.Fields = append(out.Fields, fault.FieldError{Field: name, Rule: f.Rule, Params: f.Params})
	}
	return out
}
