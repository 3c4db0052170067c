package cardstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cardloop/cardloop/shared/aws/dynamo"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/diner"
)

type cardItem struct {
	dynamo.Keys
	triageMark
	card.Card
}

func cardPK(id string) string { return "CARD#" + id }

// storeCardsPK partitions a store's cards in dynamo.GSI1, sorted by visit date.
func storeCardsPK(storeID string) string { return "STORE#" + storeID + "#CARDS" }

// newCardItem is the item of card c, marked at markedAt as awaiting triage
// (triage.go): every write that stores a card marks it in the same write.
func newCardItem(c card.Card, markedAt time.Time) cardItem {
	it := cardItem{dynamo.Keys{
		PK: cardPK(c.ID), SK: "CARD", Kind: "card",
		GSI1PK: storeCardsPK(c.StoreID),
		GSI1SK: c.VisitDate + "#" + c.SubmittedAt.UTC().Format(time.RFC3339Nano) + "#" + c.ID,
	}, newTriageMark(c.ID, markedAt), c}
	if c.Diner.Key != "" {
		it.GSI2PK = dynamo.DinerPK(c.BrandID, c.Diner.Key)
		it.GSI2SK = "CARD#" + c.VisitDate + "#" + c.ID
	}
	return it
}

// SaveCard stores a card and, in the same transaction, creates or updates
// its diner's profile (visits, first and last visit, contact details, consent
// given). A card whose id is already stored makes the whole transaction fail
// its condition, so a replay writes nothing; the stored card comes back from
// the failed condition itself, with no extra read. One AWS call either way.
// The card is stored marked as awaiting triage, from its submission time.
func (cs *Cards) SaveCard(ctx context.Context, c card.Card) (card.Card, bool, error) {
	item, err := attributevalue.MarshalMap(newCardItem(c, c.SubmittedAt))
	if err != nil {
		return card.Card{}, false, fmt.Errorf("marshal card %s: %w", c.ID, err)
	}
	put := types.TransactWriteItem{Put: &types.Put{
		TableName:                           &cs.t.Name,
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
	tx := []types.TransactWriteItem{put}
	if c.Diner.Key != "" {
		upd, err := dinerUpdate(cs.t.Name, c)
		if err != nil {
			return card.Card{}, false, err
		}
		tx = append(tx, upd)
		if m, ok := optInMarker(cs.t.Name, c); ok { // retention.go
			tx = append(tx, m)
		}
	}
	// No ClientRequestToken: the condition already makes the SDK's retries
	// and replays write nothing, and a token would make DynamoDB answer a
	// replay within 10 minutes (its SubmittedAt differs) with
	// IdempotentParameterMismatchException, and one racing the first with
	// TransactionInProgressException, instead of the stored card.
	_, err = cs.t.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cancelled) && len(cancelled.CancellationReasons) > 0 &&
		aws.ToString(cancelled.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
		var old cardItem
		if len(cancelled.CancellationReasons[0].Item) == 0 {
			stored, err := cs.Card(ctx, c.ID)
			return stored, false, err
		}
		if err := attributevalue.UnmarshalMap(cancelled.CancellationReasons[0].Item, &old); err != nil {
			return card.Card{}, false, fmt.Errorf("unmarshal stored card %s: %w", c.ID, err)
		}
		return old.Card, false, nil
	}
	if err != nil {
		return card.Card{}, false, dynamo.Unavailable("save card "+c.ID, err)
	}
	return c, true, nil
}

// dinerUpdate counts the visit on the diner's profile. Contact details are
// refreshed from the newest card; a consent, once given, is kept (a later
// card with the box unticked does not withdraw it — withdrawal is explicit).
func dinerUpdate(table string, c card.Card) (types.TransactWriteItem, error) {
	d := c.Diner
	now := c.SubmittedAt.UTC().Format(time.RFC3339Nano)
	upd := expression.Set(expression.Name("kind"), expression.Value("diner")).
		Set(expression.Name("brandId"), expression.Value(c.BrandID)).
		Set(expression.Name("key"), expression.Value(d.Key)).
		Set(expression.Name("updatedAt"), expression.Value(now)).
		Set(expression.Name("firstVisitDate"), expression.Name("firstVisitDate").IfNotExists(expression.Value(c.VisitDate))).
		Set(expression.Name("lastVisitDate"), expression.Value(c.VisitDate)).
		Set(expression.Name("lastCardId"), expression.Value(c.ID)).
		Set(expression.Name("lastStoreId"), expression.Value(c.StoreID)).
		Add(expression.Name("visits"), expression.Value(1))
	upd = retainKeys(upd, c) // retention.go
	for name, v := range map[string]string{"name": d.Name, "phone": d.Phone, "email": d.Email, "birthday": d.Birthday, "language": d.Language} {
		if v != "" {
			upd = upd.Set(expression.Name(name), expression.Value(v))
		}
	}
	if d.Email != "" {
		upd = upd.Set(expression.Name("gsi1pk"), expression.Value("EMAIL#"+c.BrandID+"#"+d.Email)).
			Set(expression.Name("gsi1sk"), expression.Value("DINER"))
	}
	for name, cons := range map[string]*diner.Consent{"contactConsent": c.Consent.Contact, "marketingConsentGiven": c.Consent.Marketing} {
		if cons == nil {
			continue
		}
		av, err := attributevalue.MarshalMap(cons)
		if err != nil {
			return types.TransactWriteItem{}, fmt.Errorf("marshal consent: %w", err)
		}
		upd = upd.Set(expression.Name(name), expression.Value(&types.AttributeValueMemberM{Value: av}))
	}
	expr, err := expression.NewBuilder().WithUpdate(upd).Build()
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("build diner update for card %s: %w", c.ID, err)
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 &table,
		Key:                       dynamo.Key(dynamo.DinerPK(c.BrandID, d.Key), "PROFILE"),
		UpdateExpression:          expr.Update(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}}, nil
}

