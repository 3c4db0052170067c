package insights_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/seed"
	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/insightstore"
	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/insight"
	"github.com/cardloop/cardloop/shared/worker/insights"
)

// meter counts DynamoDB calls and items read (testenv.CountingDynamo) and
// the write units of transactions: each item written in a transaction costs
// twice its size in 1 KB units.
type meter struct {
	*testenv.CountingDynamo
	writeUnits atomic.Int64
}

func (m *meter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	for _, it := range in.TransactItems {
		if it.Put != nil {
			m.writeUnits.Add(2 * ((itemSize(it.Put.Item) + 1023) / 1024))
		}
	}
	return m.CountingDynamo.TransactWriteItems(ctx, in, o...)
}

// itemSize is an item's size as DynamoDB bills it (names plus values; a
// number as about one byte per two digits).
func itemSize(item map[string]types.AttributeValue) int64 {
	var n int64
	for k, v := range item {
		n += int64(len(k)) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int64 {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return int64(len(v.Value))
	case *types.AttributeValueMemberN:
		return int64(len(v.Value)+1)/2 + 1
	case *types.AttributeValueMemberSS:
		var n int64
		for _, s := range v.Value {
			n += int64(len(s))
		}
		return n
	case *types.AttributeValueMemberM:
		return 3 + itemSize(v.Value)
	}
	return 1
}

// streamCards is how many cards go through the stream handler: 100,000
// unless CARDLOOP_BENCH_CARDS says otherwise (about 10 minutes here).
func streamCards() int {
	if n, err := strconv.Atoi(os.Getenv("CARDLOOP_BENCH_CARDS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// yearCards is the year of cards the dashboards are read over: 100,000 in
// three stores, 91 a store and day.
const yearCards = 100_000

// generate makes n cards over the given days ending on last in the given
// stores, in the order they arrive: each day's cards of every store, paper
// cards arriving a day later.
func generate(stores []brand.Store, n, days int, last time.Time) []card.Card {
	rng := rand.New(rand.NewPCG(7, 11))
	perDay := n / (days * len(stores))
	var out, late []card.Card
	for d := days - 1; d >= 0; d-- {
		day := last.AddDate(0, 0, -d)
		out = append(out, late...)
		late = late[:0]
		for _, st := range stores {
			for i := range perDay + rng.IntN(2) {
				r := map[string]int{}
				for _, it := range st.RatedItems() {
					r[it] = 1 + rng.IntN(5)
				}
				nps := rng.IntN(11)
				visits := 1 + rng.IntN(12)
				c := card.Card{
					ID: fmt.Sprintf("c_bench_%s_%s_%d", st.ID, day.Format("20060102"), i), StoreID: st.ID, BrandID: st.BrandID,
					Source: card.SourceQR, VisitDate: day.Format(time.DateOnly), SubmittedAt: day.Add(12 * time.Hour),
					Meal: card.Meals[rng.IntN(2)], Ratings: r, NPS: &nps, VisitCount: &visits,
					HeardFrom: card.HeardFrom[rng.IntN(len(card.HeardFrom))], Reason: card.Reasons[rng.IntN(len(card.Reasons))],
					MainCourse: st.MainCourses[rng.IntN(len(st.MainCourses))],
				}
				if rng.IntN(4) == 0 {
					c.Source = card.SourceScan
					late = append(late, c)
					continue
				}
				out = append(out, c)
			}
		}
	}
	return append(out, late...)
}

// BenchmarkInsight measures the insight counters' cost.
//
// Stream: CARDLOOP_BENCH_CARDS (default 100,000) generated cards in the
// three demo stores over a year, 91 a store and day, go through the
// InsightFunction's stream handler in batches of 100 in arrival order; it
// reports DynamoDB calls, write units and time per card.
//
// Reads: with a second year of 100,000 cards written whole after it (so a
// year's dashboard has a year before it to compare with), and a simulated
// brand of 100 stores over 90 days, it reports the items read and calls of
// S001's dashboard for 90 and 365 days and of the 100 stores' 90-day
// dashboards.
//
// Brand: the 100 stores' counters are rolled up (insight.Rollups, as
// `cardloop stats rollup` does for a range); it reports the items read and
// calls of the brand's 90-day report and ranking read from the roll-ups,
// and the calls and items of a scheduled run (RollupRecentDays and their
// weeks and months) when nothing changed and after one store-day changed.
//
//	make bench  (or: go test -run '^$' -bench Insight -benchtime 1x ./shared/worker/insights/)
func BenchmarkInsight(b *testing.B) {
	if testing.Short() {
		b.Skip("benchmark against the AWS emulator; skipped with -short")
	}
	ctx := context.Background()
	api := dynamodb.NewFromConfig(emulator.Ensure(b))
	// A table of its own, keyed like the project's but without indexes and
	// stream: the emulator copies every table at each transaction, so the
	// project's table, full of cards, would measure the emulator.
	table := emulator.Prefix(b) + "-insight"
	if _, err := emulator.KeyTable(ctx, api, table, false); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _, _ = api.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)}) })
	m := &meter{CountingDynamo: &testenv.CountingDynamo{DynamoAPI: api}}
	db := allstores.New(m, table)
	demo, err := seed.Load()
	if err != nil {
		b.Fatal(err)
	}
	_, stores, err := demo.Parse()
	if err != nil {
		b.Fatal(err)
	}
	last := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	cards := generate(stores, streamCards(), max(1, streamCards()/(3*91)), last)
	tally := insights.NewTally(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	m.Reset()
	start := time.Now()
	for i := 0; i < len(cards); i += 100 {
		var ev events.DynamoDBEvent
		for j, c := range cards[i:min(i+100, len(cards))] {
			rec, err := cardstore.InsertRecord(c, strconv.Itoa(i+j+1))
			if err != nil {
				b.Fatal(err)
			}
			ev.Records = append(ev.Records, rec)
		}
		if resp, err := tally.Handle(ctx, ev); err != nil || len(resp.BatchItemFailures) > 0 {
			b.Fatalf("batch at %d: %+v, %v", i, resp, err)
		}
	}
	took := time.Since(start)
	b.Logf("%d cards through the handler in %v", len(cards), took)
	n := float64(len(cards))
	streamCalls, streamWCU := float64(m.Calls.Load()), float64(m.writeUnits.Load())

	year := last.AddDate(1, 0, 0)
	if err := db.SeedCards(ctx, generate(stores, yearCards, 365, year)); err != nil {
		b.Fatal(err)
	}
	last = year
	reports := insight.NewReports(db)
	read := func(st brand.Store, days int) (insight.Report, int64, int64) {
		m.Reset()
		rg := insight.Range{From: last.AddDate(0, 0, -days+1), To: last}
		rep, err := reports.Report(ctx, st, rg, insight.Filter{}, insight.DefaultTargets)
		if err != nil {
			b.Fatal(err)
		}
		return rep, m.ItemsRead.Load(), m.Calls.Load()
	}
	for range b.N {
		rep, items, calls := read(stores[0], 90)
		b.ReportMetric(float64(items), "items/read90")
		b.ReportMetric(float64(calls), "calls/read90")
		if rep.Figures.Cards == 0 {
			b.Fatal("the 90-day dashboard counts no card")
		}
		_, items, calls = read(stores[0], 365)
		b.ReportMetric(float64(items), "items/read365")
		b.ReportMetric(float64(calls), "calls/read365")
	}

	// A brand of 100 stores, 90 days of 10 cards a day each, counters
	// seeded whole; each store's 90-day dashboard read once.
	brandStores := make([]brand.Store, 100)
	var brandCards []card.Card
	for i := range brandStores {
		st := brand.Store{ID: fmt.Sprintf("B%03d", i), BrandID: "bench", TimeZone: "Asia/Taipei", Language: i18n.ZhTW,
			Items: stores[0].Items, MainCourses: stores[0].MainCourses}
		brandStores[i] = st
		brandCards = append(brandCards, generate([]brand.Store{st}, 900, 90, last)...)
	}
	start = time.Now()
	if err := db.SeedCards(ctx, brandCards); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d cards of 100 stores seeded in %v", len(brandCards), time.Since(start))
	var items, calls int64
	for _, st := range brandStores {
		_, i, c := read(st, 90)
		items += i
		calls += c
	}
	b.ReportMetric(n, "cards")
	b.ReportMetric(streamCalls/n, "calls/card")
	b.ReportMetric(streamWCU/n, "WCU/card")
	b.ReportMetric(float64(took.Microseconds())/n, "µs/card")
	b.ReportMetric(float64(items), "items/brand100read90")
	b.ReportMetric(float64(calls), "calls/brand100read90")

	rollups := insight.NewRollups(db, storeList(brandStores))
	start = time.Now()
	if _, err := rollups.Run(ctx, "bench", insight.Touching(insight.Range{From: last.AddDate(0, 0, -89), To: last})); err != nil {
		b.Fatal(err)
	}
	b.Logf("90 days of 100 stores rolled up in %v", time.Since(start))
	m.Reset()
	rg := insight.Range{From: last.AddDate(0, 0, -89), To: last}
	rep, err := insight.NewRankings(db).Report(ctx, "bench", brandStores, rg, insight.Filter{}, insight.DefaultTargets)
	if err != nil {
		b.Fatal(err)
	}
	if len(rep.Stores) != 100 || rep.Figures.Cards != int64(len(brandCards)) {
		b.Fatalf("the brand report: %d stores, %d cards; want 100, %d", len(rep.Stores), rep.Figures.Cards, len(brandCards))
	}
	b.ReportMetric(float64(m.ItemsRead.Load()), "items/brandRollupRead90")
	b.ReportMetric(float64(m.Calls.Load()), "calls/brandRollupRead90")

	// A scheduled run: nothing changed since the last, then one card of
	// one store on the last day.
	recent := insight.Touching(insight.Recent(last))
	m.Reset()
	if run, err := rollups.Run(ctx, "bench", recent); err != nil || run.Written != 0 {
		b.Fatalf("a run with nothing changed: %+v, %v", run, err)
	}
	b.ReportMetric(float64(m.Calls.Load()), "calls/rollupRunUnchanged")
	b.ReportMetric(float64(m.ItemsRead.Load()), "items/rollupRunUnchanged")
	late := generate(brandStores[7:8], 1, 1, last)
	if _, err := db.Apply(ctx, late[0].StoreID, last, []insightstore.Card{{ID: late[0].ID + "_late", Counters: insight.Count(late[0])}}); err != nil {
		b.Fatal(err)
	}
	m.Reset()
	run, err := rollups.Run(ctx, "bench", recent)
	if err != nil || run.Written != 3 {
		b.Fatalf("a run after one store-day changed: %+v, %v; want its day, week and month written", run, err)
	}
	b.ReportMetric(float64(m.Calls.Load()), "calls/rollupRunOneChange")
	b.ReportMetric(float64(m.ItemsRead.Load()), "items/rollupRunOneChange")
	b.ReportMetric(float64(len(recent)), "periods/rollupRun")
}

// storeList is a brand's stores, as brandstore would list them.
type storeList []brand.Store

func (s storeList) Stores(context.Context, string) ([]brand.Store, error) { return s, nil }
