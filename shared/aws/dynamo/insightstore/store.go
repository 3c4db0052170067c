// Package insightstore keeps the insight counters in cardloop's table: per
// store, one item per visit day, month-week and month ("Insight" in
// docs/data-model.md). The stream consumer adds each card's counters to its
// day, week and month in one transaction, exactly once per card; dashboards
// read a few items per range instead of the cards.
package insightstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/insight"
)

// Insights is the insight store. It remembers the items it last wrote (see
// Apply), so one value serves one process.
type Insights struct {
	t     *dynamo.Table
	mu    sync.Mutex
	cache map[string]insight.StoredPeriod
}

// New returns the insight store of table t.
func New(t *dynamo.Table) *Insights { return &Insights{t: t} }

// SK is the sort key of a store's period item: INSIGHT#<level>#<key>.
func SK(p insight.Period) string { return "INSIGHT#" + p.Level + "#" + p.Key }

// Attributes of a period item that are not counters.
var meta = []string{"pk", "sk", "kind", "storeId", "level", "period", "applied", "v", packedAttr}

// isCounter reports whether an attribute of a period item is a counter.
func isCounter(name string) bool { return !slices.Contains(meta, name) }

// Add returns the update that adds counters to a store's period item,
// creating it if need be. Counter names go through expression attribute
// names, unsplit, so any character is safe in them.
//
// It increments the item's version too, so Apply, which writes whole items
// conditional on the version it read, never overwrites what Add added.
func Add(table, storeID string, p insight.Period, c insight.Counters) (*types.Update, error) {
	upd := expression.Set(expression.Name("kind"), expression.Value("insight")).
		Set(expression.Name("storeId"), expression.Value(storeID)).
		Set(expression.Name("level"), expression.Value(p.Level)).
		Set(expression.Name("period"), expression.Value(p.Key)).
		Add(expression.Name("v"), expression.Value(1))
	for _, n := range c.Names() {
		if c[n] != 0 {
			upd = upd.Add(expression.NameNoDotSplit(n), expression.Value(c[n]))
		}
	}
	expr, err := expression.NewBuilder().WithUpdate(upd).Build()
	if err != nil {
		return nil, fmt.Errorf("add to insight %s of store %s: %w", p, storeID, err)
	}
	return &types.Update{
		TableName: aws.String(table), Key: dynamo.Key(dynamo.StorePK(storeID), SK(p)),
		UpdateExpression: expr.Update(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}, nil
}

// AddToDay returns the updates that add counters to a store's visit day, its
// month-week and its month (Add of each), to be written in the caller's
// transaction.
func AddToDay(table, storeID string, day time.Time, c insight.Counters) ([]types.TransactWriteItem, error) {
	var out []types.TransactWriteItem
	for _, p := range insight.PeriodsOf(day) {
		u, err := Add(table, storeID, p, c)
		if err != nil {
			return nil, err
		}
		out = append(out, types.TransactWriteItem{Update: u})
	}
	return out, nil
}

// Card is one card's counters, to be added once.
type Card struct {
	ID       string
	Counters insight.Counters
}

// maxAttempts bounds the retries of Apply when another writer got there
// first (another batch of the same store, a case, a rebuild).
const maxAttempts = 8

// Apply adds the counters of cards of one store and visit day to that day,
// its month-week and its month, and returns how many cards it added (the
// others had been added before).
//
// Exactly once: the day item holds the ids of the cards already added (the
// string set "applied") and every item a version ("v") that each writer
// increments. Apply reads the three items (or takes them from its cache of
// the items it last wrote), leaves out the cards already applied, and writes
// the three new items in one transaction conditional on each version being
// the one read. A redelivered or replayed card is therefore never counted
// twice, the week and month move with the day, and a writer that got there
// first makes the transaction fail, after which Apply reads again.
//
// Writing whole items, not DynamoDB's ADD of each counter, keeps the
// update small however many counters a card touches (an expression of
// hundreds of ADDs is slow to evaluate, and the emulator cannot), and the
// cache makes a warm function's write one call per store-day and batch.
func (s *Insights) Apply(ctx context.Context, storeID string, visitDate time.Time, cards []Card) (int, error) {
	periods := insight.PeriodsOf(visitDate)
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 1 {
			time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
		}
		items, cached := s.cached(storeID, periods)
		if !cached {
			var err error
			if items, err = s.read(ctx, storeID, periods); err != nil {
				return 0, err
			}
		}
		done := map[string]bool{}
		for _, id := range items[0].Applied {
			done[id] = true
		}
		var pending []Card
		for _, c := range cards {
			if !done[c.ID] {
				pending = append(pending, c)
				done[c.ID] = true
			}
		}
		if len(pending) == 0 {
			return 0, nil
		}
		next := make([]insight.StoredPeriod, len(items))
		for i, it := range items {
			next[i] = insight.StoredPeriod{Found: true, Counters: insight.Counters{}, Version: it.Version + 1}
			next[i].Counters.Add(it.Counters)
			for _, c := range pending {
				next[i].Counters.Add(c.Counters)
			}
		}
		next[0].Applied = append(slices.Clone(items[0].Applied), ids(pending)...)
		tx := make([]types.TransactWriteItem, len(periods))
		for i, p := range periods {
			put, err := s.put(storeID, p, items[i], next[i])
			if err != nil {
				return 0, err
			}
			tx[i] = types.TransactWriteItem{Put: put}
		}
		_, err := s.t.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
		var cancelled *types.TransactionCanceledException
		switch {
		case err == nil:
			s.remember(storeID, periods, next)
			return len(pending), nil
		case errors.As(err, &cancelled):
			s.forget(storeID, periods)
		default:
			s.forget(storeID, periods)
			return 0, dynamo.Unavailable("add insight of store "+storeID, err)
		}
	}
	return 0, dynamo.Unavailable("add insight of store "+storeID, fmt.Errorf("still contended after %d attempts", maxAttempts))
}