// CardsByStore returns a store's cards by visit date, newest first, through
// dynamo.GSI1: one query per page, reading only the cards returned.
func (cs *Cards) CardsByStore(ctx context.Context, q card.StoreQuery) (card.Page, error) {
	pk := storeCardsPK(q.StoreID)
	cond := expression.Key("gsi1pk").Equal(expression.Value(pk)).
		And(expression.Key("gsi1sk").Between(expression.Value(q.From), expression.Value(q.To+"~")))
	expr, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return card.Page{}, fmt.Errorf("build cards query: %w", err)
	}
	in := &dynamodb.QueryInput{
		TableName: &cs.t.Name, IndexName: aws.String(dynamo.GSI1),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(max(1, min(q.Limit, 200)))),
	}
	if q.Cursor != "" {
		start, err := dynamo.DecodeCursor(q.Cursor, pk)
		if err != nil {
			return card.Page{}, err
		}
		in.ExclusiveStartKey = start
	}
	out, err := cs.t.API.Query(ctx, in)
	if err != nil {
		return card.Page{}, dynamo.Unavailable("query cards of store "+q.StoreID, err)
	}
	var items []cardItem
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return card.Page{}, fmt.Errorf("unmarshal cards of store %s: %w", q.StoreID, err)
	}
	page := card.Page{Cards: make([]card.Card, 0, len(items))}
	for _, it := range items {
		page.Cards = append(page.Cards, it.Card)
	}
	if len(out.LastEvaluatedKey) > 0 {
		page.Next, err = dynamo.EncodeCursor(out.LastEvaluatedKey)
		if err != nil {
			return card.Page{}, err
		}
	}
	return page, nil
}

// Card returns a card, or a fault.NotFound error.
func (cs *Cards) Card(ctx context.Context, id string) (card.Card, error) {
	return dynamo.Get[card.Card](ctx, cs.t, cardPK(id), "CARD", "card "+id)
}

// Diner returns a diner's profile, or a fault.NotFound error.
func (cs *Cards) Diner(ctx context.Context, brandID, dinerKey string) (diner.Profile, error) {
	return dynamo.Get[diner.Profile](ctx, cs.t, dynamo.DinerPK(brandID, dinerKey), "PROFILE", "diner")
}
