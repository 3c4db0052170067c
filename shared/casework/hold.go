package casework

import (
	"slices"
	"time"

	"github.com/cardloop/cardloop/shared/triage"
)

// HoldAfterSevere is how long greetings wait after a severe (in-person
// visit) case is resolved, and after a case opens that the diner may not be
// called about.
const HoldAfterSevere = 14 * 24 * time.Hour

// DinerHold is what a case change means for the diner's greetings
// (PRODUCT.md 4.3): no greeting while one of their cases is open, nor for a
// while after a severe one. The store keeps it on the diner's profile, so
// the greeting sender's one transaction can check it.
type DinerHold struct {
	// Open are case ids that now count as open for the diner.
	Open []string
	// Closed are case ids that no longer do.
	Closed []string
	// Until holds greetings until then; zero leaves the hold as it was.
	Until time.Time
}

// IsZero reports whether the hold changes nothing.
func (h DinerHold) IsZero() bool {
	return len(h.Open) == 0 && len(h.Closed) == 0 && h.Until.IsZero()
}

// DinerHold returns the change to the diner's greeting hold that this case
// change makes. A case that opens or reopens counts as open, a resolved one
// no longer does; resolving a severe case holds greetings for
// HoldAfterSevere, and so does opening a case the diner may not be called
// about (nobody will close it by calling, so it never counts as open). An
// anonymous case holds nothing.
func (ch Change) DinerHold() DinerHold {
	k := ch.Case
	var h DinerHold
	if k.DinerKey == "" {
		return h
	}
	for _, ev := range ch.Events {
		switch {
		case (ev.Action == "opened" || ev.Action == "reopened") && !k.NoContact:
			if !slices.Contains(h.Open, k.ID) {
				h.Open = append(h.Open, k.ID)
			}
		case ev.Action == "opened" && k.NoContact:
			h.Until = k.OpenedAt.Add(HoldAfterSevere)
		case ev.Action == "resolved":
			if !slices.Contains(h.Closed, k.ID) {
				h.Closed = append(h.Closed, k.ID)
			}
			if k.Severity == triage.Visit && k.ResolvedAt != nil {
				h.Until = k.ResolvedAt.Add(HoldAfterSevere)
			}
		}
	}
	return h
}
