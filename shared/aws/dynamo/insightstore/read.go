package insightstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/insight"
)

// batchLimit is the most keys one BatchGetItem may ask for.
const batchLimit = 100

// Counters reads the counters of a store's periods: one BatchGetItem per
// hundred periods (and more only for keys DynamoDB leaves unprocessed). A
// period without an item is absent from the result.
func (s *Insights) Counters(ctx context.Context, storeID string, periods []insight.Period) (map[insight.Period]insight.Counters, error) {
	out := make(map[insight.Period]insight.Counters, len(periods))
	seen := map[insight.Period]bool{}
	var keys []map[string]types.AttributeValue
	for _, p := range periods {
		if !seen[p] {
			seen[p] = true
			keys = append(keys, dynamo.Key(dynamo.StorePK(storeID), SK(p)))
		}
	}
	for len(keys) > 0 {
		n := min(len(keys), batchLimit)
		batch := keys[:n]
		keys = keys[n:]
		for attempt := 0; len(batch) > 0; attempt++ {
			res, err := s.t.API.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				s.t.Name: {Keys: batch},
			}})
			if err != nil {
				return nil, dynamo.Unavailable("read insight of store "+storeID, err)
			}
			for _, it := range res.Responses[s.t.Name] {
				p, c, err := decode(it)
				if err != nil {
					return nil, err
				}
				out[p] = c
			}
			batch = res.UnprocessedKeys[s.t.Name].Keys
			if len(batch) > 0 {
				if attempt >= 8 {
					return nil, dynamo.Unavailable("read insight of store "+storeID, fmt.Errorf("%d keys unprocessed", len(batch)))
				}
				time.Sleep(time.Duration(1<<attempt) * 10 * time.Millisecond)
			}
		}
	}
	return out, nil
}

// decode reads a period item's period and counters.
func decode(item map[string]types.AttributeValue) (insight.Period, insight.Counters, error) {
	var p insight.Period
	if v, ok := item["level"].(*types.AttributeValueMemberS); ok {
		p.Level = v.Value
	}
	if v, ok := item["period"].(*types.AttributeValueMemberS); ok {
		p.Key = v.Value
	}
	c := insight.Counters{}
	for name, av := range item {
		if !isCounter(name) {
			continue
		}
		n, ok := av.(*types.AttributeValueMemberN)
		if !ok {
			continue
		}
		v, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			return p, nil, fmt.Errorf("insight item %s counter %s: %w", p, name, err)
		}
		if v != 0 {
			c[name] = v
		}
	}
	return p, c, nil
}

// ReadDay reads a store-day's item, strongly consistent.
func (s *Insights) ReadDay(ctx context.Context, storeID string, day time.Time) (insight.StoredDay, error) {
	p := insight.PeriodsOf(day)[0]
	out, err := s.t.API.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.t.Name, Key: dynamo.Key(dynamo.StorePK(storeID), SK(p)), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return insight.StoredDay{}, dynamo.Unavailable("read insight day of store "+storeID, err)
	}
	if out.Item == nil {
		return insight.StoredDay{Counters: insight.Counters{}}, nil
	}
	_, c, err := decode(out.Item)
	if err != nil {
		return insight.StoredDay{}, err
	}
	d := insight.StoredDay{Found: true, Counters: c}
	if ss, ok := out.Item["applied"].(*types.AttributeValueMemberSS); ok {
		d.Applied = ss.Value
	}
	if n, ok := out.Item["v"].(*types.AttributeValueMemberN); ok {
		d.Version, _ = strconv.ParseInt(n.Value, 10, 64)
	}
	return d, nil
}

// ReplaceDay rebuilds a store-day from its cards: the card counters become
// cards (the callback counters, kept by cases, stay as they are), its
// applied set becomes ids, and the month-week and month move by the
// difference, all in one transaction that holds only if the day is still as
// old (same version) — a card added meanwhile makes it fail with a conflict,
// and the caller reads again. A card stored but not yet added by the stream
// is in ids, so the stream's later Apply skips it.
func (s *Insights) ReplaceDay(ctx context.Context, storeID string, day time.Time, old insight.StoredDay, cards insight.Counters, ids []string) error {
	periods := insight.PeriodsOf(day)
	oldCards := insight.Counters{}
	fresh := insight.Counters{}
	for n, v := range old.Counters {
		if len(n) > len(insight.CasePrefix) && n[:len(insight.CasePrefix)] == insight.CasePrefix {
			fresh[n] = v
			continue
		}
		oldCards[n] = v
	}
	fresh.Add(cards)
	delta := cards.Sub(oldCards)

	item := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: dynamo.StorePK(storeID)}, "sk": &types.AttributeValueMemberS{Value: SK(periods[0])},
		"kind": &types.AttributeValueMemberS{Value: "insight"}, "storeId": &types.AttributeValueMemberS{Value: storeID},
		"level": &types.AttributeValueMemberS{Value: periods[0].Level}, "period": &types.AttributeValueMemberS{Value: periods[0].Key},
		"v": &types.AttributeValueMemberN{Value: strconv.FormatInt(old.Version+1, 10)},
	}
	for n, v := range fresh {
		if v != 0 {
			item[n] = &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
		}
	}
	if len(ids) > 0 {
		item["applied"] = &types.AttributeValueMemberSS{Value: ids}
	}
	put := &types.Put{TableName: &s.t.Name, Item: item}
	if old.Found {
		put.ConditionExpression = aws.String("v = :v")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.FormatInt(old.Version, 10)}}
	} else {
		put.ConditionExpression = aws.String("attribute_not_exists(pk)")
	}
	tx := []types.TransactWriteItem{{Put: put}}
	if len(delta) > 0 {
		for _, p := range periods[1:] {
			tx = append(tx, types.TransactWriteItem{Update: Add(s.t.Name, storeID, p, delta)})
		}
	}
	_, err := s.t.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cancelled) {
		return &fault.Error{Code: fault.Conflict, Message: "The day changed while it was rebuilt.", Err: fmt.Errorf("rebuild insight day %s of store %s: %w", periods[0].Key, storeID, err)}
	}
	if err != nil {
		return dynamo.Unavailable("rebuild insight day of store "+storeID, err)
	}
	return nil
}
