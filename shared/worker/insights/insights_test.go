package insights_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/aws/dynamo/insightstore"
	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/insight"
	"github.com/cardloop/cardloop/shared/worker/insights"
)

// sydney is a store in a time zone with daylight saving: 2026 has AEDT
// (UTC+11) until 5 April 03:00 and from 4 October 02:00, AEST (UTC+10)
// between.
var sydney = brand.Store{
	ID: "S901", BrandID: "wang", Country: "AU", TimeZone: "Australia/Sydney", Language: i18n.En,
	Name: map[i18n.Lang]string{i18n.En: "Sydney CBD"}, Items: []string{"main", "dessert"},
	MainCourses: []string{"ribeye"}, ManagerEmail: "manager.s901@example.com", AreaManagerEmail: "area.asia@example.com",
}

type rig struct {
	db    *allstores.Stores
	calls *testenv.CountingDynamo
	env   testenv.Env
	tally *insights.Tally
}

func newRig(t *testing.T) *rig {
	env := testenv.New(t)
	calls := &testenv.CountingDynamo{DynamoAPI: dynamodb.NewFromConfig(env.Config)}
	db := allstores.New(calls, env.Table())
	if err := db.PutStore(context.Background(), sydney); err != nil {
		t.Fatal(err)
	}
	return &rig{db: db, calls: calls, env: env, tally: insights.NewTally(db, slog.New(slog.NewTextHandler(io.Discard, nil)))}
}

// submit stores a card as the intake does, at instant now.
func (r *rig) submit(t *testing.T, storeID, key string, now time.Time, s card.Submission, source string) card.Card {
	t.Helper()
	s.StoreID = storeID
	res, err := intake.NewService(r.db, r.db, func() time.Time { return now }).Submit(context.Background(), s, card.Meta{Source: source, IdempotencyKey: key})
	if err != nil {
		var f *fault.Error
		if errors.As(err, &f) {
			t.Fatalf("submit %s: %v %+v", key, err, f.Fields)
		}
		t.Fatalf("submit %s: %v", key, err)
	}
	return res.Card
}

func (r *rig) handle(t *testing.T, recs []events.DynamoDBEventRecord) {
	t.Helper()
	resp, err := r.tally.Handle(context.Background(), events.DynamoDBEvent{Records: recs})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("handle %d records: %v, failures %+v", len(recs), err, resp.BatchItemFailures)
	}
}

