package insightstore_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/aws/dynamo/insightstore"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/insight"
)

// cardsOf makes n cards of a store on a visit day with scores that differ
// by store and day.
func cardsOf(store, day string, n, seed int) []insightstore.Card {
	out := make([]insightstore.Card, n)
	for i := range out {
		nps := (seed + 3*i) % 11
		c := card.Card{ID: fmt.Sprintf("c_%s_%s_%d_%d", store, day, seed, i), StoreID: store, Source: card.SourceQR, VisitDate: day,
			Meal: card.Meals[i%2], Ratings: map[string]int{"overall": 1 + (seed+i)%5, "main": 1 + (seed*i)%5}, NPS: &nps}
		out[i] = insightstore.Card{ID: c.ID, Counters: insight.Count(c)}
	}
	return out
}

// TestBrandRollup, against the emulator: the stores' counters of November
// (kept by Apply, as the stream keeps them) are rolled up twice — the
// brand's items equal the sums of the stores' and the second run writes
// nothing; a card added to one store then makes exactly its day, week and
// month be rolled up again; and the brand report, read from the roll-ups
// only, equals the stores' own reports added up.
func TestBrandRollup(t *testing.T) {
	env := testenv.New(t)
	ctx := context.Background()
	db := allstores.New(dynamodb.NewFromConfig(env.Config), env.Table())
	stores, err := db.Stores(ctx, "wang")
	if err != nil || len(stores) != 3 {
		t.Fatalf("demo stores: %d, %v; want 3", len(stores), err)
	}
	days := []string{"2026-11-03", "2026-11-20", "2026-11-21"}
	for i, st := range stores {
		for j, d := range days {
			day, _ := time.Parse(time.DateOnly, d)
			if _, err := db.Apply(ctx, st.ID, day, cardsOf(st.ID, d, 6+3*i, i+j)); err != nil {
				t.Fatal(err)
			}
		}
	}
	rg := insight.Range{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)}
	periods := insight.Touching(rg)
	rollups := insight.NewRollups(db, db)
	first, err := rollups.Run(ctx, "wang", periods)
	if err != nil {
		t.Fatal(err)
	}
	// 3 days, 2 weeks (W1, W3), the month.
	if first.Written != 6 || first.Unchanged != len(periods)-6 || first.Stores != 3 {
		t.Errorf("first run: got %+v; want 6 written, the rest unchanged", first)
	}
	second, err := rollups.Run(ctx, "wang", periods)
	if err != nil || second.Written != 0 || second.Unchanged != len(periods) {
		t.Errorf("second run: got %+v, %v; want nothing written", second, err)
	}
	ids := []string{stores[0].ID, stores[1].ID, stores[2].ID}
	sumsEqual := func(when string) {
		t.Helper()
		brand, err := db.BrandPeriods(ctx, "wang", periods)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range periods {
			want := insight.Counters{}
			for _, id := range ids {
				got, err := db.Counters(ctx, id, []insight.Period{p})
				if err != nil {
					t.Fatal(err)
				}
				want.Add(got[p])
			}
			if b := brand[p]; !b.Total.Equal(want) {
				t.Errorf("%s: the brand's %s differs from its stores' sum by %v", when, p, b.Total.Sub(want))
			}
		}
	}
	sumsEqual("after two runs")

	late, _ := time.Parse(time.DateOnly, "2026-11-20")
	if _, err := db.Apply(ctx, stores[1].ID, late, cardsOf(stores[1].ID, "2026-11-20", 1, 99)); err != nil {
		t.Fatal(err)
	}
	third, err := rollups.Run(ctx, "wang", periods)
	if err != nil || third.Written != 3 || third.Unchanged != len(periods)-3 {
		t.Errorf("after a card on 20 November: got %+v, %v; want its day, week and month rolled up, nothing else", third, err)
	}
	sumsEqual("after a late card")

	rep, err := insight.NewRankings(db).Report(ctx, "wang", stores, rg, insight.Filter{}, insight.DefaultTargets)
	if err != nil {
		t.Fatal(err)
	}
	if rep.ItemsRead > 10 {
		t.Errorf("the brand report read %d items; want the few roll-ups of Cover", rep.ItemsRead)
	}
	reports := insight.NewReports(db)
	var cards, overallN, overallSum int64
	for _, st := range stores {
		sr, err := reports.Report(ctx, st, rg, insight.Filter{}, insight.DefaultTargets)
		if err != nil {
			t.Fatal(err)
		}
		cards += sr.Figures.Cards
		overallN += sr.Figures.CSAT.N
		overallSum += int64(math.Round(sr.Figures.CSAT.Avg * float64(sr.Figures.CSAT.N)))
		var row insight.StoreRow
		for _, r := range rep.Stores {
			if r.StoreID == st.ID {
				row = r
			}
		}
		for i, k := range sr.KPIs {
			if got := row.KPIs[i]; got.Actual != k.Actual || got.N != k.N {
				t.Errorf("%s %s: the ranking says %v (%d), the store's report %v (%d)", st.ID, k.Name, got.Actual, got.N, k.Actual, k.N)
			}
		}
		if row.Cards != sr.Figures.Cards || row.NPSScore != sr.Figures.NPS.Score {
			t.Errorf("%s: the ranking says %d cards, NPS %v; the store's report %d, %v", st.ID, row.Cards, row.NPSScore, sr.Figures.Cards, sr.Figures.NPS.Score)
		}
	}
	if rep.Figures.Cards != cards || rep.Figures.CSAT.N != overallN || math.Abs(rep.Figures.CSAT.Avg-float64(overallSum)/float64(overallN)) > 1e-9 {
		t.Errorf("the brand: %d cards, CSAT %v of %d; the stores' reports add up to %d, %v of %d",
			rep.Figures.Cards, rep.Figures.CSAT.Avg, rep.Figures.CSAT.N, cards, float64(overallSum)/float64(overallN), overallN)
	}
}
