package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// BatchDelete deletes the items of keys, 25 to a call, deleting again what
// DynamoDB leaves unprocessed; a missing item is no error. what names the
// write in errors.
func BatchDelete(ctx context.Context, t *Table, keys []map[string]types.AttributeValue, what string) error {
	reqs := make([]types.WriteRequest, len(keys))
	for i, k := range keys {
		reqs[i] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}}
	}
	return batchWrite(ctx, t, reqs, what)
}

// PartitionItems returns every item of partition pk, read consistently;
// projection, when not empty, names the attributes to read.
func PartitionItems(ctx context.Context, t *Table, pk, projection, what string) ([]map[string]types.AttributeValue, error) {
	in := &dynamodb.QueryInput{
		TableName: &t.Name, KeyConditionExpression: aws.String("pk = :pk"), ConsistentRead: aws.Bool(true),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}},
	}
	if projection != "" {
		in.ProjectionExpression = &projection
	}
	var items []map[string]types.AttributeValue
	p := dynamodb.NewQueryPaginator(t.API, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, Unavailable("query "+what, err)
		}
		items = append(items, page.Items...)
	}
	return items, nil
}

// UpdateWith applies an update built with the SDK's expression builder to
// the item at key; the SDK's error comes back as it is, so a caller can tell
// a failed condition (*types.ConditionalCheckFailedException) from the
// rest.
func UpdateWith(ctx context.Context, t *Table, key map[string]types.AttributeValue, expr expression.Expression) error {
	_, err := t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &t.Name, Key: key,
		UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	return err
}
