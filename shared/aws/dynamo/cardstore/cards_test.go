package cardstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/fault"
)

func setup(t testing.TB) (*cardstore.Cards, *testenv.CountingDynamo, *intake.Service) {
	env := testenv.New(t)
	api := &testenv.CountingDynamo{DynamoAPI: dynamodb.NewFromConfig(env.Config)}
	table := dynamo.New(api, env.Table())
	cards := cardstore.New(table)
	return cards, api, intake.NewService(brandstore.New(table), cards, time.Now)
}

func submission(i int, phone string) card.Submission {
	return card.Submission{
		SubmissionID: fmt.Sprintf("sub-%d", i),
		StoreID:      "S001",
		Ratings:      map[string]int{"overall": 1 + i%5, "main": 4},
		Comment:      "<b>好吃</b>",
		Diner:        card.DinerInput{Name: "林小姐", Phone: phone, Email: "Lin@Example.com", Birthday: "02-29"},
		Consent:      card.ConsentInput{Contact: true},
	}
}

func TestSaveCardAndDiner(t *testing.T) {
	db, _, svc := setup(t)
	ctx := context.Background()
	first, err := svc.Submit(ctx, submission(1, "0912 345 678"), card.Meta{Source: card.SourceQR})
	if err != nil || !first.Created {
		t.Fatalf("first card: got %+v, %v; want created", first, err)
	}
	replay, err := svc.Submit(ctx, submission(1, "0912 345 678"), card.Meta{Source: card.SourceQR})
	if err != nil || replay.Created || replay.Card.ID != first.Card.ID {
		t.Fatalf("replay: got %+v, %v; want the first card, not created", replay, err)
	}
	if _, err := svc.Submit(ctx, submission(2, "+886912345678"), card.Meta{Source: card.SourceQR}); err != nil {
		t.Fatalf("second card: %v", err)
	}

	got, err := db.Card(ctx, first.Card.ID)
	if err != nil {
		t.Fatalf("read card: %v", err)
	}
	if got.Comment != "<b>好吃</b>" || got.Diner.Phone != "+886912345678" || got.Consent.Contact == nil {
		t.Errorf("stored card: got comment %q phone %q consent %v", got.Comment, got.Diner.Phone, got.Consent.Contact)
	}

	d, err := db.Diner(ctx, "wang", "tel:+886912345678")
	if err != nil {
		t.Fatalf("read diner: %v", err)
	}
	if d.Visits != 2 {
		t.Errorf("diner visits: got %d, want 2 (the replay is not a visit)", d.Visits)
	}
	if d.Email != "Lin@example.com" || d.Birthday != "02-29" || d.ContactConsent == nil || d.FirstVisitDate == "" {
		t.Errorf("diner: got %+v", d)
	}
	if _, err := db.Diner(ctx, "wang", "tel:+886900000000"); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("unknown diner: got %v, want not found", err)
	}
}

func TestCardsByStorePages(t *testing.T) {
	db, _, svc := setup(t)
	ctx := context.Background()
	for i := range 5 {
		if _, err := svc.Submit(ctx, submission(i, ""), card.Meta{Source: card.SourceQR}); err != nil {
			t.Fatal(err)
		}
	}
	today := time.Now().Format(time.DateOnly)
	q := card.StoreQuery{StoreID: "S001", From: "2020-01-01", To: "2099-12-31", Limit: 2}
	seen := map[string]bool{}
	pages := 0
	for {
		page, err := db.CardsByStore(ctx, q)
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		pages++
		for _, c := range page.Cards {
			seen[c.ID] = true
		}
		if page.Next == "" || pages > 10 {
			break
		}
		q.Cursor = page.Next
	}
	if len(seen) != 5 {
		t.Errorf("cards over all pages: got %d, want 5 (today %s)", len(seen), today)
	}
	other, err := db.CardsByStore(ctx, card.StoreQuery{StoreID: "S002", From: "2020-01-01", To: "2099-12-31", Limit: 10})
	if err != nil || len(other.Cards) != 0 {
		t.Errorf("S002: got %d cards, %v; want none", len(other.Cards), err)
	}
	_, err = db.CardsByStore(ctx, card.StoreQuery{StoreID: "S002", From: "2020-01-01", To: "2099-12-31", Limit: 10, Cursor: q.Cursor})
	if fault.CodeOf(err) != fault.Invalid {
		t.Errorf("S001's cursor used for S002: got %v, want invalid", err)
	}
}

// BenchmarkSubmitCard measures accepting a card through the domain and the
// table: AWS calls and items read per card, and time per card.
func BenchmarkSubmitCard(b *testing.B) {
	_, api, svc := setup(b)
	ctx := context.Background()
	if _, err := svc.Submit(ctx, submission(1_000_000, ""), card.Meta{Source: card.SourceQR}); err != nil { // warm the store cache
		b.Fatal(err)
	}
	api.Calls.Store(0)
	api.ItemsRead.Store(0)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := svc.Submit(ctx, submission(i, fmt.Sprintf("+8869%08d", 12345678+i%1000)), card.Meta{Source: card.SourceQR}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(api.Calls.Load())/float64(b.N), "aws-calls/card")
	b.ReportMetric(float64(api.ItemsRead.Load())/float64(b.N), "items-read/card")
}
