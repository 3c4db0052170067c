package insightstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/insight"
)

// A brand's roll-up of a period (insight.BrandPeriod) is one item, pk
// BRAND#<brandId>, sk INSIGHT#<D|W|M>#<key> (the store items' sort key),
// kind "insight_brand", written only by the roll-up (RollupFunction and
// `cardloop stats rollup`), whole, on the condition that it is as read.
// Its counters are packed as a store item's are: "c" holds the brand's
// summed counters; "s" each store's KPI subset and the version of the
// store item summed, as one packed set of counters keyed
// "<storeId>|<name>" and "<storeId>|v" (a store id holds no "|"). Packed,
// a hundred stores' subsets of a month take a few tens of kilobytes,
// far under DynamoDB's 400 KB (TestBrandItemSize).
const (
	brandKind   = "insight_brand"
	storesAttr  = "s"
	storeSep    = "|"
	versionName = "v"
)

// StoreVersions returns the version of each store's item of each period,
// projecting only the keys and "v" (no counters are sent), a hundred items
// to a BatchGetItem. A missing item is absent.
func (s *Insights) StoreVersions(ctx context.Context, storeIDs []string, periods []insight.Period) (map[insight.Period]map[string]int64, error) {
	keys := storeKeys(storeIDs, periods)
	out := map[insight.Period]map[string]int64{}
	names := map[string]string{"#pk": "pk", "#sk": "sk", "#v": "v"}
	for len(keys) > 0 {
		n := min(len(keys), 100)
		pending := keys[:n]
		keys = keys[n:]
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt >= 9 {
				return nil, dynamo.Unavailable("read insight versions", fmt.Errorf("%d keys unprocessed", len(pending)))
			}
			res, err := s.t.API.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				s.t.Name: {Keys: pending, ProjectionExpression: aws.String("#pk, #sk, #v"), ExpressionAttributeNames: names},
			}})
			if err != nil {
				return nil, dynamo.Unavailable("read insight versions", err)
			}
			for _, it := range res.Responses[s.t.Name] {
				id, p, v := versionOf(it)
				if out[p] == nil {
					out[p] = map[string]int64{}
				}
				out[p][id] = v
			}
			pending = res.UnprocessedKeys[s.t.Name].Keys
		}
	}
	return out, nil
}

// versionOf reads a projected store item: its store, period and version.
func versionOf(item map[string]types.AttributeValue) (string, insight.Period, int64) {
	str := func(name string) string {
		v, _ := item[name].(*types.AttributeValueMemberS)
		if v == nil {
			return ""
		}
		return v.Value
	}
	id := strings.TrimPrefix(str("pk"), "STORE#")
	level, key, _ := strings.Cut(strings.TrimPrefix(str("sk"), "INSIGHT#"), "#")
	var v int64
	if n, ok := item["v"].(*types.AttributeValueMemberN); ok {
		v, _ = strconv.ParseInt(n.Value, 10, 64)
	}
	return id, insight.Period{Level: level, Key: key}, v
}

func storeKeys(storeIDs []string, periods []insight.Period) []map[string]types.AttributeValue {
	keys := make([]map[string]types.AttributeValue, 0, len(storeIDs)*len(periods))
	for _, p := range periods {
		for _, id := range storeIDs {
			keys = append(keys, dynamo.Key(dynamo.StorePK(id), SK(p)))
		}
	}
	return keys
}

// StorePeriods reads the stores' items of the periods, counters and
// version, a hundred to a BatchGetItem. A missing item is absent.
func (s *Insights) StorePeriods(ctx context.Context, storeIDs []string, periods []insight.Period) ([]insight.StorePeriod, error) {
	items, err := dynamo.BatchGet(ctx, s.t, storeKeys(storeIDs, periods), false, "read insight of stores")
	if err != nil {
		return nil, err
	}
	out := make([]insight.StorePeriod, 0, len(items))
	for _, it := range items {
		d, p, err := storedOf(it)
		if err != nil {
			return nil, err
		}
		id, _, _ := versionOf(it)
		out = append(out, insight.StorePeriod{StoreID: id, Period: p, Counters: d.Counters, Version: d.Version})
	}
	return out, nil
}

