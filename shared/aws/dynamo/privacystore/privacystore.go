// Package privacystore keeps data-protection requests, the privacy audit
// log, and reads the retention index (docs/data-model.md, "Privacy").
package privacystore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/privacy"
)

// Privacy is the store.
type Privacy struct{ t *dynamo.Table }

// New returns the store of table t.
func New(t *dynamo.Table) *Privacy { return &Privacy{t: t} }

func requestPK(id string) string { return "PRIVACY#" + id }

// openPK partitions a brand's open requests in dynamo.GSI1, by due date.
func openPK(brandID string) string { return "BRAND#" + brandID + "#PRIVACY#OPEN" }

// auditPK partitions a brand's privacy audit log by month.
func auditPK(brandID string, at time.Time) string {
	return "PRIVACYLOG#" + brandID + "#" + at.UTC().Format("2006-01")
}

type requestItem struct {
	dynamo.Keys
	privacy.Request
}

func newRequestItem(r privacy.Request) requestItem {
	it := requestItem{dynamo.Keys{PK: requestPK(r.ID), SK: "REQUEST", Kind: "privacy_request"}, r}
	if r.Status == privacy.Open { // sparse: only open requests are listed
		it.GSI1PK, it.GSI1SK = openPK(r.BrandID), r.DueAt.UTC().Format(time.RFC3339)+"#"+r.ID
	}
	return it
}

// CreateRequest puts a new request (attribute_not_exists(pk)); when one
// with its id is stored already, that one comes back from the failed
// condition, created false.
func (ps *Privacy) CreateRequest(ctx context.Context, r privacy.Request) (privacy.Request, bool, error) {
	item, err := attributevalue.MarshalMap(newRequestItem(r))
	if err != nil {
		return r, false, fmt.Errorf("marshal privacy request %s: %w", r.ID, err)
	}
	_, err = ps.t.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &ps.t.Name, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if len(ccf.Item) == 0 {
			stored, err := ps.Request(ctx, r.ID)
			return stored, false, err
		}
		var stored requestItem
		if err := attributevalue.UnmarshalMap(ccf.Item, &stored); err != nil {
			return r, false, fmt.Errorf("unmarshal privacy request %s: %w", r.ID, err)
		}
		return stored.Request, false, nil
	}
	if err != nil {
		return r, false, dynamo.Unavailable("create privacy request "+r.ID, err)
	}
	return r, true, nil
}

// Request returns a request, or a fault.NotFound error.
func (ps *Privacy) Request(ctx context.Context, id string) (privacy.Request, error) {
	return dynamo.Get[privacy.Request](ctx, ps.t, requestPK(id), "REQUEST", "privacy request "+id)
}

// SaveProgress writes the request whole: the runner of an erasure is its
// only writer after creation. A done request is written without its
// subject and without the open-list keys.
func (ps *Privacy) SaveProgress(ctx context.Context, r privacy.Request) error {
	item, err := attributevalue.MarshalMap(newRequestItem(r))
	if err != nil {
		return fmt.Errorf("marshal privacy request %s: %w", r.ID, err)
	}
	if _, err := ps.t.API.PutItem(ctx, &dynamodb.PutItemInput{TableName: &ps.t.Name, Item: item}); err != nil {
		return dynamo.Unavailable("save privacy request "+r.ID, err)
	}
	return nil
}

// OpenRequests returns a brand's open requests, soonest due first: Query
// dynamo.GSI1 = BRAND#<brandId>#PRIVACY#OPEN.
func (ps *Privacy) OpenRequests(ctx context.Context, brandID string) ([]privacy.Request, error) {
	expr, err := expression.NewBuilder().WithKeyCondition(expression.Key("gsi1pk").Equal(expression.Value(openPK(brandID)))).Build()
	if err != nil {
		return nil, fmt.Errorf("build open requests query: %w", err)
	}
	return dynamo.QueryAll[privacy.Request](ctx, ps.t, &dynamodb.QueryInput{
		TableName: &ps.t.Name, IndexName: aws.String(dynamo.GSI1),
		KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}, "open privacy requests")
}

// Audit appends an entry to the brand's audit log of its month.
func (ps *Privacy) Audit(ctx context.Context, e privacy.AuditEntry) error {
	item, err := attributevalue.MarshalMap(struct {
		dynamo.Keys
		privacy.AuditEntry
	}{dynamo.Keys{PK: auditPK(e.BrandID, e.At), SK: dynamo.Stamp(e.At) + "#" + e.Action + "#" + e.RequestID + "#" + short(e.SubjectHash), Kind: "privacy_audit"}, e})
	if err != nil {
		return fmt.Errorf("marshal privacy audit entry: %w", err)
	}
	if _, err := ps.t.API.PutItem(ctx, &dynamodb.PutItemInput{TableName: &ps.t.Name, Item: item}); err != nil {
		return dynamo.Unavailable("write privacy audit entry", err)
	}
	return nil
}

func short(s string) string { return s[:min(len(s), 12)] }

// AuditLog returns a brand's audit entries of one month ("2006-01"),
// oldest first.
func (ps *Privacy) AuditLog(ctx context.Context, brandID, month string) ([]privacy.AuditEntry, error) {
	return dynamo.QueryAll[privacy.AuditEntry](ctx, ps.t, &dynamodb.QueryInput{
		TableName: &ps.t.Name, KeyConditionExpression: aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "PRIVACYLOG#" + brandID + "#" + month}},
	}, "privacy audit log")
}

// IdleDiners passes fn, a page at a time, the brand's profiles whose last
// visit is on or before cutoff (YYYY-MM-DD): Query dynamo.GSI5 on each
// RETAIN shard, gsi5sk <= "<cutoff>#~". Only due profiles are read.
func (ps *Privacy) IdleDiners(ctx context.Context, brandID, cutoff string, fn func([]diner.Profile) error) error {
	return dueQuery(ctx, ps.t, dynamo.RetainProfile, brandID, cutoff, fn)
}

// StaleOptIns passes fn the brand's opt-in markers ticked on or before
// cutoff: Query dynamo.GSI5 on each OPTIN shard.
func (ps *Privacy) StaleOptIns(ctx context.Context, brandID string, cutoff time.Time, fn func([]privacy.OptIn) error) error {
	return dueQuery(ctx, ps.t, dynamo.RetainOptIn, brandID, dynamo.Stamp(cutoff), fn)
}

func dueQuery[T any](ctx context.Context, t *dynamo.Table, prefix, brandID, upTo string, fn func([]T) error) error {
	for _, shard := range dynamo.RetainShards(prefix, brandID) {
		expr, err := expression.NewBuilder().WithKeyCondition(expression.Key("gsi5pk").Equal(expression.Value(shard)).
			And(expression.Key("gsi5sk").LessThanEqual(expression.Value(upTo + "#~")))).Build()
		if err != nil {
			return fmt.Errorf("build retention query: %w", err)
		}
		p := dynamodb.NewQueryPaginator(t.API, &dynamodb.QueryInput{
			TableName: &t.Name, IndexName: aws.String(dynamo.GSI5),
			KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
			Limit: aws.Int32(100),
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return dynamo.Unavailable("query retention index "+shard, err)
			}
			var items []T
			if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
				return fmt.Errorf("unmarshal retention index %s: %w", shard, err)
			}
			if len(items) > 0 {
				if err := fn(items); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
