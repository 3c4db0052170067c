package insight

import (
	"time"

	"github.com/cardloop/cardloop/shared/casework"
)

// Recovery is whether diners who complained came back: of the cases opened
// in a range for a diner who can be recognised (a diner key), how many
// diners left another card within casework.RecoveryDays of the case's visit
// day, and how their overall score then compares with the complaint's.
// Counted on the case's visit day, so a range's figure can still grow until
// CountingUntil.
type Recovery struct {
	// Recoverable is the cases opened for a known diner; Recovered those
	// whose diner came back; Rate is Recovered / Recoverable (0 when none).
	Recoverable int64   `json:"recoverable"`
	Recovered   int64   `json:"recovered"`
	Rate        float64 `json:"rate"`
	// Scored is the recovered cases where both the complaint and the later
	// card rate overall; ComplaintOverall and LaterOverall are their mean
	// overall scores (on 5), Change the later minus the complaint's (0 when
	// Scored is 0).
	Scored           int64   `json:"scored"`
	ComplaintOverall float64 `json:"complaintOverall"`
	LaterOverall     float64 `json:"laterOverall"`
	Change           float64 `json:"change"`
	// CountingUntil is the last visit day on which a diner of the range's
	// cases can still come back and be counted (the range's end plus
	// casework.RecoveryDays); before it, the figure is not final.
	CountingUntil string `json:"countingUntil,omitempty"`
	// ComplaintSum and LaterSum are the sums the means come from, so
	// figures of several stores add up exactly (Add).
	ComplaintSum int64 `json:"complaintOverallSum"`
	LaterSum     int64 `json:"laterOverallSum"`
}

// RecoveryOf reads the recovery figures out of a period's counters (a
// store's, or a brand's: the sum of its stores' counters).
func RecoveryOf(c Counters) Recovery {
	get := func(n string) int64 { return c[CasePrefix+n] }
	r := Recovery{
		Recoverable: get(casework.NRecoverable), Recovered: get(casework.NRecovered), Scored: get(casework.NRecoveredScored),
		ComplaintSum: get(casework.NRecoveredComplaintOverall), LaterSum: get(casework.NRecoveredLaterOverall),
	}
	return r.derive()
}

// Add returns the figures of two sets of cases together (two stores of a
// brand), derived again from the counts.
func (r Recovery) Add(o Recovery) Recovery {
	sum := Recovery{
		Recoverable: r.Recoverable + o.Recoverable, Recovered: r.Recovered + o.Recovered, Scored: r.Scored + o.Scored,
		ComplaintSum: r.ComplaintSum + o.ComplaintSum, LaterSum: r.LaterSum + o.LaterSum,
		CountingUntil: max(r.CountingUntil, o.CountingUntil),
	}
	return sum.derive()
}

func (r Recovery) derive() Recovery {
	r.Rate = ratio(r.Recovered, r.Recoverable)
	r.ComplaintOverall = ratio(r.ComplaintSum, r.Scored)
	r.LaterOverall = ratio(r.LaterSum, r.Scored)
	r.Change = r.LaterOverall - r.ComplaintOverall
	return r
}

// Final reports whether no diner of the range's cases can still be counted
// coming back on day today (YYYY-MM-DD).
func (r Recovery) Final(today string) bool { return r.CountingUntil != "" && today > r.CountingUntil }

// recoveryIn is the recovery figures of counters summed over rg.
func recoveryIn(c Counters, rg Range) Recovery {
	r := RecoveryOf(c)
	r.CountingUntil = rg.To.AddDate(0, 0, casework.RecoveryDays).Format(time.DateOnly)
	return r
}
