package diners_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/http/diners"
)

// answer is one response to a racing POST /api/v1/cards.
type answer struct {
	status   int
	id       string
	replayed bool
	problem  struct {
		Type   string `json:"type"`
		Fields []struct {
			Field string `json:"field"`
			Rule  string `json:"rule"`
		} `json:"errors"`
	}
	err error
}

// race posts bodies at once, one request each, all with the same
// Idempotency-Key, to the card API served by the real handler over real
// storage (the emulator).
func race(t *testing.T, url, key string, bodies []string) []answer {
	t.Helper()
	out := make([]answer, len(bodies))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, body := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequest(http.MethodPost, url+"/api/v1/cards", strings.NewReader(body))
			if err != nil {
				out[i].err = err
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", key)
			<-start
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				out[i].err = err
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			out[i].status = resp.StatusCode
			out[i].replayed = resp.Header.Get("Idempotent-Replayed") == "true"
			var doc struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(b, &doc)
			out[i].id = doc.ID
			if resp.StatusCode >= 400 {
				if err := json.Unmarshal(b, &out[i].problem); err != nil {
					out[i].err = fmt.Errorf("status %d, body %q: %w", resp.StatusCode, b, err)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	for i, a := range out {
		if a.err != nil {
			t.Fatalf("request %d: %v", i, a.err)
		}
	}
	return out
}

// TestIdempotencyRace sends 30 concurrent submissions with one
// Idempotency-Key, as DynamoDB's conditional write must settle it: exactly
// one 201 and one card stored. It is the test that showed the threaded
// emulator storing 13 of 30 (see infra/emulator/moto_tx.py).
func TestIdempotencyRace(t *testing.T) {
	env := testenv.New(t)
	api := dynamodb.NewFromConfig(env.Config)
	table := dynamo.New(api, env.Table())
	brands := brandstore.New(table)
	cards := cardstore.New(table)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fill(t, api, env.Table(), 2000)
	srv := httptest.NewServer(diners.NewCardHandler(intake.NewService(brands, cards, time.Now), brands, log))
	defer srv.Close()
	const n = 30
	stamp := time.Now().UnixNano()

	t.Run("different bodies", func(t *testing.T) {
		key := fmt.Sprintf("race-diff-%d", stamp)
		bodies := make([]string, n)
		for i := range bodies {
			bodies[i] = fmt.Sprintf(`{"storeId":"S001","ratings":{"overall":4,"main":5},"comment":"body %d"}`, i)
		}
		answers := race(t, srv.URL, key, bodies)
		winner, id := -1, ""
		for i, a := range answers {
			switch a.status {
			case http.StatusCreated:
				if winner >= 0 {
					t.Errorf("request %d: got a second 201 (first was request %d), want exactly one", i, winner)
				}
				winner, id = i, a.id
			case http.StatusConflict:
				if !strings.HasSuffix(a.problem.Type, "/conflict") || len(a.problem.Fields) != 1 || a.problem.Fields[0].Field != "Idempotency-Key" || a.problem.Fields[0].Rule != "idempotency_reuse" {
					t.Errorf("request %d: got 409 %+v, want problem conflict on Idempotency-Key, rule idempotency_reuse", i, a.problem)
				}
			default:
				t.Errorf("request %d: got status %d %+v, want 201 or 409", i, a.status, a.problem)
			}
		}
		if winner < 0 {
			t.Fatalf("got no 201 among %d requests, want one", n)
		}
		stored, err := cards.Card(context.Background(), id)
		if err != nil {
			t.Fatalf("read stored card %s: %v", id, err)
		}
		if want := fmt.Sprintf("body %d", winner); stored.Comment != want {
			t.Errorf("stored card's comment: got %q, want the winner's %q", stored.Comment, want)
		}
	})

	t.Run("same body", func(t *testing.T) {
		key := fmt.Sprintf("race-same-%d", stamp)
		bodies := make([]string, n)
		for i := range bodies {
			bodies[i] = `{"storeId":"S001","ratings":{"overall":1,"main":2},"comment":"the same body"}`
		}
		answers := race(t, srv.URL, key, bodies)
		created, replays := 0, 0
		ids := map[string]int{}
		for i, a := range answers {
			ids[a.id]++
			switch {
			case a.status == http.StatusCreated:
				created++
			case a.status == http.StatusOK && a.replayed:
				replays++
			default:
				t.Errorf("request %d: got status %d (replayed %v) %+v, want 201, or 200 replayed", i, a.status, a.replayed, a.problem)
			}
		}
		if created != 1 || replays != n-1 {
			t.Errorf("got %d × 201 and %d × 200, want 1 and %d", created, replays, n-1)
		}
		if len(ids) != 1 {
			t.Errorf("got ids %v, want one id for all %d answers", ids, n)
		}
	})
}

// fill writes n unrelated items into the table, as a store's history would:
// the emulator's transactions take longer on a fuller table, which widens
// the window a race needs.
func fill(t *testing.T, api *dynamodb.Client, table string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n/25+1)
	sem := make(chan struct{}, 8)
	for start := 0; start < n; start += 25 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			var reqs []types.WriteRequest
			for i := start; i < start+25 && i < n; i++ {
				reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
					"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("FILL#%d", i)},
					"sk": &types.AttributeValueMemberS{Value: "FILL"},
				}}})
			}
			if _, err := api.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("fill table: %v", err)
	}
}
