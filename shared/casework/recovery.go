package casework

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/fault"
)

// RecoveryDays is how many days after a case's visit day the diner's next
// card still counts as coming back.
const RecoveryDays = 90

// Names of the recovery counters, kept with the other callback counters on
// the case's store and visit day (so each is a share of the cases opened
// that day, however late the diner came back).
const (
	// NRecoverable: cases opened for a diner with a diner key (an
	// anonymous card's diner cannot be recognised, so cannot come back).
	NRecoverable = "recoverable"
	// NRecovered: cases whose diner came back within RecoveryDays.
	NRecovered = "recovered"
	// NRecoveredScored: recovered cases where both the complaint and the
	// card the diner came back with rate overall.
	NRecoveredScored = "recoveredScored"
	// NRecoveredComplaintOverall and NRecoveredLaterOverall: the sums of
	// those two overall scores over the scored recovered cases.
	NRecoveredComplaintOverall = "recoveredComplaintOverall"
	NRecoveredLaterOverall     = "recoveredLaterOverall"
)

// Return is the card a case's diner came back with: the first after the
// case by visit day, at any store of the brand.
type Return struct {
	CardID    string    `json:"cardId" dynamodbav:"cardId"`
	StoreID   string    `json:"storeId" dynamodbav:"storeId"`
	VisitDate string    `json:"visitDate" dynamodbav:"visitDate"`
	Overall   int       `json:"overall,omitempty" dynamodbav:"overall,omitempty"` // 0: the card does not rate overall
	At        time.Time `json:"at" dynamodbav:"at"`                               // when it was counted
}

// Recovery is a change to the recovery counters of a case's visit day.
type Recovery struct {
	Recovered        int
	Scored           int
	ComplaintOverall int
	LaterOverall     int
}

// Counters returns the change as counter name → amount, omitting zeros.
func (r Recovery) Counters() map[string]int {
	out := map[string]int{}
	for n, v := range map[string]int{NRecovered: r.Recovered, NRecoveredScored: r.Scored,
		NRecoveredComplaintOverall: r.ComplaintOverall, NRecoveredLaterOverall: r.LaterOverall} {
		if v != 0 {
			out[n] = v
		}
	}
	return out
}

// overall is a card's overall score, 0 when it gives none.
func overall(c card.Card) int {
	v := c.Ratings["overall"]
	if v < card.MinRating || v > card.MaxRating {
		return 0
	}
	return v
}

// noteComplaint keeps the lowest overall score of the case's cards.
func (k *Case) noteComplaint(c card.Card) {
	if v := overall(c); v > 0 && (k.ComplaintOverall == 0 || v < k.ComplaintOverall) {
		k.ComplaintOverall = v
	}
}

// daysBetween returns the whole days from one YYYY-MM-DD day to another.
func daysBetween(from, to string) (int, error) {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return int(t.Sub(f).Hours() / 24), nil
}

// ReturnOf reports whether card c is case k's diner coming back. The case
// must have been counted recoverable when it opened (so a case older than
// the recovery counters is in neither the numerator nor the denominator);
// the card must be the same diner's, of the same brand, not one of the
// case's cards, visited on a later day (the complaint's own day never
// counts) no more than RecoveryDays after the case's visit day, and
// earlier than the return already counted (a paper card scanned late can
// be the true first return).
//
// It returns the return to record and the change to the case day's
// counters: the first return counts the case as recovered; a card that
// turns out to be earlier only moves the later overall score to its own.
func (k Case) ReturnOf(c card.Card, now time.Time) (Return, Recovery, bool) {
	if !k.Recoverable || k.DinerKey == "" || c.Diner.Key != k.DinerKey || c.BrandID != k.BrandID || slices.Contains(k.CardIDs, c.ID) {
		return Return{}, Recovery{}, false
	}
	days, err := daysBetween(k.VisitDate, c.VisitDate)
	if err != nil || days < 1 || days > RecoveryDays {
		return Return{}, Recovery{}, false
	}
	if k.Returned != nil && (k.Returned.CardID == c.ID || k.Returned.VisitDate <= c.VisitDate) {
		return Return{}, Recovery{}, false
	}
	r := Return{CardID: c.ID, StoreID: c.StoreID, VisitDate: c.VisitDate, Overall: overall(c), At: now}
	var t Recovery
	if k.Returned == nil {
		t.Recovered = 1
	} else if k.ComplaintOverall > 0 && k.Returned.Overall > 0 {
		// The earlier return replaces the one counted: take its scores out.
		t.Scored, t.ComplaintOverall, t.LaterOverall = -1, -k.ComplaintOverall, -k.Returned.Overall
	}
	if k.ComplaintOverall > 0 && r.Overall > 0 {
		t.Scored++
		t.ComplaintOverall += k.ComplaintOverall
		t.LaterOverall += r.Overall
	}
	return r, t, true
}

