package insight

import "github.com/cardloop/cardloop/shared/casework"

// Targets are a brand's service-standard targets (a brand setting).
type Targets struct {
	CSAT                   float64 `json:"csat" dynamodbav:"csat"`                                     // average overall, on 5, at least
	NPSAvg                 float64 `json:"npsAvg" dynamodbav:"npsAvg"`                                 // average 0–10 recommendation, at least
	FirstContactResolution float64 `json:"firstContactResolution" dynamodbav:"firstContactResolution"` // share, at least
	HandlingHours          float64 `json:"handlingHours" dynamodbav:"handlingHours"`                   // card to first contact, hours, at most
	SLACompliance          float64 `json:"slaCompliance" dynamodbav:"slaCompliance"`                   // share contacted within SLA, at least
}

// DefaultTargets are the service standard's: CSAT ≥ 4.5, NPS average ≥ 8,
// first-contact resolution ≥ 80 %, handling time ≤ 24 h, SLA compliance
// ≥ 90 %.
var DefaultTargets = Targets{CSAT: 4.5, NPSAvg: 8, FirstContactResolution: 0.8, HandlingHours: 24, SLACompliance: 0.9}

// KPI names, in the order the table shows them.
const (
	KPICSAT          = "csat"
	KPINPS           = "npsAvg"
	KPIFirstContact  = "firstContactResolution"
	KPIHandling      = "handlingHours"
	KPISLACompliance = "slaCompliance"
)

// KPI is one row of the KPI table: the target, the actual figure and how
// many answers or cases it rests on. With N zero there is no actual figure
// and Met is false.
type KPI struct {
	Name   string  `json:"name"`
	Target float64 `json:"target"`
	Actual float64 `json:"actual"`
	N      int64   `json:"n"`
	// AtMost marks a target that is a ceiling (handling time).
	AtMost bool `json:"atMost,omitempty"`
	Met    bool `json:"met"`
}

// KPIs returns the KPI table of the figures of a range and its callback
// statistics against targets.
func KPIs(f Figures, cases casework.Stats, t Targets) []KPI {
	callable := int64(cases.OpenedApology + cases.OpenedVisit - cases.NoContact)
	rows := []KPI{
		{Name: KPICSAT, Target: t.CSAT, Actual: f.CSAT.Avg, N: f.CSAT.N},
		{Name: KPINPS, Target: t.NPSAvg, Actual: f.NPS.Avg, N: f.NPS.N},
		{Name: KPIFirstContact, Target: t.FirstContactResolution, Actual: cases.FirstContactResolutionShare, N: int64(cases.Resolved)},
		{Name: KPIHandling, Target: t.HandlingHours, Actual: cases.AvgFirstContactMinutes / 60, N: int64(cases.FirstContacted), AtMost: true},
		{Name: KPISLACompliance, Target: t.SLACompliance, Actual: cases.ContactedWithinSLAShare, N: callable},
	}
	for i := range rows {
		r := &rows[i]
		switch {
		case r.N <= 0:
			r.Actual, r.Met = 0, false
		case r.AtMost:
			r.Met = r.Actual <= r.Target
		default:
			r.Met = r.Actual >= r.Target
		}
	}
	return rows
}
