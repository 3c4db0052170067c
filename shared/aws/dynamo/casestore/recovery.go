package casestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/casework"
)

// DinerCasesSince returns the cases of a diner of a brand opened at or
// after since: one query of the diner's case links (their sort key starts
// with the opening time) and one strongly consistent batch read of the
// cases, so a card replayed at once sees the return it recorded.
func (ks *Cases) DinerCasesSince(ctx context.Context, brandID, dinerKey string, since time.Time) ([]casework.Case, error) {
	p := dynamodb.NewQueryPaginator(ks.t.API, &dynamodb.QueryInput{
		TableName:              &ks.t.Name,
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   &types.AttributeValueMemberS{Value: dynamo.DinerPK(brandID, dinerKey)},
			":from": &types.AttributeValueMemberS{Value: "CASE#" + since.UTC().Format(time.RFC3339)},
			":to":   &types.AttributeValueMemberS{Value: "CASE#~"},
		},
		ProjectionExpression: aws.String("caseId"),
	})
	var keys []map[string]types.AttributeValue
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, dynamo.Unavailable("query recent diner cases", err)
		}
		for _, it := range page.Items {
			if v, ok := it["caseId"].(*types.AttributeValueMemberS); ok {
				keys = append(keys, dynamo.Key(casePK(v.Value), "CASE"))
			}
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	items, err := dynamo.BatchGet(ctx, ks.t, keys, true, "read recent diner cases")
	if err != nil {
		return nil, err
	}
	return unmarshalCases(items, "recent diner cases")
}

// SaveReturn records the card a case's diner came back with and adds the
// recovery counters to the case's visit day, month-week and month
// (insightstore.Add, as "case:<name>"), in one transaction. The case is
// updated in place — returned set, version incremented, so a case change
// based on an older read fails and reads again — only if its return is
// still the one k holds: none (attribute_not_exists), or the same card.
// When it is not, nothing is written and SaveReturn reports false.
func (ks *Cases) SaveReturn(ctx context.Context, k casework.Case, r casework.Return, t casework.Recovery) (bool, error) {
	av, err := attributevalue.Marshal(r)
	if err != nil {
		return false, fmt.Errorf("marshal return of case %s: %w", k.ID, err)
	}
	upd := &types.Update{
		TableName: &ks.t.Name, Key: dynamo.Key(casePK(k.ID), "CASE"),
		UpdateExpression:          aws.String("SET #r = :r ADD version :one"),
		ConditionExpression:       aws.String("attribute_exists(pk) AND attribute_not_exists(#r)"),
		ExpressionAttributeNames:  map[string]string{"#r": "returned"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":r": av, ":one": &types.AttributeValueMemberN{Value: "1"}},
	}
	if k.Returned != nil {
		upd.ConditionExpression = aws.String("#r.cardId = :was")
		upd.ExpressionAttributeValues[":was"] = &types.AttributeValueMemberS{Value: k.Returned.CardID}
	}
	tx := []types.TransactWriteItem{{Update: upd}}
	if counters := t.Counters(); len(counters) > 0 {
		adds, err := tallyUpdates(ks.t.Name, k.StoreID, k.VisitDate, counters)
		if err != nil {
			return false, err
		}
		tx = append(tx, adds...)
	}
	_, err = ks.t.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cancelled) && len(cancelled.CancellationReasons) > 0 &&
		aws.ToString(cancelled.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
		return false, nil // the return was recorded meanwhile
	}
	if err != nil {
		return false, dynamo.Unavailable("record the return after case "+k.ID, err)
	}
	return true, nil
}
