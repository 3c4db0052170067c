package insightstore

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/insight"
)

// TestBrandItemSize: a month's roll-up of a brand of many busy stores stays
// far under DynamoDB's 400 KB item limit, and reads back as written.
func TestBrandItemSize(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	month := insight.Period{Level: insight.Month, Key: "2026-11"}
	monthOf := func(store string) insight.Counters {
		c := insight.Counters{}
		for i := range 2700 { // 90 cards a day
			nps := rng.IntN(11)
			r := map[string]int{}
			for _, it := range []string{"bread", "soup", "salad", "main", "dessert", "drink", "service", "cleanliness", "overall"} {
				r[it] = 1 + rng.IntN(5)
			}
			c.Add(insight.Count(card.Card{StoreID: store, Meal: card.Meals[i%2], Source: []string{card.SourceQR, card.SourceScan}[i%3/2],
				Ratings: r, NPS: &nps, HeardFrom: card.HeardFrom[rng.IntN(len(card.HeardFrom))], Reason: card.Reasons[rng.IntN(len(card.Reasons))]}))
		}
		for _, n := range []string{"openedApology", "openedVisit", "firstContacted", "firstContactSeconds", "contactedWithinSla", "resolved", "resolvedFirstContact"} {
			c[insight.CasePrefix+n] = int64(rng.IntN(50000))
		}
		return c
	}
	one := monthOf("S0")
	for _, stores := range []int{100, 300} {
		items := make([]insight.StorePeriod, stores)
		for i := range items {
			c := insight.Counters{}
			for k, v := range one { // each store its own figures
				c[k] = v + int64(rng.IntN(40))
			}
			items[i] = insight.StorePeriod{StoreID: fmt.Sprintf("S%04d", i), Period: month, Counters: c, Version: int64(1 + rng.IntN(90000))}
		}
		b := insight.Roll(month, items)
		item, err := brandItem("wang", b)
		if err != nil {
			t.Fatal(err)
		}
		size := 0
		for k, v := range item {
			size += len(k)
			switch v := v.(type) {
			case *types.AttributeValueMemberB:
				size += len(v.Value)
			case *types.AttributeValueMemberS:
				size += len(v.Value)
			case *types.AttributeValueMemberN:
				size += len(v.Value)
			}
		}
		t.Logf("%d stores: %d bytes", stores, size)
		if limit := 400 * 1024 / 4; size > limit {
			t.Errorf("%d stores: the roll-up is %d bytes; want under %d (a quarter of DynamoDB's limit)", stores, size, limit)
		}
		back, err := brandOf(item)
		if err != nil {
			t.Fatal(err)
		}
		if !back.Total.Equal(b.Total) || len(back.Stores) != stores || !back.Current(b.Versions) || !back.Stores["S0007"].Equal(b.Stores["S0007"]) {
			t.Errorf("%d stores: the item does not read back as written", stores)
		}
	}
}
