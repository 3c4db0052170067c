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
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/insight"
)

// Insights is the insight store.
type Insights struct{ t *dynamo.Table }

// New returns the insight store of table t.
func New(t *dynamo.Table) *Insights { return &Insights{t: t} }

// SK is the sort key of a store's period item: INSIGHT#<level>#<key>.
func SK(p insight.Period) string { return "INSIGHT#" + p.Level + "#" + p.Key }

// Attributes of a period item that are not counters.
var meta = []string{"pk", "sk", "kind", "storeId", "level", "period", "applied", "v"}

// isCounter reports whether an attribute of a period item is a counter.
func isCounter(name string) bool { return !slices.Contains(meta, name) }

// Add returns the update that adds counters to a store's period item,
// creating it if need be. Counter names go through expression attribute
// names, so any character is safe in them.
func Add(table, storeID string, p insight.Period, c insight.Counters) *types.Update {
	u := newUpdate(storeID, p)
	u.add(c)
	return u.build(table, storeID, p)
}

type update struct {
	set, adds []string
	names     map[string]string
	values    map[string]types.AttributeValue
	cond      []string
}

func newUpdate(storeID string, p insight.Period) *update {
	u := &update{names: map[string]string{}, values: map[string]types.AttributeValue{}}
	u.names["#kind"], u.names["#store"], u.names["#level"], u.names["#period"] = "kind", "storeId", "level", "period"
	u.values[":kind"] = &types.AttributeValueMemberS{Value: "insight"}
	u.values[":store"] = &types.AttributeValueMemberS{Value: storeID}
	u.values[":level"] = &types.AttributeValueMemberS{Value: p.Level}
	u.values[":period"] = &types.AttributeValueMemberS{Value: p.Key}
	u.set = []string{"#kind = :kind", "#store = :store", "#level = :level", "#period = :period"}
	return u
}

func (u *update) add(c insight.Counters) {
	names := make([]string, 0, len(c))
	for n, v := range c {
		if v != 0 {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		i := strconv.Itoa(len(u.adds))
		u.names["#c"+i] = n
		u.values[":c"+i] = &types.AttributeValueMemberN{Value: strconv.FormatInt(c[n], 10)}
		u.adds = append(u.adds, "#c"+i+" :c"+i)
	}
}

func (u *update) build(table, storeID string, p insight.Period) *types.Update {
	expr := "SET " + strings.Join(u.set, ", ")
	if len(u.adds) > 0 {
		expr += " ADD " + strings.Join(u.adds, ", ")
	}
	out := &types.Update{
		TableName: aws.String(table), Key: dynamo.Key(dynamo.StorePK(storeID), SK(p)),
		UpdateExpression: aws.String(expr), ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
	}
	if len(u.cond) > 0 {
		out.ConditionExpression = aws.String(strings.Join(u.cond, " AND "))
	}
	return out
}

// Card is one card's counters, to be added once.
type Card struct {
	ID       string
	Counters insight.Counters
}

// maxAttempts bounds the retries of Apply when another writer got there
// first (a replayed card, or a concurrent transaction on the same items).
const maxAttempts = 6

// Apply adds the counters of cards of one store and visit day to that day,
// its month-week and its month, in one transaction, and returns how many
// cards it added (the others had been added before).
//
// Exactly once: the day item holds the ids of the cards already added (the
// string set "applied"); the transaction adds the new ids and is conditional
// on none of them being there, so a redelivered or replayed card is never
// counted twice, and the week and month, written in the same transaction,
// move with the day. When the condition fails, the day's set is read and
// Apply retries with the cards not yet in it.
func (s *Insights) Apply(ctx context.Context, storeID string, visitDate time.Time, cards []Card) (int, error) {
	pending := slices.Clone(cards)
	for attempt := 0; attempt < maxAttempts && len(pending) > 0; attempt++ {
		err := s.applyOnce(ctx, storeID, visitDate, pending)
		if err == nil {
			return len(pending), nil
		}
		var cancelled *types.TransactionCanceledException
		if !errors.As(err, &cancelled) {
			return 0, dynamo.Unavailable("add insight of store "+storeID, err)
		}
		done, err := s.applied(ctx, storeID, insight.PeriodsOf(visitDate)[0])
		if err != nil {
			return 0, err
		}
		pending = slices.DeleteFunc(pending, func(c Card) bool { return done[c.ID] })
		if attempt > 0 {
			time.Sleep(time.Duration(attempt*attempt) * 20 * time.Millisecond)
		}
	}
	if len(pending) > 0 {
		return 0, dynamo.Unavailable("add insight of store "+storeID, fmt.Errorf("%d cards still contended after %d attempts", len(pending), maxAttempts))
	}
	return 0, nil
}

func (s *Insights) applyOnce(ctx context.Context, storeID string, visitDate time.Time, cards []Card) error {
	sum := insight.Counters{}
	ids := make([]string, 0, len(cards))
	for _, c := range cards {
		sum.Add(c.Counters)
		ids = append(ids, c.ID)
	}
	periods := insight.PeriodsOf(visitDate)
	day := newUpdate(storeID, periods[0])
	day.add(sum)
	day.names["#applied"], day.names["#v"] = "applied", "v"
	day.values[":ids"] = &types.AttributeValueMemberSS{Value: ids}
	day.values[":one"] = &types.AttributeValueMemberN{Value: "1"}
	day.adds = append(day.adds, "#applied :ids", "#v :one")
	for i, id := range ids {
		k := ":id" + strconv.Itoa(i)
		day.values[k] = &types.AttributeValueMemberS{Value: id}
		day.cond = append(day.cond, "NOT contains(#applied, "+k+")")
	}
	tx := []types.TransactWriteItem{{Update: day.build(s.t.Name, storeID, periods[0])}}
	for _, p := range periods[1:] {
		tx = append(tx, types.TransactWriteItem{Update: Add(s.t.Name, storeID, p, sum)})
	}
	_, err := s.t.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
	return err
}

// applied reads the ids of the cards a day item holds.
func (s *Insights) applied(ctx context.Context, storeID string, day insight.Period) (map[string]bool, error) {
	out, err := s.t.API.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.t.Name, Key: dynamo.Key(dynamo.StorePK(storeID), SK(day)),
		ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("applied"),
	})
	if err != nil {
		return nil, dynamo.Unavailable("read insight of store "+storeID, err)
	}
	done := map[string]bool{}
	if ss, ok := out.Item["applied"].(*types.AttributeValueMemberSS); ok {
		for _, id := range ss.Value {
			done[id] = true
		}
	}
	return done, nil
}
