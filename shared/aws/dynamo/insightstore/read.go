package insightstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/insight"
)

// Counters reads the counters of a store's periods: one BatchGetItem per
// hundred periods (and more only for keys DynamoDB leaves unprocessed). A
// period without an item is absent from the result.
func (s *Insights) Counters(ctx context.Context, storeID string, periods []insight.Period) (map[insight.Period]insight.Counters, error) {
	seen := map[insight.Period]bool{}
	var keys []map[string]types.AttributeValue
	for _, p := range periods {
		if !seen[p] {
			seen[p] = true
			keys = append(keys, dynamo.Key(dynamo.StorePK(storeID), SK(p)))
		}
	}
	items, err := dynamo.BatchGet(ctx, s.t, keys, false, "read insight of store "+storeID)
	if err != nil {
		return nil, err
	}
	out := make(map[insight.Period]insight.Counters, len(items))
	for _, it := range items {
		p, c, err := decode(it)
		if err != nil {
			return nil, err
		}
		out[p] = c
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
	if b, ok := item[packedAttr].(*types.AttributeValueMemberB); ok {
		packed, err := unpack(b.Value)
		if err != nil {
			return p, nil, fmt.Errorf("insight item %s: %w", p, err)
		}
		c.Add(packed)
	}
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
		c[name] += v
	}
	for name, v := range c {
		if v == 0 {
			delete(c, name)
		}
	}
	return p, c, nil
}

// ReadDay reads a store-day's item, strongly consistent.
func (s *Insights) ReadDay(ctx context.Context, storeID string, day time.Time) (insight.StoredPeriod, error) {
	items, err := s.read(ctx, storeID, insight.PeriodsOf(day))
	if err != nil {
		return insight.StoredPeriod{}, err
	}
	return items[0], nil
}

// ReplaceDay rebuilds a store-day from its cards: the card counters become
// cards (the callback counters, kept by cases, stay as they are), its
// applied set becomes ids, and the month-week and month move by the
// difference, all in one transaction that holds only if the day is still as
// old and the week and month as read — a card added meanwhile makes it fail
// with a conflict, and the caller reads again. A card stored but not yet
// added by the stream is in ids, so the stream's later Apply skips it.
func (s *Insights) ReplaceDay(ctx context.Context, storeID string, day time.Time, old insight.StoredPeriod, cards insight.Counters, ids []string) error {
	periods := insight.PeriodsOf(day)
	items, err := s.read(ctx, storeID, periods)
	if err != nil {
		return err
	}
	items[0] = old
	delta := cards.Sub(old.CardCounters())
	next := make([]insight.StoredPeriod, len(items))
	for i, it := range items {
		next[i] = insight.StoredPeriod{Found: true, Counters: insight.Counters{}, Version: it.Version + 1}
		next[i].Counters.Add(it.Counters)
		next[i].Counters.Add(delta)
	}
	next[0].Applied = ids
	tx := make([]types.TransactWriteItem, len(periods))
	for i, p := range periods {
		put, err := s.put(storeID, p, items[i], next[i])
		if err != nil {
			return err
		}
		tx[i] = types.TransactWriteItem{Put: put}
	}
	s.forget(storeID, periods)
	_, err = s.t.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cancelled) {
		return &fault.Error{Code: fault.Conflict, Message: "The day changed while it was rebuilt.", Err: fmt.Errorf("rebuild insight day %s of store %s: %w", periods[0].Key, storeID, err)}
	}
	if err != nil {
		return dynamo.Unavailable("rebuild insight day of store "+storeID, err)
	}
	return nil
}

// SeedCards writes the counters of cards not yet in any store's counters —
// an import of history into an empty table — as whole items, 25 to a call.
// It overwrites whatever the periods held, so it is only for periods with
// nothing in them yet; the stream, delivering the same cards later, finds
// them applied and skips them.
func (s *Insights) SeedCards(ctx context.Context, cards []card.Card) error {
	type key struct {
		store string
		p     insight.Period
	}
	items := map[key]*insight.StoredPeriod{}
	var order []key
	for _, c := range cards {
		day, err := time.Parse(time.DateOnly, c.VisitDate)
		if err != nil {
			return fmt.Errorf("seed insight of card %s: %w", c.ID, err)
		}
		add := insight.Count(c)
		for i, p := range insight.PeriodsOf(day) {
			k := key{c.StoreID, p}
			d := items[k]
			if d == nil {
				d = &insight.StoredPeriod{Found: true, Counters: insight.Counters{}, Version: 1}
				items[k] = d
				order = append(order, k)
			}
			d.Counters.Add(add)
			if i == 0 {
				d.Applied = append(d.Applied, c.ID)
			}
		}
	}
	out := make([]map[string]types.AttributeValue, 0, len(order))
	for _, k := range order {
		it, err := itemOf(k.store, k.p, *items[k])
		if err != nil {
			return err
		}
		out = append(out, it)
	}
	return dynamo.BatchPut(ctx, s.t, out, "seed insight")
}
