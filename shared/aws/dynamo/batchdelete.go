package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// BatchDelete deletes the items of keys, 25 to a call, deleting again what
// DynamoDB leaves unprocessed; a missing item is no error. what names the
// write in errors.
func BatchDelete(ctx context.Context, t *Table, keys []map[string]types.AttributeValue, what string) error {
	for len(keys) > 0 {
		n := min(len(keys), batchWriteLimit)
		batch := make([]types.WriteRequest, n)
		for i, k := range keys[:n] {
			batch[i] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}}
		}
		keys = keys[n:]
		for attempt := 0; len(batch) > 0; attempt++ {
			if attempt >= batchAttempts {
				return Unavailable(what, fmt.Errorf("%d deletes unprocessed", len(batch)))
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

// PartitionKeys returns the keys of every item in partition pk.
func PartitionKeys(ctx context.Context, t *Table, pk, what string) ([]map[string]types.AttributeValue, error) {
	var keys []map[string]types.AttributeValue
	p := dynamodb.NewQueryPaginator(t.API, &dynamodb.QueryInput{
		TableName: &t.Name, KeyConditionExpression: ptr("pk = :pk"), ProjectionExpression: ptr("pk, sk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}},
		ConsistentRead:            boolPtr(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, Unavailable("query "+what, err)
		}
		keys = append(keys, page.Items...)
	}
	return keys, nil
}

func ptr(s string) *string { return &s }
func boolPtr(b bool) *bool { return &b }
