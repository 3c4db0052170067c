// Package limitstore keeps the per-client request counts of
// shared/http/limit in cardloop's table: one item per client and window,
// counted up by one UpdateItem per request and left to expire.
//
//	item          pk                 sk               attributes
//	window count  LIMIT#<client>     W#<start, Unix>  n, expiresAt, kind=limit
//
// <client> is already a keyed hash (never an address); items expire through
// the table's TTL (expiresAt), and since TTL deletion is late (and never
// happens in the emulator) a window's count is only ever read back by the
// UpdateItem that adds to it, so an expired item is never mistaken for a
// live one: a new window is a new item.
package limitstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
)

// Store is the limit store.
type Store struct{ t *dynamo.Table }

// New returns the limit store of table t.
func New(t *dynamo.Table) *Store { return &Store{t: t} }

// Count adds one to client's requests in the window starting at start,
// keeps the item until expires, and returns the window's count including
// this request. One UpdateItem. Errors are the table's, wrapped
// (fault.Unavailable when worth retrying).
func (s *Store) Count(ctx context.Context, client string, start, expires time.Time) (int, error) {
	out, err := s.t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        &s.t.Name,
		Key:              dynamo.Key("LIMIT#"+client, "W#"+strconv.FormatInt(start.Unix(), 10)),
		UpdateExpression: aws.String("ADD n :one SET expiresAt = if_not_exists(expiresAt, :exp), kind = if_not_exists(kind, :kind)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one":  &types.AttributeValueMemberN{Value: "1"},
			":exp":  &types.AttributeValueMemberN{Value: strconv.FormatInt(expires.Unix(), 10)},
			":kind": &types.AttributeValueMemberS{Value: "limit"},
		},
		ReturnValues: types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, dynamo.Unavailable("count a client's requests", err)
	}
	n, ok := out.Attributes["n"].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("count a client's requests: the table answered no count")
	}
	c, err := strconv.Atoi(n.Value)
	if err != nil {
		return 0, fmt.Errorf("count a client's requests: count %q: %w", n.Value, err)
	}
	return c, nil
}