// returnStore finds a diner's recent cases and records their returns
// (shared/aws/dynamo/casestore).
type returnStore interface {
	// DinerCasesSince returns the cases of a diner of a brand opened at or
	// after since. Errors are fault.Unavailable.
	DinerCasesSince(ctx context.Context, brandID, dinerKey string, since time.Time) ([]Case, error)
	// SaveReturn records r on case k and adds t to the case day's counters,
	// in one transaction, only if the case's return is still the one k
	// holds (none, or k.Returned). It reports false, writing nothing, when
	// it is not: the return was counted meanwhile (a replay, or another
	// card). Other errors are fault.Unavailable.
	SaveReturn(ctx context.Context, k Case, r Return, t Recovery) (bool, error)
}

// noteReturn counts every recent case of the card's diner that this card
// is the diner coming back after (Case.ReturnOf).
//
// Idempotent: a case's return is recorded on the case item together with
// the counters it adds, in one transaction conditional on the return the
// case held when read. A replayed card finds itself recorded already (or
// its condition fails) and adds nothing; two cards of one diner racing
// leave the earlier one recorded, each counter moved once.
func (s *Service) noteReturn(ctx context.Context, c card.Card) error {
	if c.Diner.Key == "" {
		return nil // an anonymous diner cannot be recognised coming back
	}
	visit, err := time.Parse(time.DateOnly, c.VisitDate)
	if err != nil {
		return fmt.Errorf("visit day of card %s: %w", c.ID, err)
	}
	// A case is opened when its card arrives, on or after its visit day
	// (a day earlier in UTC at most); two days' margin keeps every case
	// whose visit day can be within RecoveryDays.
	since := visit.AddDate(0, 0, -RecoveryDays-2)
	cases, err := s.cases.DinerCasesSince(ctx, c.BrandID, c.Diner.Key, since)
	if err != nil {
		return fmt.Errorf("recent cases of the diner of card %s: %w", c.ID, err)
	}
	var errs []error
	for _, k := range cases {
		if err := s.saveReturn(ctx, k, c); err != nil {
			errs = append(errs, fmt.Errorf("record card %s as the return after case %s: %w", c.ID, k.ID, err))
		}
	}
	return errors.Join(errs...)
}

// saveReturn records card c as the return after case k if it is one. When
// the case's return moved since it was read (another card of the diner,
// from another shard of the stream), it reads the case again and judges
// the card against the return now recorded.
func (s *Service) saveReturn(ctx context.Context, k Case, c card.Card) error {
	for attempt := 0; ; attempt++ {
		r, t, ok := k.ReturnOf(c, s.now())
		if !ok {
			return nil
		}
		saved, err := s.cases.SaveReturn(ctx, k, r, t)
		if err != nil || saved {
			return err
		}
		if attempt >= 3 {
			return fault.New(fault.Unavailable, "The case's return kept changing; try again.")
		}
		rec, err := s.cases.CaseRecord(ctx, k.ID)
		if err != nil {
			return err
		}
		k = rec.Case
	}
}
