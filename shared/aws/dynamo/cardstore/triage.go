package cardstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/card"
)

// The triage mark (docs/data-model.md, "Cards awaiting triage"): every write
// that stores a card gives it the keys of dynamo.GSI4, and triage removes
// them once it has decided, so the index holds exactly the cards still
// awaiting triage, whatever became of their stream records.
//
// Every stored card passes through the index, so its partition key is
// spread over triageShards keys: one key would take every card write of
// every store (a bulk import, a scanner's batch) and, past a partition's
// write rate, throttle the index and with it the table's writes. The
// reconciler queries each shard.
const triageShards = 8

// triageMark is a card's entry in the pending-triage index:
// TRIAGE#<shard> / <marked at, dynamo.Stamp>#<cardId>.
type triageMark struct {
	GSI4PK string `dynamodbav:"gsi4pk,omitempty"`
	GSI4SK string `dynamodbav:"gsi4sk,omitempty"`
}

func triageShard(n uint32) string { return fmt.Sprintf("TRIAGE#%d", n) }

func newTriageMark(cardID string, at time.Time) triageMark {
	return triageMark{GSI4PK: triageShard(dynamo.Shard(cardID, triageShards)), GSI4SK: dynamo.Stamp(at) + "#" + cardID}
}

// Awaiting is a stored card still marked as awaiting triage, with its mark
// (the sort key of its index entry), which Triaged takes to clear it.
type Awaiting struct {
	Card card.Card
	Mark string
}

// AwaitingFromStream returns the card a stream record inserted, with the
// mark it was stored with ("" for a card stored before cards were marked),
// and false for any other record, as CardFromStream.
func AwaitingFromStream(r events.DynamoDBEventRecord) (Awaiting, bool, error) {
	c, ok, err := CardFromStream(r)
	if err != nil || !ok {
		return Awaiting{}, ok, err
	}
	a := Awaiting{Card: c}
	if m, found := r.Change.NewImage["gsi4sk"]; found && m.DataType() == events.DataTypeString {
		a.Mark = m.String()
	}
	return a, true, nil
}

// Untriaged returns the cards marked as awaiting triage before markedBefore,
// oldest first within each shard, at most limit per shard (a later call
// takes the rest). The index is read for their keys, the cards themselves
// in consistent batches, and a card whose mark is gone by then (the index
// lags the table) is left out: it was triaged meanwhile.
func (cs *Cards) Untriaged(ctx context.Context, markedBefore time.Time, limit int) ([]Awaiting, error) {
	var keys []map[string]types.AttributeValue
	var order []string // the cards' pk in the index's order; BatchGet's is arbitrary
	for shard := range uint32(triageShards) {
		cond := expression.Key("gsi4pk").Equal(expression.Value(triageShard(shard))).
			And(expression.Key("gsi4sk").LessThan(expression.Value(dynamo.Stamp(markedBefore))))
		expr, err := expression.NewBuilder().WithKeyCondition(cond).Build()
		if err != nil {
			return nil, fmt.Errorf("build untriaged cards query: %w", err)
		}
		out, err := cs.t.API.Query(ctx, &dynamodb.QueryInput{
			TableName: &cs.t.Name, IndexName: aws.String(dynamo.GSI4),
			KeyConditionExpression:    expr.KeyCondition(),
			ExpressionAttributeNames:  expr.Names(),
			ExpressionAttributeValues: expr.Values(),
			Limit:                     aws.Int32(int32(max(1, limit))),
		})
		if err != nil {
			return nil, dynamo.Unavailable("query untriaged cards", err)
		}
		var entries []dynamo.Keys
		if err := attributevalue.UnmarshalListOfMaps(out.Items, &entries); err != nil {
			return nil, fmt.Errorf("unmarshal untriaged card keys: %w", err)
		}
		for _, e := range entries {
			keys = append(keys, dynamo.Key(e.PK, e.SK))
			order = append(order, e.PK)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	items, err := dynamo.BatchGet(ctx, cs.t, keys, true, "read untriaged cards")
	if err != nil {
		return nil, err
	}
	var cards []cardItem
	if err := attributevalue.UnmarshalListOfMaps(items, &cards); err != nil {
		return nil, fmt.Errorf("unmarshal untriaged cards: %w", err)
	}
	byPK := make(map[string]cardItem, len(cards))
	for _, it := range cards {
		byPK[it.PK] = it
	}
	out := make([]Awaiting, 0, len(cards))
	for _, pk := range order {
		it, ok := byPK[pk]
		if ok && it.GSI4SK != "" && it.GSI4SK < dynamo.Stamp(markedBefore) {
			out = append(out, Awaiting{Card: it.Card, Mark: it.GSI4SK})
		}
	}
	return out, nil
}

// Triaged removes a card's triage mark once triage has decided on it, if
// the mark is still mark: a replayed or late call finds it gone (or, were
// the card marked again since, different) and changes nothing, so clearing
// is safe under retries and never hides a later marking. An empty mark (a
// card stored before cards were marked) needs no write.
func (cs *Cards) Triaged(ctx context.Context, cardID, mark string) error {
	if mark == "" {
		return nil
	}
	upd := expression.Remove(expression.Name("gsi4pk")).Remove(expression.Name("gsi4sk"))
	cond := expression.Name("gsi4sk").Equal(expression.Value(mark))
	expr, err := expression.NewBuilder().WithUpdate(upd).WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("build triage mark removal of card %s: %w", cardID, err)
	}
	_, err = cs.t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &cs.t.Name, Key: dynamo.Key(cardPK(cardID), "CARD"),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return nil
	}
	if err != nil {
		return dynamo.Unavailable("clear triage mark of card "+cardID, err)
	}
	return nil
}
