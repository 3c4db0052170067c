package casestore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/casework"
)

// A case's search terms (casework.CardTerms, hashed: casework.TermKey) are
// items in the case's own partition, sorted after everything CaseRecord
// reads, and indexed by their hash in gsi1:
//
//	pk CASE#<caseId>   sk TERM#<field>#<hash>   gsi1pk CASEFIND#<hash>   gsi1sk <openedAt>#<caseId>
//
// So a search reads one gsi1 partition per term, an erasure finds them with
// the case's other items, and no key holds a number, a name or a word.
const termPrefix = "TERM#"

func termSK(k casework.SearchKey) string { return termPrefix + k.Field + "#" + k.Hash }

func findPK(hash string) string { return "CASEFIND#" + hash }

type termItem struct {
	dynamo.Keys
	CaseID   string    `dynamodbav:"caseId"`
	Field    string    `dynamodbav:"field"`
	OpenedAt time.Time `dynamodbav:"openedAt"`
}

// IndexCase writes a case's search keys, 25 to a batch call. Writing a key
// again writes the same item, so a replayed card costs writes, not
// duplicates.
func (ks *Cases) IndexCase(ctx context.Context, k casework.Case, keys []casework.SearchKey) error {
	items := make([]map[string]types.AttributeValue, 0, len(keys))
	for _, key := range keys {
		it, err := attributevalue.MarshalMap(termItem{
			Keys: dynamo.Keys{PK: casePK(k.ID), SK: termSK(key), Kind: "case_term",
				GSI1PK: findPK(key.Hash), GSI1SK: k.OpenedAt.UTC().Format(time.RFC3339Nano) + "#" + k.ID},
			CaseID: k.ID, Field: key.Field, OpenedAt: k.OpenedAt,
		})
		if err != nil {
			return fmt.Errorf("marshal search term of case %s: %w", k.ID, err)
		}
		items = append(items, it)
	}
	return dynamo.BatchPut(ctx, ks.t, items, "index case "+k.ID)
}

// FindCases returns the cases holding a search key, newest first, at most
// limit: one query of gsi1 reading the key's items only.
func (ks *Cases) FindCases(ctx context.Context, hash string, limit int) ([]casework.SearchHit, error) {
	out, err := ks.t.API.Query(ctx, &dynamodb.QueryInput{
		TableName: &ks.t.Name, IndexName: aws.String(dynamo.GSI1),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: findPK(hash)}},
		ProjectionExpression:      aws.String("caseId, openedAt"),
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(max(1, limit))),
	})
	if err != nil {
		return nil, dynamo.Unavailable("search cases", err)
	}
	var items []termItem
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return nil, fmt.Errorf("unmarshal case search: %w", err)
	}
	hits := make([]casework.SearchHit, 0, len(items))
	for _, it := range items {
		hits = append(hits, casework.SearchHit{CaseID: it.CaseID, OpenedAt: it.OpenedAt})
	}
	return hits, nil
}

// CasesByID reads cases by id, a hundred to a batch call; missing ones are
// absent.
func (ks *Cases) CasesByID(ctx context.Context, ids []string) ([]casework.Case, error) {
	keys := make([]map[string]types.AttributeValue, 0, len(ids))
	for _, id := range ids {
		keys = append(keys, dynamo.Key(casePK(id), "CASE"))
	}
	items, err := dynamo.BatchGet(ctx, ks.t, keys, false, "read cases")
	if err != nil {
		return nil, err
	}
	return unmarshalCases(items, "cases")
}

// ExistingCases returns which of ids are cases, with their status: one
// batch read of their keys and status only (a card list's links to its
// cases).
func (ks *Cases) ExistingCases(ctx context.Context, ids []string) (map[string]casework.Status, error) {
	out := map[string]casework.Status{}
	if len(ids) == 0 {
		return out, nil
	}
	var keys []map[string]types.AttributeValue
	var seen []string
	for _, id := range ids {
		if id != "" && !slices.Contains(seen, id) {
			seen = append(seen, id)
			keys = append(keys, dynamo.Key(casePK(id), "CASE"))
		}
	}
	items, err := dynamo.BatchGetAttrs(ctx, ks.t, keys, false, "caseId, #s", map[string]string{"#s": "status"}, "read case links")
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		var v struct {
			CaseID string          `dynamodbav:"caseId"`
			Status casework.Status `dynamodbav:"status"`
		}
		if err := attributevalue.UnmarshalMap(it, &v); err != nil {
			return nil, fmt.Errorf("unmarshal case link: %w", err)
		}
		out[v.CaseID] = v.Status
	}
	return out, nil
}

// erasePersonalTerms deletes the search items of a case that come from
// what the diner gave (casework.PersonalFields); card terms stay, as the
// case's card ids do.
func (ks *Cases) erasePersonalTerms(ctx context.Context, id string, items []map[string]types.AttributeValue) error {
	var keys []map[string]types.AttributeValue
	for _, item := range items {
		sk, _ := item["sk"].(*types.AttributeValueMemberS)
		if sk == nil || !strings.HasPrefix(sk.Value, termPrefix) {
			continue
		}
		field, _, _ := strings.Cut(strings.TrimPrefix(sk.Value, termPrefix), "#")
		if slices.Contains(casework.PersonalFields, field) {
			keys = append(keys, dynamo.Key(casePK(id), sk.Value))
		}
	}
	if len(keys) == 0 {
		return nil
	}
	return dynamo.BatchDelete(ctx, ks.t, keys, "erase search terms of case "+id)
}
