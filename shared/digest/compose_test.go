package digest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/digest"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/insight"
)

var s001 = brand.Store{ID: "S001", BrandID: "wang", TimeZone: "Asia/Taipei", Language: i18n.ZhTW, Items: []string{"main"},
	ManagerEmail: "manager.s001@example.com", AreaManagerEmail: "area.taiwan@example.com"}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func boolp(b bool) *bool { return &b }

// cardOn is a card visited on date with an overall score (0: none).
func cardOn(id, date string, overall int, comment string, first bool) card.Card {
	c := card.Card{ID: id, StoreID: "S001", Source: card.SourceQR, VisitDate: date, Comment: comment,
		Ratings: map[string]int{"main": 4, "service": 4}, FirstVisit: boolp(first)}
	if overall > 0 {
		c.Ratings["overall"] = overall
	}
	return c
}

// countersOf adds up the insight counters of cards per visit day, as the
// insight store keeps them.
func countersOf(cards []card.Card) map[insight.Period]insight.Counters {
	out := map[insight.Period]insight.Counters{}
	for _, c := range cards {
		p := insight.Period{Level: insight.Day, Key: c.VisitDate}
		if out[p] == nil {
			out[p] = insight.Counters{}
		}
		out[p].Add(insight.Count(c))
	}
	return out
}

func TestComposeNight(t *testing.T) {
	loc := mustLoc(t, "Asia/Taipei")
	p := digest.Period{From: day("2026-11-27"), To: day("2026-11-27")}
	cards := []card.Card{
		cardOn("c1", "2026-11-27", 5, "很好", true),
		cardOn("c2", "2026-11-27", 2, "牛排太老", false),
		cardOn("c3", "2026-11-27", 0, "沒評總分", false),
		cardOn("c4", "2026-11-27", 3, "   ", false),
		cardOn("c5", "2026-11-27", 1, "等太久", true),
		// the same weekdays before: 11-20 and 11-06 have cards, 11-13 none
		cardOn("b1", "2026-11-20", 4, "", false),
		cardOn("b2", "2026-11-20", 4, "", false),
		cardOn("b3", "2026-11-06", 1, "", false),
		cardOn("x1", "2026-11-26", 1, "another day", false), // not a same weekday: not in the baseline
	}
	opened := func(id, at string, status casework.Status) casework.Case {
		return casework.Case{ID: id, OpenedAt: utc(at), Status: status}
	}
	cases := []casework.Case{
		opened("k-new", "2026-11-27T05:00:00Z", casework.Open),              // 13:00 Taipei on the day
		opened("k-late", "2026-11-27T15:59:00Z", casework.Open),             // 23:59 Taipei: still the day
		opened("k-next", "2026-11-27T16:00:00Z", casework.Open),             // 00:00 the next day: neither
		opened("k-old-open", "2026-11-25T02:00:00Z", casework.Acknowledged), // still open
		opened("k-old-done", "2026-11-24T02:00:00Z", casework.Resolved),     // resolved: not listed
	}
	n := digest.ComposeNight(s001, p, loc, countersOf(cards), cards[:5], cases)

	if n.Day.Cards != 5 || n.Day.First != 2 || n.Day.Returning != 3 || n.Day.Comments != 4 {
		t.Errorf("day: got %d cards, %d first, %d returning, %d comments; want 5, 2, 3, 4", n.Day.Cards, n.Day.First, n.Day.Returning, n.Day.Comments)
	}
	if n.Baseline.Cards != 3 || fmt.Sprint(n.BaselineDates) != "[2026-11-20 2026-11-06]" {
		t.Errorf("baseline: got %d cards of %v, want 3 of [2026-11-20 2026-11-06]", n.Baseline.Cards, n.BaselineDates)
	}
	var overall digest.Score
	for _, s := range n.Scores {
		if s.Item == "overall" {
			overall = s
		}
	}
	if overall.N != 4 || overall.Avg != 2.75 || overall.BaseN != 3 || overall.BaseAvg != 3 {
		t.Errorf("overall: got %+v, want avg 2.75 of 4 against 3 of 3", overall)
	}
	var ids []string
	for _, c := range n.Comments {
		ids = append(ids, c.CardID)
	}
	if got := fmt.Sprint(ids); got != "[c5 c2 c1 c3]" {
		t.Errorf("comments: got %s, want [c5 c2 c1 c3] (lowest overall first, unrated last, blank left out)", got)
	}
	caseIDs := func(ks []casework.Case) string {
		var out []string
		for _, k := range ks {
			out = append(out, k.ID)
		}
		return fmt.Sprint(out)
	}
	if got := caseIDs(n.NewCases); got != "[k-new k-late]" {
		t.Errorf("new cases: got %s, want [k-new k-late]", got)
	}
	if got := caseIDs(n.OpenCases); got != "[k-old-open]" {
		t.Errorf("open cases: got %s, want [k-old-open]", got)
	}
	if n.Empty() {
		t.Error("Empty: got true for a day with cards")
	}
}

