package scanstore

import (
	"context"
	"strings"

	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/scan"
)

// EraseReview removes what a paper card's review keeps of its diner — the
// answers, questions and choices of the diner.* fields and the crops'
// keys — and returns the scan file the card came from ("" when the card
// had no review). A review already erased is left as is; one that changed
// meanwhile is read again.
func (ss *Scans) EraseReview(ctx context.Context, storeID, serial string) (string, error) {
	for attempt := 0; ; attempt++ {
		r, err := ss.Review(ctx, scan.ReviewID(storeID, serial))
		if fault.CodeOf(err) == fault.NotFound {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		if !scrubReview(&r) {
			return r.Object, nil
		}
		_, err = ss.SaveDecision(ctx, r) // conditional on the version read
		if fault.CodeOf(err) == fault.Conflict && attempt < 5 {
			continue
		}
		if err != nil {
			return "", err
		}
		return r.Object, nil
	}
}

// scrubReview removes the diner's fields from r and reports whether there
// was anything to remove.
func scrubReview(r *scan.Review) bool {
	personal := func(field string) bool { return strings.HasPrefix(field, "diner.") || field == "comment" }
	dirty := len(r.Crops) > 0
	for k := range r.Answers {
		if personal(k) {
			delete(r.Answers, k)
			dirty = true
		}
	}
	for k := range r.Choices {
		if personal(k) {
			delete(r.Choices, k)
			dirty = true
		}
	}
	qs := r.Questions[:0]
	for _, q := range r.Questions {
		if personal(q.Field) {
			dirty = true
			continue
		}
		q.Crop = ""
		qs = append(qs, q)
	}
	r.Questions, r.Crops = qs, nil
	return dirty
}
