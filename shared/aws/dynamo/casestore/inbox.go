package casestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/casework"
)

// The inbox is gsi3 on the case items: every case is in one of its
// store's two partitions, moved by the SaveCase that changes its status.
//
//	open      STORE#<storeId>#INBOX#OPEN      <group>#<dueAt>#<caseId>
//	resolved  STORE#<storeId>#INBOX#RESOLVED  <resolvedAt>#<caseId>
//
// group 0 holds the cases that wait for a call (no one reached yet), 1
// those that wait only to be resolved (reached, or no-contact); within
// each, the soonest due first. So the open view lists the oldest overdue
// first, and the overdue view is the key range of group 0 due before now.

// Inbox views.
const (
	ViewOpen     = "open"
	ViewOverdue  = "overdue"
	ViewResolved = "resolved"
)

func inboxPK(storeID, part string) string { return "STORE#" + storeID + "#INBOX#" + part }

func inboxKeys(k casework.Case) (string, string) {
	if k.Status == casework.Resolved {
		at := k.OpenedAt
		if k.ResolvedAt != nil {
			at = *k.ResolvedAt
		}
		return inboxPK(k.StoreID, "RESOLVED"), at.UTC().Format(time.RFC3339Nano) + "#" + k.ID
	}
	group := "0"
	if k.NoContact || k.FirstContact != nil {
		group = "1"
	}
	return inboxPK(k.StoreID, "OPEN"), group + "#" + k.DueAt.UTC().Format(time.RFC3339) + "#" + k.ID
}

// inboxQuery is the query of a view at now.
func inboxQuery(table, storeID, view string, now time.Time) (*dynamodb.QueryInput, string, error) {
	in := &dynamodb.QueryInput{TableName: &table, IndexName: aws.String(dynamo.GSI3)}
	var pk string
	switch view {
	case ViewOpen:
		pk = inboxPK(storeID, "OPEN")
		in.KeyConditionExpression = aws.String("gsi3pk = :pk")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}}
	case ViewOverdue:
		pk = inboxPK(storeID, "OPEN")
		in.KeyConditionExpression = aws.String("gsi3pk = :pk AND gsi3sk BETWEEN :from AND :to")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{
			":pk":   &types.AttributeValueMemberS{Value: pk},
			":from": &types.AttributeValueMemberS{Value: "0#"},
			// "0#<due>#<id>" sorts before "0#<now>" only when due < now.
			":to": &types.AttributeValueMemberS{Value: "0#" + now.UTC().Format(time.RFC3339)},
		}
	case ViewResolved:
		pk = inboxPK(storeID, "RESOLVED")
		in.KeyConditionExpression = aws.String("gsi3pk = :pk")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}}
		in.ScanIndexForward = aws.Bool(false) // newest resolved first
	default:
		return nil, "", fmt.Errorf("inbox view %q", view)
	}
	return in, pk, nil
}

// Inbox returns a page of a store's cases in a view (ViewOpen: every case
// not resolved, those waiting for a call first, the oldest overdue first;
// ViewOverdue: those past due with no one reached, oldest first;
// ViewResolved: newest resolved first) and the cursor of the next page (""
// on the last): one query of gsi3, reading only the view's cases.
func (ks *Cases) Inbox(ctx context.Context, storeID, view string, now time.Time, limit int, cursor string) ([]casework.Case, string, error) {
	in, pk, err := inboxQuery(ks.t.Name, storeID, view, now)
	if err != nil {
		return nil, "", err
	}
	in.Limit = aws.Int32(int32(max(1, min(limit, 200))))
	if cursor != "" {
		if in.ExclusiveStartKey, err = dynamo.DecodeIndexCursor(cursor, "gsi3pk", pk); err != nil {
			return nil, "", err
		}
	}
	return ks.queryCases(ctx, in, "the inbox of "+storeID)
}

// InboxCounts counts a store's open and overdue cases: two counting
// queries of gsi3 (DynamoDB counts without returning the items).
func (ks *Cases) InboxCounts(ctx context.Context, storeID string, now time.Time) (open, overdue int, err error) {
	for _, c := range []struct {
		view string
		n    *int
	}{{ViewOpen, &open}, {ViewOverdue, &overdue}} {
		in, _, err := inboxQuery(ks.t.Name, storeID, c.view, now)
		if err != nil {
			return 0, 0, err
		}
		in.Select = types.SelectCount
		p := dynamodb.NewQueryPaginator(ks.t.API, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return 0, 0, dynamo.Unavailable("count the inbox of "+storeID, err)
			}
			*c.n += int(page.Count)
		}
	}
	return open, overdue, nil
}

// RepairInbox gives a case written before the inbox its inbox keys, as the
// case stands (the keys SaveCase would write): one conditional update that
// writes only when the case has no inbox keys and is still at the version
// read. It reports whether it wrote: false when the keys were there, or
// when the case moved on meanwhile (its SaveCase wrote them), so running it
// twice writes nothing the second time.
func (ks *Cases) RepairInbox(ctx context.Context, k casework.Case) (bool, error) {
	pk, sk := inboxKeys(k)
	_, err := ks.t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           &ks.t.Name,
		Key:                 dynamo.Key(casePK(k.ID), "CASE"),
		UpdateExpression:    aws.String("SET gsi3pk = :pk, gsi3sk = :sk"),
		ConditionExpression: aws.String("attribute_exists(pk) AND attribute_not_exists(gsi3pk) AND version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: pk},
			":sk": &types.AttributeValueMemberS{Value: sk},
			":v":  &types.AttributeValueMemberN{Value: fmt.Sprint(k.Version)},
		},
	})
	var failed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &failed):
		return false, nil
	case err != nil:
		return false, dynamo.Unavailable("repair the inbox keys of case "+k.ID, err)
	}
	return true, nil
}