func ids(cards []Card) []string {
	out := make([]string, len(cards))
	for i, c := range cards {
		out[i] = c.ID
	}
	return out
}

// put writes a period item whole, on condition that it is still as read.
func (s *Insights) put(storeID string, p insight.Period, old, next insight.StoredPeriod) (*types.Put, error) {
	item, err := itemOf(storeID, p, next)
	if err != nil {
		return nil, err
	}
	put := &types.Put{TableName: &s.t.Name, Item: item}
	if old.Found {
		put.ConditionExpression = aws.String("v = :v")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.FormatInt(old.Version, 10)}}
	} else {
		put.ConditionExpression = aws.String("attribute_not_exists(pk)")
	}
	return put, nil
}

// itemOf is the item of a store's period.
func itemOf(storeID string, p insight.Period, d insight.StoredPeriod) (map[string]types.AttributeValue, error) {
	item := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: dynamo.StorePK(storeID)}, "sk": &types.AttributeValueMemberS{Value: SK(p)},
		"kind": &types.AttributeValueMemberS{Value: "insight"}, "storeId": &types.AttributeValueMemberS{Value: storeID},
		"level": &types.AttributeValueMemberS{Value: p.Level}, "period": &types.AttributeValueMemberS{Value: p.Key},
		"v": &types.AttributeValueMemberN{Value: strconv.FormatInt(d.Version, 10)},
	}
	nonZero := insight.Counters{}
	for n, v := range d.Counters {
		if v != 0 {
			nonZero[n] = v
		}
	}
	packed, err := pack(nonZero)
	if err != nil {
		return nil, fmt.Errorf("insight item %s of store %s: %w", p, storeID, err)
	}
	item[packedAttr] = &types.AttributeValueMemberB{Value: packed}
	if len(d.Applied) > 0 {
		item["applied"] = &types.AttributeValueMemberSS{Value: d.Applied}
	}
	return item, nil
}

// read reads a store's day, week and month items, strongly consistent.
func (s *Insights) read(ctx context.Context, storeID string, periods [3]insight.Period) ([]insight.StoredPeriod, error) {
	keys := make([]map[string]types.AttributeValue, len(periods))
	for i, p := range periods {
		keys[i] = dynamo.Key(dynamo.StorePK(storeID), SK(p))
	}
	got, err := dynamo.BatchGet(ctx, s.t, keys, true, "read insight of store "+storeID)
	if err != nil {
		return nil, err
	}
	out := make([]insight.StoredPeriod, len(periods))
	for i := range out {
		out[i] = insight.StoredPeriod{Counters: insight.Counters{}}
	}
	for _, it := range got {
		d, p, err := storedOf(it)
		if err != nil {
			return nil, err
		}
		for i := range periods {
			if periods[i] == p {
				out[i] = d
			}
		}
	}
	return out, nil
}

// storedOf reads a period item as stored.
func storedOf(item map[string]types.AttributeValue) (insight.StoredPeriod, insight.Period, error) {
	p, c, err := decode(item)
	if err != nil {
		return insight.StoredPeriod{}, p, err
	}
	d := insight.StoredPeriod{Found: true, Counters: c}
	if ss, ok := item["applied"].(*types.AttributeValueMemberSS); ok {
		d.Applied = ss.Value
	}
	if n, ok := item["v"].(*types.AttributeValueMemberN); ok {
		d.Version, _ = strconv.ParseInt(n.Value, 10, 64)
	}
	return d, p, nil
}

// cacheLimit bounds the items a function instance remembers.
const cacheLimit = 3000

// cached returns the items this process last wrote for a store's periods,
// if it holds all three.
func (s *Insights) cached(storeID string, periods [3]insight.Period) ([]insight.StoredPeriod, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]insight.StoredPeriod, len(periods))
	for i, p := range periods {
		d, ok := s.cache[storeID+"|"+p.String()]
		if !ok {
			return nil, false
		}
		out[i] = d
	}
	return out, true
}

func (s *Insights) remember(storeID string, periods [3]insight.Period, items []insight.StoredPeriod) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache == nil || len(s.cache) > cacheLimit {
		s.cache = map[string]insight.StoredPeriod{}
	}
	for i, p := range periods {
		s.cache[storeID+"|"+p.String()] = items[i]
	}
}

func (s *Insights) forget(storeID string, periods [3]insight.Period) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range periods {
		delete(s.cache, storeID+"|"+p.String())
	}
}
