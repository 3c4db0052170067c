package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Batch limits of DynamoDB.
const (
	batchGetLimit   = 100
	batchWriteLimit = 25
	batchAttempts   = 9
)

// backoff waits before a batch's next attempt at what DynamoDB left
// unprocessed.
func backoff(attempt int) { time.Sleep(time.Duration(1<<attempt) * 10 * time.Millisecond) }

// BatchGet reads the items of keys, a hundred to a call, asking again for
// what DynamoDB leaves unprocessed; missing items are simply absent. what
// names the read in errors.
func BatchGet(ctx context.Context, t *Table, keys []map[string]types.AttributeValue, consistent bool, what string) ([]map[string]types.AttributeValue, error) {
	return BatchGetAttrs(ctx, t, keys, consistent, "", nil, what)
}

// BatchGetAttrs is BatchGet reading only the attributes projection names
// (all when it is empty), with names standing for the #placeholders it
// uses (reserved words such as status).
func BatchGetAttrs(ctx context.Context, t *Table, keys []map[string]types.AttributeValue, consistent bool, projection string, names map[string]string, what string) ([]map[string]types.AttributeValue, error) {
	var proj *string
	if projection != "" {
		proj = &projection
	}
	var out []map[string]types.AttributeValue
	for len(keys) > 0 {
		n := min(len(keys), batchGetLimit)
		batch := keys[:n]
		keys = keys[n:]
		for attempt := 0; len(batch) > 0; attempt++ {
			if attempt >= batchAttempts {
				return nil, Unavailable(what, fmt.Errorf("%d keys unprocessed", len(batch)))
			}
			if attempt > 0 {
				backoff(attempt)
			}
			res, err := t.API.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				t.Name: {Keys: batch, ConsistentRead: aws.Bool(consistent), ProjectionExpression: proj, ExpressionAttributeNames: names},
			}})
			if err != nil {
				return nil, Unavailable(what, err)
			}
			out = append(out, res.Responses[t.Name]...)
			batch = res.UnprocessedKeys[t.Name].Keys
		}
	}
	return out, nil
}

// BatchPut writes items, 25 to a call, unconditionally, writing again what
// DynamoDB leaves unprocessed. what names the write in errors.
func BatchPut(ctx context.Context, t *Table, items []map[string]types.AttributeValue, what string) error {
	reqs := make([]types.WriteRequest, len(items))
	for i, it := range items {
		reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: it}}
	}
	return batchWrite(ctx, t, reqs, what)
}

// batchWrite sends write requests, 25 to a call, sending again what
// DynamoDB leaves unprocessed.
func batchWrite(ctx context.Context, t *Table, reqs []types.WriteRequest, what string) error {
	for len(reqs) > 0 {
		n := min(len(reqs), batchWriteLimit)
		batch := reqs[:n]
		reqs = reqs[n:]
		for attempt := 0; len(batch) > 0; attempt++ {
			if attempt >= batchAttempts {
				return Unavailable(what, fmt.Errorf("%d writes unprocessed", len(batch)))
			}
			if attempt > 0 {
				backoff(attempt)
			}
			out, err := t.API.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{t.Name: batch}})
			if err != nil {
				return Unavailable(what, err)
			}
			batch = out.UnprocessedItems[t.Name]
		}
	}
	return nil
}
