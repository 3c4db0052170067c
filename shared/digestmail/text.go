package digestmail

import (
	"strings"
)

// The text parts: the same facts as the HTML parts, in the same order,
// with the link written out. Plain text needs no escaping; comments go in
// as the diners typed them.

type textWriter struct{ strings.Builder }

func (b *textWriter) line(parts ...string) {
	for _, p := range parts {
		b.WriteString(p)
	}
	b.WriteByte('\n')
}

func (b *textWriter) head(f frame) {
	b.line(f.Heading, " — ", f.Sub)
	b.line()
	b.line(f.Intro)
}

func (b *textWriter) section(title string) {
	b.line()
	b.line("== ", title, " ==")
}

func (b *textWriter) comments(cs []commentRow) {
	for _, c := range cs {
		b.line("* ", c.Score, " · ", c.Meta)
		b.line(`  "`, c.Text, `"`)
	}
}

func (b *textWriter) cases(ks []caseRow, none, due string) {
	if len(ks) == 0 {
		b.line(none)
	}
	for _, k := range ks {
		b.line("* ", k.Diner, " · ", k.Severity, " · ", k.Status, " · ", due, " ", k.Due)
	}
}

func (b *textWriter) foot(f frame) {
	b.line()
	b.line(f.T("digest.dashboard"), ": ", f.DashboardURL)
	b.line()
	b.line(f.Footer)
}

func nightText(v nightView) string {
	var b textWriter
	b.head(v.frame)
	b.line()
	b.line(v.CardsLine)
	b.line(v.FirstLine)
	if v.Regulars != "" {
		b.line("!! ", v.Regulars)
	}
	if len(v.Scores) > 0 {
		b.section(v.T("digest.scores"))
		b.line(v.T("digest.item"), " | ", v.T("digest.today"), " | ", v.T("digest.baseline"))
		for _, s := range v.Scores {
			b.line(s.Item, " | ", s.Today, " | ", s.Base)
		}
	}
	b.section(v.T("digest.comments"))
	if len(v.Comments) == 0 {
		b.line(v.T("digest.noComments"))
	}
	b.comments(v.Comments)
	b.section(v.T("digest.newCases"))
	b.cases(v.NewCases, v.T("digest.none"), v.T("digest.due"))
	b.section(v.T("digest.openCases"))
	b.cases(v.OpenCases, v.T("digest.none"), v.T("digest.due"))
	b.foot(v.frame)
	return b.String()
}

func weekText(v weekView) string {
	var b textWriter
	b.head(v.frame)
	if len(v.Ranking) > 0 {
		b.section(v.T("digest.ranking"))
		for _, r := range v.Ranking {
			b.line(r.Rank, ". ", r.Store, " | ", v.T("digest.cards"), " ", r.Cards, " | ", v.T("digest.average"), " ", r.CSAT, " ", r.Delta, " | ", v.T("digest.overdueCount"), " ", r.Overdue)
		}
	}
	b.section(v.T("digest.kpis"))
	for _, k := range v.KPIs {
		b.line(k.Name, ": ", k.Actual, " (", k.Status, "; ", v.T("digest.target"), " ", k.Target, ")", deltaText(k.Delta))
	}
	b.section(v.T("digest.chart.title"))
	for _, d := range v.Days {
		b.line(d.Date, " | ", v.T("digest.cards"), " ", d.Cards, " | ", v.T("digest.average"), " ", d.CSAT)
	}
	b.section(v.T("digest.lowest"))
	if len(v.Lowest) == 0 {
		b.line(v.T("digest.none"))
	}
	b.comments(v.Lowest)
	b.section(v.T("digest.overdue"))
	b.cases(v.Overdue, v.T("digest.none"), v.T("digest.due"))
	b.foot(v.frame)
	return b.String()
}

func deltaText(d string) string {
	if d == "" {
		return ""
	}
	return " " + d
}
