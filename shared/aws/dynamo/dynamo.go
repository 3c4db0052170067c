// Package dynamo is the core of cardloop's one DynamoDB table (the
// single-table design of docs/data-model.md): the table, its key attributes
// and indexes, the key shapes several stores share, reads and queries, error
// mapping, cursors and stream images. A store per aggregate sits on top and
// speaks in domain terms — cardstore, casestore, greetstore, scanstore,
// brandstore — so a function links only the stores it uses.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

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
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// Index names, as in template.yaml.
const (
	GSI1 = "gsi1"
	GSI2 = "gsi2"
	GSI3 = "gsi3"
	// GSI4 holds the cards awaiting triage (keys only; cardstore).
	GSI4 = "gsi4"
)

// Table is cardloop's table, reached through API; the stores share one.
type Table struct {
	API  API
	Name string
}

// New returns the table named name, reached through api.
func New(api API, name string) *Table { return &Table{API: api, Name: name} }

// Keys are the table's key attributes; every item embeds them.
type Keys struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	GSI1PK string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK string `dynamodbav:"gsi1sk,omitempty"`
	GSI2PK string `dynamodbav:"gsi2pk,omitempty"`
	GSI2SK string `dynamodbav:"gsi2sk,omitempty"`
	// Kind names the item's type, for readers of the raw table and streams.
	Kind string `dynamodbav:"kind"`
}

// Key is the primary key pk, sk.
func Key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"sk": &types.AttributeValueMemberS{Value: sk},
	}
}

// Unavailable marks errors worth retrying so callers answer 503 (with
// Retry-After) rather than 500: throttling and service faults, a table that
// cannot be reached or did not answer (connection refused or reset, every
// attempt of the SDK's bounded retries spent), and a request whose deadline
// ran out while it waited. It is the one place that reads DynamoDB's
// failures; any other error is wrapped with op and stays internal.
func Unavailable(op string, err error) error {
	if transient(err) {
		return &fault.Error{Code: fault.Unavailable, Message: "Storage is briefly unavailable.", Err: fmt.Errorf("%s: %w", op, err)}
	}
	return fmt.Errorf("%s: %w", op, err)
}

func transient(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if ae.ErrorFault() == smithy.FaultServer {
			return true
		}
		switch ae.ErrorCode() {
		case "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "TransactionConflictException":
			return true
		}
	}
	var send *smithyhttp.RequestSendError
	var spent *retry.MaxAttemptsError
	var netErr net.Error
	return errors.As(err, &send) || errors.As(err, &spent) || errors.As(err, &netErr) ||
		errors.Is(err, context.DeadlineExceeded)
}

// Get reads one item into T (items embed their keys; T takes only its
// own attributes). A missing item is a fault.NotFound error naming what.
func Get[T any](ctx context.Context, t *Table, pk, sk, what string) (T, error) {
	var v T
	out, err := t.API.GetItem(ctx, &dynamodb.GetItemInput{TableName: &t.Name, Key: Key(pk, sk)})
	if err != nil {
		return v, Unavailable("get "+what, err)
	}
	if out.Item == nil {
		return v, fault.New(fault.NotFound, "There is no %s.", what)
	}
	if err := attributevalue.UnmarshalMap(out.Item, &v); err != nil {
		return v, fmt.Errorf("unmarshal %s: %w", what, err)
	}
	return v, nil
}
