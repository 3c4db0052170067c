package limitstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/limitstore"
)

func newStore(tb testing.TB) (*limitstore.Store, *testenv.CountingDynamo, *dynamodb.Client, string) {
	env := testenv.New(tb)
	client := dynamodb.NewFromConfig(env.Config)
	api := &testenv.CountingDynamo{DynamoAPI: client}
	return limitstore.New(dynamo.New(api, env.Table())), api, client, env.Table()
}

// TestCount: each client's count in each window is its own, counted up by
// one per request, and the item expires after its window.
func TestCount(t *testing.T) {
	s, _, client, table := newStore(t)
	ctx := context.Background()
	w1 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	w2 := w1.Add(time.Minute)
	exp := w2.Add(time.Minute)
	for _, step := range []struct {
		client string
		window time.Time
		want   int
	}{
		{"a", w1, 1}, {"a", w1, 2}, {"b", w1, 1}, {"a", w1, 3}, {"a", w2, 1}, {"b", w1, 2},
	} {
		got, err := s.Count(ctx, step.client, step.window, exp)
		if err != nil || got != step.want {
			t.Errorf("count %s in %s: got %d, %v; want %d", step.client, step.window.Format("15:04"), got, err, step.want)
		}
	}
	item, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: dynamo.Key("LIMIT#a", fmt.Sprint("W#", w1.Unix()))})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		N         int    `dynamodbav:"n"`
		ExpiresAt int64  `dynamodbav:"expiresAt"`
		Kind      string `dynamodbav:"kind"`
	}
	if err := attributevalue.UnmarshalMap(item.Item, &got); err != nil {
		t.Fatal(err)
	}
	if got.N != 3 || got.ExpiresAt != exp.Unix() || got.Kind != "limit" {
		t.Errorf("stored window: got %+v, want n 3, expiresAt %d, kind limit", got, exp.Unix())
	}
}

// BenchmarkCount measures counting one request: AWS calls per request.
func BenchmarkCount(b *testing.B) {
	s, api, _, _ := newStore(b)
	ctx := context.Background()
	start := time.Now().Truncate(time.Minute)
	api.Reset()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Count(ctx, fmt.Sprint("client-", i%50), start, start.Add(2*time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(api.Calls.Load())/float64(b.N), "aws-calls/request")
	b.ReportMetric(float64(api.ItemsRead.Load())/float64(b.N), "items-read/request")
}
