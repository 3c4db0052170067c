package brandstore

import (
	"context"
	"fmt"
	"time"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/triage"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/fault"
)

type cachedStore struct {
	store brand.Store
	until time.Time
}

type storeItem struct {
	dynamo.Keys
	brand.Store
}

type brandItem struct {
	dynamo.Keys
	brand.Brand
}

// PutBrand creates or replaces a brand.
func (bs *Brands) PutBrand(ctx context.Context, b brand.Brand) error {
	item, err := attributevalue.MarshalMap(brandItem{dynamo.Keys{PK: dynamo.BrandPK(b.ID), SK: "BRAND", Kind: "brand"}, b})
	if err != nil {
		return fmt.Errorf("marshal brand %s: %w", b.ID, err)
	}
	if _, err := bs.t.API.PutItem(ctx, &dynamodb.PutItemInput{TableName: &bs.t.Name, Item: item}); err != nil {
		return dynamo.Unavailable("put brand "+b.ID, err)
	}
	return nil
}

// PutStore creates or replaces a store's configuration.
func (bs *Brands) PutStore(ctx context.Context, s brand.Store) error {
	if err := s.Validate(); err != nil {
		return &fault.Error{Code: fault.Invalid, Message: err.Error(), Err: err}
	}
	item, err := attributevalue.MarshalMap(storeItem{dynamo.Keys{
		PK: dynamo.StorePK(s.ID), SK: "STORE", GSI1PK: dynamo.BrandPK(s.BrandID), GSI1SK: dynamo.StorePK(s.ID), Kind: "store",
	}, s})
	if err != nil {
		return fmt.Errorf("marshal store %s: %w", s.ID, err)
	}
	if _, err := bs.t.API.PutItem(ctx, &dynamodb.PutItemInput{TableName: &bs.t.Name, Item: item}); err != nil {
		return dynamo.Unavailable("put store "+s.ID, err)
	}
	bs.mu.Lock()
	delete(bs.stores, s.ID)
	bs.mu.Unlock()
	return nil
}

// Store returns a store's configuration, or a fault.NotFound error. It is
// served from memory for a few minutes after it was read.
func (bs *Brands) Store(ctx context.Context, id string) (brand.Store, error) {
	now := bs.now()
	bs.mu.Lock()
	c, ok := bs.stores[id]
	bs.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.store, nil
	}
	if id == "" || len(id) > 64 {
		return brand.Store{}, fault.New(fault.NotFound, "There is no store %q.", id)
	}
	st, err := dynamo.Get[brand.Store](ctx, bs.t, dynamo.StorePK(id), "STORE", "store "+id)
	if err != nil {
		return brand.Store{}, err
	}
	bs.mu.Lock()
	bs.stores[id] = cachedStore{store: st, until: now.Add(bs.storeTTL)}
	bs.mu.Unlock()
	return st, nil
}

// Stores returns every store of a brand, ordered by id.
func (bs *Brands) Stores(ctx context.Context, brandID string) ([]brand.Store, error) {
	cond := expression.Key("gsi1pk").Equal(expression.Value(dynamo.BrandPK(brandID))).
		And(expression.Key("gsi1sk").BeginsWith("STORE#"))
	expr, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return nil, fmt.Errorf("build stores query: %w", err)
	}
	in := &dynamodb.QueryInput{
		TableName: &bs.t.Name, IndexName: aws.String(dynamo.GSI1),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}
	var stores []brand.Store
	p := dynamodb.NewQueryPaginator(bs.t.API, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, dynamo.Unavailable("query stores of brand "+brandID, err)
		}
		var items []storeItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, fmt.Errorf("unmarshal stores of brand %s: %w", brandID, err)
		}
		for _, it := range items {
			stores = append(stores, it.Store)
		}
	}
	return stores, nil
}

// Brand returns a brand, or a fault.NotFound error.
func (bs *Brands) Brand(ctx context.Context, id string) (brand.Brand, error) {
	return dynamo.Get[brand.Brand](ctx, bs.t, dynamo.BrandPK(id), "BRAND", "brand "+id)
}

// Rules returns the triage rules for a store: the defaults, overridden by
// the brand's and then the store's stored rules (items BRAND#b/RULES and
// STORE#s/RULES), read in one call.
func (bs *Brands) Rules(ctx context.Context, brandID, storeID string) (triage.Rules, error) {
	out, err := bs.t.API.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		bs.t.Name: {Keys: []map[string]types.AttributeValue{dynamo.Key(dynamo.BrandPK(brandID), "RULES"), dynamo.Key(dynamo.StorePK(storeID), "RULES")}},
	}})
	if err != nil {
		return triage.Rules{}, dynamo.Unavailable("get triage rules", err)
	}
	byPK := map[string]triage.Rules{}
	for _, item := range out.Responses[bs.t.Name] {
		var r struct {
			PK    string       `dynamodbav:"pk"`
			Rules triage.Rules `dynamodbav:"rules"`
		}
		if err := attributevalue.UnmarshalMap(item, &r); err != nil {
			return triage.Rules{}, fmt.Errorf("unmarshal triage rules: %w", err)
		}
		byPK[r.PK] = r.Rules
	}
	return triage.Default().Merge(byPK[dynamo.BrandPK(brandID)]).Merge(byPK[dynamo.StorePK(storeID)]), nil
}

// PutRules stores triage overrides for a brand (storeID "") or a store.
func (bs *Brands) PutRules(ctx context.Context, brandID, storeID string, r triage.Rules) error {
	pk := dynamo.BrandPK(brandID)
	if storeID != "" {
		pk = dynamo.StorePK(storeID)
	}
	rules, err := attributevalue.Marshal(r)
	if err != nil {
		return fmt.Errorf("marshal triage rules: %w", err)
	}
	_, err = bs.t.API.PutItem(ctx, &dynamodb.PutItemInput{TableName: &bs.t.Name, Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: "RULES"},
		"kind": &types.AttributeValueMemberS{Value: "rules"}, "rules": rules,
	}})
	if err != nil {
		return dynamo.Unavailable("put triage rules", err)
	}
	return nil
}
