package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/fault"
)

type cachedStore struct {
	store brand.Store
	until time.Time
}

type storeItem struct {
	keys
	brand.Store
}

type brandItem struct {
	keys
	brand.Brand
}

func storePK(id string) string { return "STORE#" + id }
func brandPK(id string) string { return "BRAND#" + id }

// PutBrand creates or replaces a brand.
func (db *DB) PutBrand(ctx context.Context, b brand.Brand) error {
	item, err := attributevalue.MarshalMap(brandItem{keys{PK: brandPK(b.ID), SK: "BRAND", Kind: "brand"}, b})
	if err != nil {
		return fmt.Errorf("marshal brand %s: %w", b.ID, err)
	}
	if _, err := db.api.PutItem(ctx, &dynamodb.PutItemInput{TableName: &db.table, Item: item}); err != nil {
		return unavailable("put brand "+b.ID, err)
	}
	return nil
}

// PutStore creates or replaces a store's configuration.
func (db *DB) PutStore(ctx context.Context, s brand.Store) error {
	if err := s.Validate(); err != nil {
		return &fault.Error{Code: fault.Invalid, Message: err.Error(), Err: err}
	}
	item, err := attributevalue.MarshalMap(storeItem{keys{
		PK: storePK(s.ID), SK: "STORE", GSI1PK: brandPK(s.BrandID), GSI1SK: storePK(s.ID), Kind: "store",
	}, s})
	if err != nil {
		return fmt.Errorf("marshal store %s: %w", s.ID, err)
	}
	if _, err := db.api.PutItem(ctx, &dynamodb.PutItemInput{TableName: &db.table, Item: item}); err != nil {
		return unavailable("put store "+s.ID, err)
	}
	db.mu.Lock()
	delete(db.stores, s.ID)
	db.mu.Unlock()
	return nil
}

// Store returns a store's configuration, or a fault.NotFound error. It is
// served from memory for a few minutes after it was read.
func (db *DB) Store(ctx context.Context, id string) (brand.Store, error) {
	now := db.now()
	db.mu.Lock()
	c, ok := db.stores[id]
	db.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.store, nil
	}
	if id == "" || len(id) > 64 {
		return brand.Store{}, fault.New(fault.NotFound, "There is no store %q.", id)
	}
	st, err := getItem[brand.Store](ctx, db, storePK(id), "STORE", "store "+id)
	if err != nil {
		return brand.Store{}, err
	}
	db.mu.Lock()
	db.stores[id] = cachedStore{store: st, until: now.Add(db.storeTTL)}
	db.mu.Unlock()
	return st, nil
}

// Stores returns every store of a brand, ordered by id.
func (db *DB) Stores(ctx context.Context, brandID string) ([]brand.Store, error) {
	cond := expression.Key("gsi1pk").Equal(expression.Value(brandPK(brandID))).
		And(expression.Key("gsi1sk").BeginsWith("STORE#"))
	expr, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return nil, fmt.Errorf("build stores query: %w", err)
	}
	in := &dynamodb.QueryInput{
		TableName: &db.table, IndexName: aws.String(gsi1),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}
	var stores []brand.Store
	p := dynamodb.NewQueryPaginator(db.api, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, unavailable("query stores of brand "+brandID, err)
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
func (db *DB) Brand(ctx context.Context, id string) (brand.Brand, error) {
	return getItem[brand.Brand](ctx, db, brandPK(id), "BRAND", "brand "+id)
}
