package casework_test

import (
	"testing"

	"github.com/cardloop/cardloop/shared/casework"
)

func TestSummarise(t *testing.T) {
	day := func(d string, t casework.Tally) casework.Day { return casework.Day{StoreID: "S001", Day: d, Tally: t} }
	tests := []struct {
		name string
		days []casework.Day
		want casework.Stats
	}{
		{"no days", nil, casework.Stats{}},
		{"nothing to divide by", []casework.Day{day("2026-11-21", casework.Tally{OpenedApology: 1, NoContact: 1})},
			casework.Stats{Tally: casework.Tally{OpenedApology: 1, NoContact: 1}}},
		{"two days added up",
			[]casework.Day{
				day("2026-11-21", casework.Tally{OpenedApology: 2, OpenedVisit: 1, NoContact: 1, Acknowledged: 2, AckSeconds: 600,
					FirstContacted: 1, FirstContactSeconds: 3600, ContactedWithinSLA: 1, Resolved: 1, ResolvedFirstContact: 1}),
				day("2026-11-22", casework.Tally{OpenedApology: 2, Acknowledged: 1, AckSeconds: 1200, FirstContacted: 1, FirstContactSeconds: 7200,
					Resolved: 2, ResolvedFirstContact: 0, Reopened: 1, Escalated: 1}),
			},
			casework.Stats{
				Tally: casework.Tally{OpenedApology: 4, OpenedVisit: 1, NoContact: 1, Acknowledged: 3, AckSeconds: 1800, FirstContacted: 2,
					FirstContactSeconds: 10800, ContactedWithinSLA: 1, Resolved: 3, ResolvedFirstContact: 1, Reopened: 1, Escalated: 1},
				ContactedWithinSLAShare:     0.25, // 1 of the 4 callable cases (5 opened, 1 no-contact)
				FirstContactResolutionShare: 1.0 / 3,
				AvgAckMinutes:               10,
				AvgFirstContactMinutes:      90,
			}},
		{"a reopening takes a resolution back", []casework.Day{
			day("2026-11-21", casework.Tally{OpenedApology: 1, Resolved: 1, ResolvedFirstContact: 1}),
			day("2026-11-21", casework.Tally{Reopened: 1, Resolved: -1, ResolvedFirstContact: -1}),
		}, casework.Stats{Tally: casework.Tally{OpenedApology: 1, Reopened: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := casework.Summarise(tt.days); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTallyAdd(t *testing.T) {
	a := casework.Tally{OpenedApology: 1, OpenedVisit: 2, NoContact: 3, Acknowledged: 4, AckSeconds: 5, FirstContacted: 6,
		FirstContactSeconds: 7, ContactedWithinSLA: 8, Resolved: 9, ResolvedFirstContact: 10, Reopened: 11, Escalated: 12}
	want := casework.Tally{OpenedApology: 2, OpenedVisit: 4, NoContact: 6, Acknowledged: 8, AckSeconds: 10, FirstContacted: 12,
		FirstContactSeconds: 14, ContactedWithinSLA: 16, Resolved: 18, ResolvedFirstContact: 20, Reopened: 22, Escalated: 24}
	if got := a.Add(a); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := a.Add(casework.Tally{}); got != a {
		t.Errorf("adding nothing: got %+v, want %+v", got, a)
	}
}