func TestComposeWeek(t *testing.T) {
	p := digest.Period{From: day("2026-11-23"), To: day("2026-11-29")}
	var cards []card.Card
	// This week: 2 cards a day Monday to Wednesday, overall 5 and 4; one
	// comment a day scoring 2, 3, 1 and one unrated.
	for i, d := range []string{"2026-11-23", "2026-11-24", "2026-11-25"} {
		cards = append(cards, cardOn("a"+d, d, 5, "", false), cardOn("b"+d, d, []int{2, 3, 1}[i], "comment "+d, false))
	}
	cards = append(cards, cardOn("u", "2026-11-26", 0, "no overall", false), cardOn("v", "2026-11-26", 4, "", false))
	// The week before: one card, overall 2.
	before := []card.Card{cardOn("p", "2026-11-18", 2, "last week", false)}
	counters := countersOf(append(append([]card.Card{}, cards...), before...))
	// Cases: counted in the day's counters as the insight store keeps them.
	counters[insight.Period{Level: insight.Day, Key: "2026-11-24"}]["case:openedApology"] = 2
	counters[insight.Period{Level: insight.Day, Key: "2026-11-24"}]["case:firstContacted"] = 1
	counters[insight.Period{Level: insight.Day, Key: "2026-11-24"}]["case:contactedWithinSla"] = 1
	now := utc("2026-11-30T01:00:00Z")
	due := now.Add(-time.Hour)
	contacted := now.Add(-2 * time.Hour)
	cases := []casework.Case{
		{ID: "k-overdue", Status: casework.Open, DueAt: due, OpenedAt: due.Add(-24 * time.Hour)},
		{ID: "k-ack-overdue", Status: casework.Acknowledged, DueAt: due, OpenedAt: due.Add(-48 * time.Hour)},
		{ID: "k-contacted", Status: casework.Contacted, DueAt: due, FirstContact: &contacted},
		{ID: "k-not-due", Status: casework.Open, DueAt: now.Add(time.Hour)},
		{ID: "k-nocontact", Status: casework.Open, DueAt: due, NoContact: true},
		{ID: "k-resolved", Status: casework.Resolved, DueAt: due},
	}
	w := digest.ComposeWeek(s001, p, counters, cards, cases, insight.DefaultTargets, now)

	if w.Figures.Cards != 8 || w.Previous.Cards != 1 {
		t.Errorf("cards: got %d this week, %d before; want 8 and 1", w.Figures.Cards, w.Previous.Cards)
	}
	if len(w.Daily) != 7 || w.Daily[0].Cards != 2 || w.Daily[0].CSAT != 3.5 || w.Daily[3].Cards != 2 || w.Daily[3].CSATN != 1 || w.Daily[6].Cards != 0 {
		t.Errorf("daily: got %+v; want 7 days, Monday 2 cards at 3.5", w.Daily)
	}
	csat := w.KPIs[0]
	if csat.Name != insight.KPICSAT || !csat.HasDelta || csat.Previous.Actual != 2 || fmt.Sprintf("%.3f", csat.Delta) != fmt.Sprintf("%.3f", csat.Actual-2) || csat.Met {
		t.Errorf("CSAT row: got %+v; want a delta against last week's 2 and not met", csat)
	}
	sla := w.KPIs[4]
	if sla.Name != insight.KPISLACompliance || sla.N != 2 || sla.Actual != 0.5 || sla.HasDelta {
		t.Errorf("SLA row: got %+v; want 1 of 2 contacted in time, no delta (no cases the week before)", sla)
	}
	var low []string
	for _, c := range w.Lowest {
		low = append(low, fmt.Sprintf("%s:%d", c.CardID, c.Overall))
	}
	if got := fmt.Sprint(low); got != "[b2026-11-25:1 b2026-11-23:2 b2026-11-24:3]" {
		t.Errorf("lowest: got %s, want the three rated comments, lowest first", got)
	}
	var overdue []string
	for _, k := range w.Overdue {
		overdue = append(overdue, k.ID)
	}
	if got := fmt.Sprint(overdue); got != "[k-ack-overdue k-overdue]" {
		t.Errorf("overdue: got %s, want [k-ack-overdue k-overdue] (oldest first)", got)
	}
}

