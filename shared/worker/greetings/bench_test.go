package greetings_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/aws/sqsqueue"
	"github.com/cardloop/cardloop/shared/greeting"
)

// countingSQS counts the queue's calls.
type countingSQS struct {
	sqsqueue.API
	calls atomic.Int64
}

func (c *countingSQS) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, o ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	c.calls.Add(1)
	return c.API.SendMessageBatch(ctx, in, o...)
}

// BenchmarkPlanDay plans greeting days for a brand of 10,000 and of 100,000
// generated diners (nine in ten confirmed, birthdays and home stores spread
// evenly) against the emulator. Each iteration plans the next day for all
// three demo stores. It reports the diners due, the diner items read, and
// the DynamoDB and SQS calls per planned day: the items read must stay
// within 1.1 × the diners due, whatever the number of diners who are not.
//
//	make bench  (or: go test -run '^$' -bench PlanDay -benchtime 20x ./shared/worker/)
func BenchmarkPlanDay(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("diners=%d", n), func(b *testing.B) {
			env := testenv.New(b)
			ctx := context.Background()
			api := dynamodb.NewFromConfig(env.Config)
			generateDiners(b, api, env.Table(), n)
			calls := &testenv.CountingDynamo{DynamoAPI: api}
			db := allstores.New(calls, env.Table())
			sq := &countingSQS{API: sqs.NewFromConfig(env.Config)}
			q := sqsqueue.New[greeting.Job](sq, env.Resources["GreetingQueue"].URL)
			day := time.Date(2027, 1, 1, 4, 30, 0, 0, time.UTC) // 12:30 at all three stores
			planner := greeting.NewPlanner(db, q, func() time.Time { return day }, slog.New(slog.NewTextHandler(io.Discard, nil)))
			calls.Reset()
			var due, read int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rep, err := planner.Plan(ctx)
				if err != nil {
					b.Fatal(err)
				}
				due += rep.Due
				read += rep.ItemsRead
				day = day.AddDate(0, 0, 1)
			}
			b.StopTimer()
			if read > due+due/10 {
				b.Errorf("items read %d > 1.1 × diners due %d", read, due)
			}
			perDay := float64(b.N)
			b.ReportMetric(float64(due)/perDay, "due/day")
			b.ReportMetric(float64(read)/perDay, "items-read/day")
			b.ReportMetric(float64(read)/max(float64(due), 1), "read/due")
			b.ReportMetric(float64(calls.Calls.Load())/perDay, "dynamodb-calls/day")
			b.ReportMetric(float64(sq.calls.Load())/perDay, "sqs-calls/day")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/max(float64(due), 1), "ns/due-diner")
		})
	}
}

// generateDiners writes n diner profiles as the consent function leaves
// them: confirmed ones carry the birthday (gsi2) and home-store (gsi3) index
// keys, pending ones none.
func generateDiners(b *testing.B, api *dynamodb.Client, table string, n int) {
	b.Helper()
	stores := []string{"S001", "S002", "S003"}
	rng := rand.New(rand.NewPCG(1, 2))
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	var batch []types.WriteRequest
	flush := func() {
		for len(batch) > 0 {
			out, err := api.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: batch}})
			if err != nil {
				b.Fatal(err)
			}
			batch = out.UnprocessedItems[table]
		}
	}
	for i := range n {
		key := "email:d" + strconv.Itoa(i) + "@example.net"
		md := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(366)).Format("01-02")
		store := stores[rng.IntN(3)]
		item := map[string]types.AttributeValue{
			"pk": s("DINER#wang#" + key), "sk": s("PROFILE"), "kind": s("diner"), "brandId": s("wang"), "key": s(key),
			"email": s("d" + strconv.Itoa(i) + "@example.net"), "name": s("Diner " + strconv.Itoa(i)), "birthday": s(md),
			"lastStoreId": s(store), "lastVisitDate": s("2026-11-01"), "visits": &types.AttributeValueMemberN{Value: "1"},
			"marketingState": s("pending"),
		}
		if rng.IntN(10) > 0 {
			item["marketingState"] = s("confirmed")
			item["gsi2pk"], item["gsi2sk"] = s("BDAY#wang#"+md), s(store+"#"+key)
			item["gsi3pk"], item["gsi3sk"] = s("MKT#wang#"+store), s(key)
		}
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		if len(batch) == 25 {
			flush()
		}
	}
	flush()
}