// BrandPeriods reads a brand's roll-ups of the periods, a hundred to a
// BatchGetItem. A period without one is absent.
func (s *Insights) BrandPeriods(ctx context.Context, brandID string, periods []insight.Period) (map[insight.Period]insight.BrandPeriod, error) {
	seen := map[insight.Period]bool{}
	var keys []map[string]types.AttributeValue
	for _, p := range periods {
		if !seen[p] {
			seen[p] = true
			keys = append(keys, dynamo.Key(dynamo.BrandPK(brandID), SK(p)))
		}
	}
	items, err := dynamo.BatchGet(ctx, s.t, keys, false, "read roll-ups of brand "+brandID)
	if err != nil {
		return nil, err
	}
	out := make(map[insight.Period]insight.BrandPeriod, len(items))
	for _, it := range items {
		b, err := brandOf(it)
		if err != nil {
			return nil, fmt.Errorf("roll-up of brand %s: %w", brandID, err)
		}
		out[b.Period] = b
	}
	return out, nil
}

// brandOf reads a roll-up item.
func brandOf(item map[string]types.AttributeValue) (insight.BrandPeriod, error) {
	b := insight.BrandPeriod{Found: true, Total: insight.Counters{}, Stores: map[string]insight.Counters{}, Versions: map[string]int64{}}
	if v, ok := item["level"].(*types.AttributeValueMemberS); ok {
		b.Period.Level = v.Value
	}
	if v, ok := item["period"].(*types.AttributeValueMemberS); ok {
		b.Period.Key = v.Value
	}
	if n, ok := item["v"].(*types.AttributeValueMemberN); ok {
		b.Version, _ = strconv.ParseInt(n.Value, 10, 64)
	}
	if c, ok := item[packedAttr].(*types.AttributeValueMemberB); ok {
		total, err := unpack(c.Value)
		if err != nil {
			return b, fmt.Errorf("%s: %w", b.Period, err)
		}
		b.Total = total
	}
	if c, ok := item[storesAttr].(*types.AttributeValueMemberB); ok {
		flat, err := unpack(c.Value)
		if err != nil {
			return b, fmt.Errorf("%s: %w", b.Period, err)
		}
		for k, v := range flat {
			id, name, ok := strings.Cut(k, storeSep)
			switch {
			case !ok:
			case name == versionName:
				b.Versions[id] = v
			default:
				if b.Stores[id] == nil {
					b.Stores[id] = insight.Counters{}
				}
				b.Stores[id][name] = v
			}
		}
	}
	return b, nil
}

// brandItem is the item of a brand's roll-up.
func brandItem(brandID string, b insight.BrandPeriod) (map[string]types.AttributeValue, error) {
	total, err := pack(b.Total)
	if err != nil {
		return nil, fmt.Errorf("roll-up %s of brand %s: %w", b.Period, brandID, err)
	}
	flat := insight.Counters{}
	for id, c := range b.Stores {
		for k, v := range c {
			if v != 0 {
				flat[id+storeSep+k] = v
			}
		}
	}
	for id, v := range b.Versions {
		// A version is never 0 once written; keep it even so, as the
		// store's presence is what a version says.
		flat[id+storeSep+versionName] = v
	}
	stores, err := pack(flat)
	if err != nil {
		return nil, fmt.Errorf("roll-up %s of brand %s: %w", b.Period, brandID, err)
	}
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: dynamo.BrandPK(brandID)}, "sk": &types.AttributeValueMemberS{Value: SK(b.Period)},
		"kind": &types.AttributeValueMemberS{Value: brandKind}, "brandId": &types.AttributeValueMemberS{Value: brandID},
		"level": &types.AttributeValueMemberS{Value: b.Period.Level}, "period": &types.AttributeValueMemberS{Value: b.Period.Key},
		"v":        &types.AttributeValueMemberN{Value: strconv.FormatInt(b.Version, 10)},
		packedAttr: &types.AttributeValueMemberB{Value: total},
		storesAttr: &types.AttributeValueMemberB{Value: stores},
	}, nil
}

// PutBrandPeriod writes a brand's roll-up whole, its version one more
// than old's, on the condition that the stored one is still old (absent
// when old.Found is false). Otherwise it returns a fault.Conflict error:
// another run wrote the roll-up meanwhile.
func (s *Insights) PutBrandPeriod(ctx context.Context, brandID string, old, next insight.BrandPeriod) error {
	next.Version = old.Version + 1
	item, err := brandItem(brandID, next)
	if err != nil {
		return err
	}
	in := &dynamodb.PutItemInput{TableName: &s.t.Name, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if old.Found {
		in.ConditionExpression = aws.String("v = :v")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.FormatInt(old.Version, 10)}}
	}
	_, err = s.t.API.PutItem(ctx, in)
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return &fault.Error{Code: fault.Conflict, Message: "The roll-up changed while it was written.", Err: fmt.Errorf("put roll-up %s of brand %s: %w", next.Period, brandID, err)}
	}
	if err != nil {
		return dynamo.Unavailable("put roll-up of brand "+brandID, err)
	}
	return nil
}