func TestRank(t *testing.T) {
	week := func(id string, csat float64, n, cards int64) digest.Week {
		var w digest.Week
		w.Store.ID = id
		w.Figures.CSAT = insight.CSAT{Avg: csat, N: n}
		w.Figures.Cards = cards
		return w
	}
	got := digest.Rank([]digest.Week{week("S1", 4.1, 10, 10), week("S2", 0, 0, 0), week("S3", 4.8, 3, 3), week("S4", 4.1, 12, 12), week("S5", 0, 0, 4)})
	var ids []string
	for _, w := range got {
		ids = append(ids, w.Store.ID)
	}
	if fmt.Sprint(ids) != "[S3 S4 S1 S5 S2]" {
		t.Errorf("rank: got %v, want [S3 S4 S1 S5 S2] (CSAT, then cards; unrated last)", ids)
	}
}

func TestAreaWeekAndLang(t *testing.T) {
	taipei := s001
	sydney := brand.Store{ID: "S009", TimeZone: "Australia/Sydney", Language: i18n.En}
	shanghai := brand.Store{ID: "S002", TimeZone: "Asia/Shanghai", Language: i18n.ZhCN}
	// Monday 09:00 in Sydney (+11) is 06:00 in Taipei: Sydney's week is
	// due, Taipei's not yet, so the area's latest week is the one before.
	now := utc("2026-11-29T22:30:00Z")
	p, ok := digest.AreaWeek([]brand.Store{taipei, sydney}, now)
	if !ok || p.Key() != "2026-11-16" {
		t.Errorf("area week at %s: got %s, %v; want 2026-11-16", now, p.Key(), ok)
	}
	p, _ = digest.AreaWeek([]brand.Store{taipei, sydney}, utc("2026-11-30T01:00:00Z"))
	if p.Key() != "2026-11-23" || !p.DueAt.Equal(utc("2026-11-30T01:00:00Z")) {
		t.Errorf("area week once Taipei's Monday 09:00 came: got %s due %s; want 2026-11-23 due then", p.Key(), p.DueAt)
	}
	for _, tt := range []struct {
		stores []brand.Store
		want   i18n.Lang
	}{
		{[]brand.Store{shanghai, taipei, taipei}, i18n.ZhTW},
		{[]brand.Store{shanghai, taipei}, i18n.ZhCN},
		{nil, i18n.En},
	} {
		if got := digest.AreaLang(tt.stores); got != tt.want {
			t.Errorf("AreaLang: got %s, want %s", got, tt.want)
		}
	}
}

// TestComposeRanked: the area's week is its stores' weeks together.
func TestComposeRanked(t *testing.T) {
	p := digest.Period{From: day("2026-11-23"), To: day("2026-11-29")}
	s002 := s001
	s002.ID = "S002"
	mk := func(st brand.Store, cards []card.Card) digest.Week {
		for i := range cards {
			cards[i].StoreID = st.ID
		}
		return digest.ComposeWeek(st, p, countersOf(cards), cards, nil, insight.DefaultTargets, utc("2026-11-30T01:00:00Z"))
	}
	a := mk(s001, []card.Card{cardOn("a1", "2026-11-23", 5, "好", false), cardOn("a2", "2026-11-23", 3, "普通", false)})
	b := mk(s002, []card.Card{cardOn("b1", "2026-11-23", 1, "很差", false), cardOn("b2", "2026-11-24", 4, "", false), cardOn("b3", "2026-11-24", 2, "冷", false)})
	r := digest.ComposeRanked("area.taiwan@example.com", i18n.ZhTW, p, []digest.Week{b, a}, insight.DefaultTargets)
	if r.Total.Figures.Cards != 5 || r.Total.Figures.CSAT.N != 5 || r.Total.Figures.CSAT.Avg != 3 {
		t.Errorf("total: got %d cards, CSAT %.2f of %d; want 5 cards, 3.00 of 5", r.Total.Figures.Cards, r.Total.Figures.CSAT.Avg, r.Total.Figures.CSAT.N)
	}
	if d := r.Total.Daily[0]; d.Cards != 3 || d.CSATN != 3 || d.CSAT != 3 {
		t.Errorf("Monday: got %+v, want 3 cards at 3.00", d)
	}
	var low []string
	for _, c := range r.Total.Lowest {
		low = append(low, c.StoreID+"/"+c.CardID)
	}
	if fmt.Sprint(low) != "[S002/b1 S002/b3 S001/a2]" {
		t.Errorf("lowest: got %v, want [S002/b1 S002/b3 S001/a2]", low)
	}
	if r.Stores[0].Store.ID != "S001" || r.Total.KPIs[0].Name != insight.KPICSAT {
		t.Errorf("ranking: got %s first, want S001 (CSAT 4 against 2.33)", r.Stores[0].Store.ID)
	}
}
