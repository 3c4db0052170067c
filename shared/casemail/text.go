package casemail

import (
	"strconv"
	"strings"

	"github.com/cardloop/cardloop/shared/i18n"
)

// emailText is the plain-text part of a notice: the same facts as the HTML
// part, in the same order, with the links written out. Plain text needs no
// escaping; values go in as the diner typed them.
func emailText(v view) string {
	var b strings.Builder
	line := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
		b.WriteByte('\n')
	}
	line(storeLine(v), " — ", severityLine(v))
	line()
	line(v.Intro)
	if v.LevelText != "" {
		line(v.LevelText)
	}
	if v.NoContact {
		line()
		line("!! ", v.T("case.noContact"))
	}
	line()
	if v.Phone != "" {
		line(v.T("case.diner"), ": ", v.DinerName, " · tel:", v.Phone)
	} else {
		line(v.T("case.diner"), ": ", v.DinerName)
	}
	line(v.T("case.due"), ": ", v.Due)
	if len(v.Reasons) > 0 {
		line(v.T("case.reasons"), ": ", i18n.List(v.Lang, v.Reasons))
	}
	if h := historyLine(v); h != "" {
		line(v.T("case.history"), ": ", h)
	}
	for _, c := range v.Cards {
		line()
		line(visitLine(v, c))
		for _, r := range c.Ratings {
			if r.Low {
				line("  * ", r.Item, ": ", strconv.Itoa(r.Score), "/5 (", v.T("case.low"), ")")
			} else {
				line("    ", r.Item, ": ", strconv.Itoa(r.Score), "/5")
			}
		}
		if c.Comment != "" {
			line(`  "`, c.Comment, `"`)
		}
	}
	line()
	if v.AckURL != "" {
		line(v.T("case.acknowledge"), ": ", v.AckURL)
	}
	line(v.T("case.open"), ": ", v.OpenURL)
	line("(", v.LinksWork, ")")
	return b.String()
}

// storeLine names the brand (when known) and the store.
func storeLine(v view) string {
	if v.BrandName == "" {
		return v.StoreName
	}
	return v.BrandName + " · " + v.StoreName
}

// severityLine is the case's severity and, for escalations, the level.
func severityLine(v view) string {
	if v.Level == 0 {
		return v.Severity
	}
	return v.Severity + " · " + v.T("case.level") + " " + strconv.Itoa(v.Level)
}

// historyLine is what is known of the diner's visits and earlier cases.
func historyLine(v view) string {
	if v.Visits != "" && v.PriorCases != "" {
		return v.Visits + " · " + v.PriorCases
	}
	return v.Visits + v.PriorCases
}

// visitLine says when the diner came and where they sat: date, meal,
// table, server and NPS, each when known.
func visitLine(v view, c cardView) string {
	s := v.T("case.visit") + " " + c.VisitDate
	if c.Meal != "" {
		s += " · " + c.Meal
	}
	if c.Table != "" {
		s += " · " + v.T("case.table") + " " + c.Table
	}
	if c.Server != "" {
		s += " · " + v.T("case.server") + " " + c.Server
	}
	if c.NPS != "" {
		s += " · NPS " + c.NPS
	}
	return s
}
