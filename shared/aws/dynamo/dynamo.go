// Package dynamo stores cardloop's data in one DynamoDB table (the single-table
// design of docs/data-model.md). It speaks in domain terms — SaveCard,
// CardsByStore, Store — and is the only package that knows the keys.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/cardloop/cardloop/shared/fault"
)

// API is the part of the DynamoDB client the adapter calls.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

// Index names, as in template.yaml.
const (
	gsi1 = "gsi1"
	gsi2 = "gsi2"
)

// DB is cardloop's table.
type DB struct {
	api   API
	table string
	now   func() time.Time

	// Stores change rarely and are read on every card: they are kept for
	// storeTTL so that accepting a card costs one write and no read.
	mu       sync.Mutex
	stores   map[string]cachedStore
	storeTTL time.Duration
}

// New returns the table named table, reached through api.
func New(api API, table string) *DB {
	return &DB{api: api, table: table, now: time.Now, stores: map[string]cachedStore{}, storeTTL: 5 * time.Minute}
}

// keys are the table's key attributes; every item embeds them.
type keys struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	GSI1PK string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK string `dynamodbav:"gsi1sk,omitempty"`
	GSI2PK string `dynamodbav:"gsi2pk,omitempty"`
	GSI2SK string `dynamodbav:"gsi2sk,omitempty"`
	// Kind names the item's type, for readers of the raw table and streams.
	Kind string `dynamodbav:"kind"`
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"sk": &types.AttributeValueMemberS{Value: sk},
	}
}

// unavailable marks errors worth retrying (throttling, service faults) so
// callers answer 503 rather than 500.
func unavailable(op string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorFault() {
		case smithy.FaultServer:
			return &fault.Error{Code: fault.Unavailable, Message: "Storage is briefly unavailable.", Err: fmt.Errorf("%s: %w", op, err)}
		}
		switch ae.ErrorCode() {
		case "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "TransactionConflictException":
			return &fault.Error{Code: fault.Unavailable, Message: "Storage is briefly unavailable.", Err: fmt.Errorf("%s: %w", op, err)}
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// getItem reads one item into T (items embed their keys; T takes only its
// own attributes). A missing item is a fault.NotFound error naming what.
func getItem[T any](ctx context.Context, db *DB, pk, sk, what string) (T, error) {
	var v T
	out, err := db.api.GetItem(ctx, &dynamodb.GetItemInput{TableName: &db.table, Key: key(pk, sk)})
	if err != nil {
		return v, unavailable("get "+what, err)
	}
	if out.Item == nil {
		return v, fault.New(fault.NotFound, "There is no %s.", what)
	}
	if err := attributevalue.UnmarshalMap(out.Item, &v); err != nil {
		return v, fmt.Errorf("unmarshal %s: %w", what, err)
	}
	return v, nil
}
