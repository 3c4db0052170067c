package brandstore_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/fault"
)

func TestStores(t *testing.T) {
	env := testenv.New(t)
	api := &testenv.CountingDynamo{DynamoAPI: dynamodb.NewFromConfig(env.Config)}
	db := brandstore.New(dynamo.New(api, env.Table()))
	ctx := context.Background()
	stores, err := db.Stores(ctx, "wang")
	if err != nil || len(stores) != 3 || stores[0].ID != "S001" {
		t.Fatalf("stores: got %+v, %v; want S001..S003", stores, err)
	}
	before := api.Calls.Load()
	for range 3 {
		if _, err := db.Store(ctx, "S002"); err != nil {
			t.Fatal(err)
		}
	}
	if got := api.Calls.Load() - before; got != 1 {
		t.Errorf("calls for three reads of one store: got %d, want 1 (cached)", got)
	}
	if _, err := db.Store(ctx, "S999"); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("unknown store: got %v, want not found", err)
	}
}
