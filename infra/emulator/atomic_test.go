package emulator

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// TestClientRequestToken: the launcher answers a TransactWriteItems token
// as DynamoDB does. The same request again succeeds and writes nothing more;
// a different request with the token is IdempotentParameterMismatch (binary
// attributes included, which moto hands over as bytes).
func TestClientRequestToken(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the emulator")
	}
	ctx := context.Background()
	api := dynamodb.NewFromConfig(Ensure(t))
	table := Prefix(t) + "-token"
	if _, err := KeyTable(ctx, api, table, false); err != nil {
		t.Fatal(err)
	}
	add := func(blob string) error {
		_, err := api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			ClientRequestToken: aws.String(table + "-tok"),
			TransactItems: []types.TransactWriteItem{{Update: &types.Update{
				TableName: &table, Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}, "sk": &types.AttributeValueMemberS{Value: "x"}},
				UpdateExpression: aws.String("ADD n :one SET b = :b"),
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":one": &types.AttributeValueMemberN{Value: "1"}, ":b": &types.AttributeValueMemberB{Value: []byte(blob)},
				},
			}}},
		})
		return err
	}
	count := func() string {
		out, err := api.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}, "sk": &types.AttributeValueMemberS{Value: "x"}}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Item["n"].(*types.AttributeValueMemberN).Value
	}
	if err := add("\x00one"); err != nil {
		t.Fatalf("first transaction: %v", err)
	}
	if err := add("\x00one"); err != nil {
		t.Fatalf("same transaction, same token: got %v, want success", err)
	}
	if got := count(); got != "1" {
		t.Errorf("after the same transaction twice: got n = %s, want 1", got)
	}
	var mismatch *types.IdempotentParameterMismatchException
	if err := add("\x00two"); !errors.As(err, &mismatch) {
		t.Errorf("other transaction, same token: got %v, want IdempotentParameterMismatchException", err)
	}
	if got := count(); got != "1" {
		t.Errorf("after the mismatch: got n = %s, want 1", got)
	}
}

// TestLongPollLetsOthersIn: requests run one at a time, but a long poll
// does not hold the others up while it waits. A message sent while a
// ReceiveMessage waits (20 s) is what that receive returns; were the poll
// holding the server, the send would wait for it and the receive would
// come back empty.
func TestLongPollLetsOthersIn(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the emulator")
	}
	ctx := context.Background()
	api := sqs.NewFromConfig(Ensure(t))
	q, err := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(Prefix(t) + "-poll")})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *sqs.ReceiveMessageOutput, 1)
	fail := make(chan error, 1)
	go func() {
		out, err := api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 20})
		if err != nil {
			fail <- err
			return
		}
		got <- out
	}()
	// Give the poll time to begin waiting (an ordering, not a timing
	// assertion: sent earlier, the message would pass the test anyway).
	time.Sleep(500 * time.Millisecond)
	if _, err := api.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("hello")}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-fail:
		t.Fatalf("receive: %v", err)
	case out := <-got:
		if len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != "hello" {
			t.Errorf("long poll: got %d messages, want the one sent while it waited", len(out.Messages))
		}
	}
}
