package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
)

// demoCase is a low card of a made-up diner that `make run` enters once the
// history is in, so the Cases tab has cases from the first sign-in: triage
// opens each from the stream, as it does a diner's card, with the card's
// time, so one submitted more than a day ago is overdue at once, and
// e-mails the store manager (the local outbox).
type demoCase struct {
	store   string
	ago     time.Duration
	name    string
	phone   string
	comment string
	ratings map[string]int
}

// The diners are invented; the numbers are the stores' countries' mobile
// formats with made-up digits.
var demoCases = []demoCase{
	{"S001", 30 * time.Hour, "陳先生", "0912 000 101", "牛排點五分熟卻送來全熟，等了四十分鐘。", map[string]int{"main": 1, "overall": 2, "service": 3}},
	{"S001", 5 * time.Hour, "林小姐", "0933 000 202", "服務生態度很差，結帳等很久。", map[string]int{"service": 1, "overall": 2}},
	{"S002", 50 * time.Hour, "王女士", "139 0000 0303", "汤是凉的，甜点也不新鲜。", map[string]int{"soup": 1, "dessert": 2, "overall": 2}},
	{"S003", 3 * time.Hour, "Ms Tan", "8100 0404", "The steak was overcooked and nobody checked on us.", map[string]int{"main": 1, "overall": 1}},
}

// DemoCases enters the demo's low cards, as of now. Each has a fixed
// submission key, so entering them again stores nothing new.
func DemoCases(ctx context.Context, t *dynamo.Table, stores []brand.Store, now time.Time) (int, error) {
	cs, err := demoCards(stores, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range cs {
		_, created, err := cardstore.New(t).SaveCard(ctx, c)
		if err != nil {
			return n, fmt.Errorf("demo case card %s: %w", c.ID, err)
		}
		if created {
			n++
		}
	}
	return n, nil
}

// demoCards builds the demo cases' cards as of now.
func demoCards(stores []brand.Store, now time.Time) ([]card.Card, error) {
	byID := map[string]brand.Store{}
	for _, st := range stores {
		byID[st.ID] = st
	}
	var out []card.Card
	for i, dc := range demoCases {
		st, ok := byID[dc.store]
		if !ok {
			return nil, fmt.Errorf("demo case %d: no store %s", i, dc.store)
		}
		at := now.Add(-dc.ago)
		day, err := st.Today(at)
		if err != nil {
			return nil, err
		}
		c, err := intake.Build(card.Submission{
			StoreID: st.ID, VisitDate: day.Format(time.DateOnly), Meal: "dinner",
			Ratings: dc.ratings, Comment: dc.comment,
			Diner:   card.DinerInput{Name: dc.name, Phone: dc.phone},
			Consent: card.ConsentInput{Contact: true},
		}, st, card.Meta{Source: card.SourceQR, IdempotencyKey: fmt.Sprintf("demo-case-%d", i), Language: st.Language, Now: at})
		if err != nil {
			return nil, fmt.Errorf("demo case %d: %w", i, err)
		}
		out = append(out, c)
	}
	return out, nil
}
