// Package exportstore keeps the record of every CSV export in cardloop's
// table (docs/data-model.md, "Exports"): who exported which store's cards
// or cases, for what range, when, how many rows, and whether the diners'
// contact columns were in it. It holds no personal data.
package exportstore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/export"
)

// Exports is the export log.
type Exports struct{ t *dynamo.Table }

// New returns the export log of table t.
func New(t *dynamo.Table) *Exports { return &Exports{t: t} }

type exportItem struct {
	dynamo.Keys
	export.Record
}

const skPrefix = "EXPORT#"

// RecordExport puts one export's record, keyed by its store, time and id;
// a record is never rewritten (condition attribute_not_exists).
func (e *Exports) RecordExport(ctx context.Context, r export.Record) error {
	item, err := attributevalue.MarshalMap(exportItem{dynamo.Keys{
		PK: "STORE#" + r.StoreID, SK: skPrefix + dynamo.Stamp(r.At) + "#" + r.ID, Kind: "export",
	}, r})
	if err != nil {
		return fmt.Errorf("marshal export %s: %w", r.ID, err)
	}
	_, err = e.t.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &e.t.Name, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if err != nil {
		return dynamo.Unavailable("record export "+r.ID, err)
	}
	return nil
}

// Exports returns a store's export records from a time on, newest first.
func (e *Exports) Exports(ctx context.Context, storeID string, since time.Time) ([]export.Record, error) {
	items, err := dynamo.QueryAll[exportItem](ctx, e.t, &dynamodb.QueryInput{
		TableName:              &e.t.Name,
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   &types.AttributeValueMemberS{Value: "STORE#" + storeID},
			":from": &types.AttributeValueMemberS{Value: skPrefix + dynamo.Stamp(since)},
			":to":   &types.AttributeValueMemberS{Value: skPrefix + "~"},
		},
		ScanIndexForward: aws.Bool(false),
	}, "exports of store "+storeID)
	if err != nil {
		return nil, err
	}
	out := make([]export.Record, len(items))
	for i, it := range items {
		out[i] = it.Record
	}
	return out, nil
}
