package testenv

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// DynamoAPI is the part of the DynamoDB client the table adapter calls.
type DynamoAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// CountingDynamo wraps a DynamoDB client and counts the calls made through
// it and the items they read, for tests and benchmarks of AWS cost.
type CountingDynamo struct {
	DynamoAPI
	Calls, ItemsRead atomic.Int64
}

// Reset zeroes the counters.
func (c *CountingDynamo) Reset() {
	c.Calls.Store(0)
	c.ItemsRead.Store(0)
}

// GetItem counts one call, and one item when found.
func (c *CountingDynamo) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.Calls.Add(1)
	out, err := c.DynamoAPI.GetItem(ctx, in, o...)
	if err == nil && out.Item != nil {
		c.ItemsRead.Add(1)
	}
	return out, err
}

// PutItem counts one call.
func (c *CountingDynamo) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.Calls.Add(1)
	return c.DynamoAPI.PutItem(ctx, in, o...)
}

// Query counts one call and the items it returned.
func (c *CountingDynamo) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.Calls.Add(1)
	out, err := c.DynamoAPI.Query(ctx, in, o...)
	if err == nil {
		c.ItemsRead.Add(int64(out.Count))
	}
	return out, err
}

// TransactWriteItems counts one call.
func (c *CountingDynamo) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.Calls.Add(1)
	return c.DynamoAPI.TransactWriteItems(ctx, in, o...)
}

// UpdateItem counts one call.
func (c *CountingDynamo) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.Calls.Add(1)
	return c.DynamoAPI.UpdateItem(ctx, in, o...)
}

// BatchGetItem counts one call and the items it returned.
func (c *CountingDynamo) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	c.Calls.Add(1)
	out, err := c.DynamoAPI.BatchGetItem(ctx, in, o...)
	if err == nil {
		for _, items := range out.Responses {
			c.ItemsRead.Add(int64(len(items)))
		}
	}
	return out, err
}

// BatchWriteItem counts one call.
func (c *CountingDynamo) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	c.Calls.Add(1)
	return c.DynamoAPI.BatchWriteItem(ctx, in, o...)
}
