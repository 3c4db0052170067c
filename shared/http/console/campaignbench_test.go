package console_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/greeting"
)

// BenchmarkSegmentPreview previews the fixture campaign's segment (stores
// S001 and S002, visited within 12 months) over n generated diners of the
// three demo stores, nine in ten confirmed. It reports the DynamoDB calls
// and items read per preview: the preview queries each reached store's
// greeting index (no Scan), so it reads the confirmed diners of those two
// stores (0.6 × n) and no others.
//
//	go test -run '^$' -bench SegmentPreview -benchtime 5x ./shared/http/console/
func BenchmarkSegmentPreview(b *testing.B) {
	for _, n := range []int{300, 3000} {
		b.Run("diners="+strconv.Itoa(n), func(b *testing.B) {
			e := newLambdaEnv(b)
			ctx := context.Background()
			resp, err := e.console.ProxyWithContext(ctx, campaignRequest(b, "POST", "/api/v1/campaigns", "-", "marketing", "marketing"))
			if err != nil || resp.StatusCode != 201 {
				b.Fatalf("create: %v %d %s", err, resp.StatusCode, resp.Body)
			}
			var c greeting.Campaign
			if err := json.Unmarshal([]byte(resp.Body), &c); err != nil {
				b.Fatal(err)
			}
			writeDiners(b, e, n)
			req := campaignRequest(b, "GET", "/api/v1/campaigns/"+c.ID+"/segment", "", "marketing", "marketing")
			e.calls.Reset()
			b.ResetTimer()
			var seg greeting.SegmentCount
			for range b.N {
				resp, err := e.console.ProxyWithContext(ctx, req)
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("segment: %v %d %s", err, resp.StatusCode, resp.Body)
				}
				if err := json.Unmarshal([]byte(resp.Body), &seg); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(e.calls.Calls.Load())/float64(b.N), "dynamodb-calls/preview")
			b.ReportMetric(float64(e.calls.ItemsRead.Load())/float64(b.N), "items-read/preview")
			b.ReportMetric(float64(seg.Diners), "diners-matched")
		})
	}
}

// writeDiners writes n diners spread over the three demo stores, nine in
// ten confirmed (with their greeting index keys), all recent visitors.
func writeDiners(b *testing.B, e *lambdaEnv, n int) {
	b.Helper()
	stores := []string{"S001", "S002", "S003"}
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	recent := time.Now().AddDate(0, -1, 0).Format(time.DateOnly)
	var batch []types.WriteRequest
	flush := func() {
		for len(batch) > 0 {
			out, err := e.ddb.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{e.env.Table(): batch}})
			if err != nil {
				b.Fatal(err)
			}
			batch = out.UnprocessedItems[e.env.Table()]
		}
	}
	for i := range n {
		key := "email:bench" + strconv.Itoa(i) + "@example.net"
		store := stores[i%3]
		item := map[string]types.AttributeValue{
			"pk": s("DINER#wang#" + key), "sk": s("PROFILE"), "kind": s("diner"), "brandId": s("wang"), "key": s(key),
			"email": s("bench" + strconv.Itoa(i) + "@example.net"), "name": s("Diner " + strconv.Itoa(i)), "birthday": s("03-04"),
			"lastStoreId": s(store), "lastVisitDate": s(recent), "visits": &types.AttributeValueMemberN{Value: "1"},
			"marketingState": s("pending"),
		}
		if i%10 > 0 {
			item["marketingState"] = s("confirmed")
			item["gsi3pk"], item["gsi3sk"] = s("MKT#wang#"+store), s(key)
		}
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		if len(batch) == 25 {
			flush()
		}
	}
	flush()
}
