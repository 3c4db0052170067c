package emulator

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
)

// TestCancelledTransactionLeavesNothing runs against the emulator as this
// package starts it (with the transaction launcher): a transaction that
// puts a new item, updates a stored one and then fails a condition leaves
// both items as they were and no stream record; the same transaction
// without the failing part writes both, and a reader that was following
// the stream before the cancelled one sees them.
func TestCancelledTransactionLeavesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the emulator")
	}
	ctx := context.Background()
	api := dynamodb.NewFromConfig(Ensure(t))
	table := Prefix(t) + "-tx"
	td, err := KeyTable(ctx, api, table, true)
	if err != nil {
		t.Fatal(err)
	}
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	key := func(pk string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"pk": s(pk), "sk": s("x")}
	}
	if _, err := api.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: map[string]types.AttributeValue{"pk": s("old"), "sk": s("x"), "n": &types.AttributeValueMemberN{Value: "1"}}}); err != nil {
		t.Fatal(err)
	}
	tx := func(fail bool) error {
		items := []types.TransactWriteItem{
			{Put: &types.Put{TableName: &table, Item: map[string]types.AttributeValue{"pk": s("new"), "sk": s("x")}}},
			{Update: &types.Update{TableName: &table, Key: key("old"), UpdateExpression: aws.String("ADD n :one"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}}},
		}
		if fail {
			items = append(items, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &table, Key: key("absent"), ConditionExpression: aws.String("attribute_exists(pk)")}})
		}
		_, err := api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		return err
	}
	state := func() (bool, string) {
		n, err := api.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key("new"), ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		o, err := api.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key("old"), ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		return n.Item != nil, o.Item["n"].(*types.AttributeValueMemberN).Value
	}
	// A reader's iterator, taken before the cancelled transaction, as a
	// stream poller holds one.
	st := dynamodbstreams.NewFromConfig(Ensure(t))
	desc, err := st.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: td.LatestStreamArn})
	if err != nil {
		t.Fatal(err)
	}
	it, err := st.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: td.LatestStreamArn,
		ShardId: desc.StreamDescription.Shards[0].ShardId, ShardIteratorType: "TRIM_HORIZON"})
	if err != nil {
		t.Fatal(err)
	}
	iter := it.ShardIterator
	seen := 0
	records := func() int {
		recs, err := st.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
		if err != nil {
			t.Fatal(err)
		}
		iter = recs.NextShardIterator
		seen += len(recs.Records)
		return seen
	}
	var cancelled *types.TransactionCanceledException
	if err := tx(true); !errors.As(err, &cancelled) {
		t.Fatalf("failing transaction: %v, want cancelled", err)
	}
	if exists, n := state(); exists || n != "1" || records() != 1 {
		t.Errorf("after a cancelled transaction: new item %v, old n %s, %d stream records; want none, 1, 1", exists, n, records())
	}
	if err := tx(false); err != nil {
		t.Fatal(err)
	}
	if exists, n := state(); !exists || n != "2" || records() != 3 {
		t.Errorf("after a transaction: new item %v, old n %s, %d stream records; want it, 2, 3", exists, n, records())
	}
}
