package casework

// Day is a store's case numbers for one day: the tallies of every change to
// cases of that visit day, added up as they happen.
type Day struct {
	StoreID string `json:"storeId" dynamodbav:"storeId"`
	Day     string `json:"day" dynamodbav:"day"` // YYYY-MM-DD, the cases' visit day
	Tally
}

// Add returns the sum of two tallies.
func (t Tally) Add(o Tally) Tally {
	t.OpenedApology += o.OpenedApology
	t.OpenedVisit += o.OpenedVisit
	t.NoContact += o.NoContact
	t.Acknowledged += o.Acknowledged
	t.AckSeconds += o.AckSeconds
	t.FirstContacted += o.FirstContacted
	t.FirstContactSeconds += o.FirstContactSeconds
	t.ContactedWithinSLA += o.ContactedWithinSLA
	t.Resolved += o.Resolved
	t.ResolvedFirstContact += o.ResolvedFirstContact
	t.Reopened += o.Reopened
	t.Escalated += o.Escalated
	t.Recoverable += o.Recoverable
	return t
}

// Stats are the callback numbers of a store over a period, derived from
// the daily tallies (no case is read).
type Stats struct {
	Tally
	// ContactedWithinSLAShare is the share of callable cases first contacted
	// before they were due.
	ContactedWithinSLAShare float64 `json:"contactedWithinSlaShare"`
	// FirstContactResolutionShare is the share of resolved cases resolved on
	// their first successful contact.
	FirstContactResolutionShare float64 `json:"firstContactResolutionShare"`
	// AvgAckMinutes is the mean time from a card's arrival to the case's
	// acknowledgement.
	AvgAckMinutes float64 `json:"avgAckMinutes"`
	// AvgFirstContactMinutes is the mean time from a card's arrival to the
	// first contact that reached the diner.
	AvgFirstContactMinutes float64 `json:"avgFirstContactMinutes"`
}

// Summarise adds up daily tallies and derives the shares and averages. A
// share or average with nothing to divide by is 0.
func Summarise(days []Day) Stats {
	var s Stats
	for _, d := range days {
		s.Tally = s.Tally.Add(d.Tally)
	}
	ratio := func(a, b int) float64 {
		if b <= 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	s.ContactedWithinSLAShare = ratio(s.ContactedWithinSLA, s.OpenedApology+s.OpenedVisit-s.NoContact)
	s.FirstContactResolutionShare = ratio(s.ResolvedFirstContact, s.Resolved)
	s.AvgAckMinutes = ratio(s.AckSeconds, s.Acknowledged*60)
	s.AvgFirstContactMinutes = ratio(s.FirstContactSeconds, s.FirstContacted*60)
	return s
}