func ptr[T any](v T) *T { return &v }

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestEveryCardCountedOnceOnItsVisitDay submits cards to two stores, delivers
// the stream's records reversed, then again in order, then in two halves the
// wrong way round, and checks every stored figure against the recomputation
// from the cards; a paper card scanned three days late counts on its visit
// day, and the Sydney store's days follow its clock across both daylight
// saving changes.
func TestEveryCardCountedOnceOnItsVisitDay(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	n := 0
	sub := func(overall, main int, meal string) card.Submission {
		n++
		return card.Submission{Meal: meal, Ratings: map[string]int{"overall": overall, "main": main, "service": (overall + main + 1) / 2}, NPS: ptr((overall*2 + n) % 11), VisitCount: ptr(n%4 + 1), HeardFrom: card.HeardFrom[n%len(card.HeardFrom)], Comment: []string{"", "牛排很棒", "=1+1"}[n%3]}
	}
	for i := range 24 {
		day := at("2026-11-20T04:00:00Z").Add(time.Duration(i) * 7 * time.Hour)
		r.submit(t, "S001", fmt.Sprintf("tw-%d", i), day, sub(i%5+1, (i*3)%5+1, card.Meals[i%2]), card.SourceQR)
	}
	// A paper card from 20 November, scanned on the 23rd.
	late := sub(2, 1, "dinner")
	late.VisitDate = "2026-11-20"
	paper := r.submit(t, "S001", "paper-1", at("2026-11-23T02:00:00Z"), late, card.SourceScan)
	if paper.VisitDate != "2026-11-20" {
		t.Fatalf("paper card visit date %s", paper.VisitDate)
	}
	// Sydney: 13:30 UTC on 4 April is 00:30 on the 5th (still AEDT); the same
	// on 3 October is 23:30 on the 3rd (AEST).
	sydneyDays := map[string]string{
		"2026-04-04T13:30:00Z": "2026-04-05",
		"2026-04-05T13:30:00Z": "2026-04-05", // 23:30 AEST, after the change
		"2026-10-03T13:30:00Z": "2026-10-03",
		"2026-10-04T13:30:00Z": "2026-10-05", // 00:30 AEDT, after the change
	}
	for when, want := range sydneyDays {
		c := r.submit(t, sydney.ID, "syd-"+when[:10], at(when), sub(4, 5, "dinner"), card.SourceQR)
		if c.VisitDate != want {
			t.Errorf("Sydney card at %s: visit date %s, want %s", when, c.VisitDate, want)
		}
	}

	ev := r.env.StreamEvent(t)
	recs := ev.Records
	if len(recs) < 29 {
		t.Fatalf("stream holds %d records, want at least the 29 cards'", len(recs))
	}
	reversed := slices.Clone(recs)
	slices.Reverse(reversed)
	r.handle(t, reversed)
	r.handle(t, recs)
	half := len(recs) / 2
	r.handle(t, recs[half:])
	r.handle(t, recs[:half])

	audit := insight.NewAudit(r.db, r.db)
	for _, c := range []struct{ store, from, to string }{
		{"S001", "2026-11-01", "2026-11-30"},
		{sydney.ID, "2026-04-01", "2026-10-31"},
	} {
		rg, err := insight.ParseRange(c.from, c.to)
		if err != nil {
			t.Fatal(err)
		}
		diffs, checked, err := audit.Verify(ctx, c.store, rg)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range diffs {
			t.Errorf("%s: %s", c.store, d)
		}
		if checked.Cards == 0 {
			t.Errorf("%s: verify read no cards", c.store)
		}
	}

	// Figures by day: S001's 20 November holds the paper card; Sydney's days
	// are its own.
	got, err := r.db.Counters(ctx, "S001", []insight.Period{{Level: insight.Day, Key: "2026-11-20"}})
	if err != nil {
		t.Fatal(err)
	}
	f := insight.Derive(got[insight.Period{Level: insight.Day, Key: "2026-11-20"}], insight.Filter{Sources: []string{card.SourceScan}}, nil)
	if f.Cards != 1 || f.Paper != 1 {
		t.Errorf("20 November, paper: %d cards (%d paper), want the late-scanned card", f.Cards, f.Paper)
	}
	want := map[string]int64{}
	for _, d := range sydneyDays {
		want[d]++
	}
	for d, n := range want {
		p := insight.Period{Level: insight.Day, Key: d}
		got, err := r.db.Counters(ctx, sydney.ID, []insight.Period{p})
		if err != nil {
			t.Fatal(err)
		}
		if c := got[p].Select(insight.Filter{})[insight.NCards]; c != n {
			t.Errorf("Sydney %s: %d cards, want %d", d, c, n)
		}
	}

	// The report of the month equals the recount.
	rep, err := insight.NewReports(r.db).Report(ctx, mustStore(t, r, "S001"), mustRange(t, "2026-11-01", "2026-11-30"), insight.Filter{}, insight.DefaultTargets)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Figures.Cards != 25 || rep.Figures.Paper != 1 || rep.Figures.Online != 24 {
		t.Errorf("November report: %d cards (%d online, %d paper), want 25 (24, 1)", rep.Figures.Cards, rep.Figures.Online, rep.Figures.Paper)
	}
}

// TestRebuildMendsAndVerifyFinds spoils a day's counters, checks Verify
// reports it, and that Rebuild restores what the cards say.
func TestRebuildMendsAndVerifyFinds(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	for i := range 5 {
		r.submit(t, "S002", fmt.Sprintf("rb-%d", i), at("2026-11-10T04:00:00Z"), card.Submission{Ratings: map[string]int{"overall": i + 1}}, card.SourceQR)
	}
	r.handle(t, r.env.StreamEvent(t).Records)
	day := at("2026-11-10T00:00:00Z")
	// A card that does not exist, counted by mistake.
	if _, err := r.db.Apply(ctx, "S002", day, []insightstore.Card{{ID: "c_bogus", Counters: insight.Count(card.Card{Source: card.SourceQR, Ratings: map[string]int{"overall": 5}})}}); err != nil {
		t.Fatal(err)
	}
	rg := mustRange(t, "2026-11-01", "2026-11-30")
	audit := insight.NewAudit(r.db, r.db)
	diffs, _, err := audit.Verify(ctx, "S002", rg)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) == 0 {
		t.Fatal("verify found nothing wrong with a spoiled day")
	}
	changed, err := audit.Rebuild(ctx, "S002", rg)
	if err != nil || changed != 1 {
		t.Fatalf("rebuild: %d days changed, %v; want 1", changed, err)
	}
	if diffs, _, err := audit.Verify(ctx, "S002", rg); err != nil || len(diffs) != 0 {
		t.Errorf("after rebuild: %v, %v", diffs, err)
	}
	// The stream delivering the day's cards again changes nothing.
	r.handle(t, r.env.StreamEvent(t).Records)
	if diffs, _, err := audit.Verify(ctx, "S002", rg); err != nil || len(diffs) != 0 {
		t.Errorf("after replay: %v, %v", diffs, err)
	}
}

func mustStore(t *testing.T, r *rig, id string) brand.Store {
	t.Helper()
	st, err := r.db.Store(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func mustRange(t *testing.T, from, to string) insight.Range {
	t.Helper()
	rg, err := insight.ParseRange(from, to)
	if err != nil {
		t.Fatal(err)
	}
	return rg
}
