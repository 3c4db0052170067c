package casestore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/insightstore"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/insight"
)

// openShards spreads open cases over a few index partitions, so the overdue
// index has no single hot key; the escalation query reads each.
const openShards = 4

type caseItem struct {
	dynamo.Keys
	// The inbox (gsi3): every case is in its store's open or resolved
	// partition (inboxKeys).
	GSI3PK string `dynamodbav:"gsi3pk,omitempty"`
	GSI3SK string `dynamodbav:"gsi3sk,omitempty"`
	casework.Case
}

func casePK(id string) string { return "CASE#" + id }

func openShard(id string) string {
	return fmt.Sprintf("OPEN#%d", dynamo.Shard(id, openShards))
}

func newCaseItem(k casework.Case) caseItem {
	it := caseItem{Keys: dynamo.Keys{
		PK: casePK(k.ID), SK: "CASE", Kind: "case",
		GSI1PK: "STORE#" + k.StoreID + "#CASES", GSI1SK: k.OpenedAt.UTC().Format(time.RFC3339Nano) + "#" + k.ID,
	}, Case: k}
	if k.NextCheck != nil { // sparse: only cases escalation must look at
		it.GSI2PK, it.GSI2SK = openShard(k.ID), k.NextCheck.UTC().Format(time.RFC3339)+"#"+k.ID
	}
	it.GSI3PK, it.GSI3SK = inboxKeys(k)
	return it
}

type noticeItem struct {
	dynamo.Keys
	casework.Notice
}

// noticeSK is a notice's sort key under its case, from its identity
// (casework.NoticeKey): NOTICE#kind#level#to.
func noticeSK(n casework.Notice) string {
	k := n.Key()
	return fmt.Sprintf("NOTICE#%s#%d#%s", k.Kind, k.Level, k.To)
}

type eventItem struct {
	dynamo.Keys
	casework.Event
}

// ErrStale reports that a case changed since it was read (its version moved
// on), so the change was not written.
var ErrStale = errors.New("case changed since it was read")

// SaveCase writes a case change in one transaction. A new case is written
// only if no case has its id; an existing one only if its version is still
// the one read (Case.Version, which SaveCase increments). Otherwise nothing
// is written and the error is fault.Conflict wrapping ErrStale.
func (ks *Cases) SaveCase(ctx context.Context, ch casework.Change) (casework.Case, error) {
	k := ch.Case
	readVersion := k.Version
	k.Version++
	item, err := attributevalue.MarshalMap(newCaseItem(k))
	if err != nil {
		return k, fmt.Errorf("marshal case %s: %w", k.ID, err)
	}
	put := &types.Put{TableName: &ks.t.Name, Item: item}
	if ch.Created {
		put.ConditionExpression = aws.String("attribute_not_exists(pk)")
	} else {
		put.ConditionExpression = aws.String("version = :v")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: fmt.Sprint(readVersion)}}
	}
	tx := []types.TransactWriteItem{{Put: put}}
	for i, ev := range ch.Events {
		it, err := attributevalue.MarshalMap(eventItem{dynamo.Keys{PK: casePK(k.ID), SK: fmt.Sprintf("AUDIT#%s#%d#%d", ev.At.UTC().Format(time.RFC3339Nano), k.Version, i), Kind: "case_event"}, ev})
		if err != nil {
			return k, fmt.Errorf("marshal case %s event: %w", k.ID, err)
		}
		tx = append(tx, types.TransactWriteItem{Put: &types.Put{TableName: &ks.t.Name, Item: it}})
	}
	if ch.Created && k.DinerKey != "" {
		tx = append(tx, types.TransactWriteItem{Put: &types.Put{TableName: &ks.t.Name, Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: dynamo.DinerPK(k.BrandID, k.DinerKey)}, "sk": &types.AttributeValueMemberS{Value: "CASE#" + k.OpenedAt.UTC().Format(time.RFC3339) + "#" + k.ID},
			"kind": &types.AttributeValueMemberS{Value: "diner_case"}, "caseId": &types.AttributeValueMemberS{Value: k.ID},
		}}})
	}
	if hold, ok, err := greetingHold(ks.t.Name, k, ch.DinerHold()); err != nil {
		return k, err
	} else if ok {
		tx = append(tx, hold)
	}
	if counters := ch.Tally.Counters(); len(counters) > 0 {
		upd, err := tallyUpdates(ks.t.Name, k.StoreID, k.VisitDate, counters)
		if err != nil {
			return k, err
		}
		tx = append(tx, upd...)
	}
	for _, n := range ch.Notices {
		n.CaseID, n.Status = k.ID, "pending"
		it, err := attributevalue.MarshalMap(noticeItem{dynamo.Keys{PK: casePK(k.ID), SK: noticeSK(n), Kind: "notice"}, n})
		if err != nil {
			return k, fmt.Errorf("marshal notice: %w", err)
		}
		tx = append(tx, types.TransactWriteItem{Put: &types.Put{TableName: &ks.t.Name, Item: it, ConditionExpression: aws.String("attribute_not_exists(pk)")}})
	}
	_, err = ks.t.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cancelled) {
		return k, &fault.Error{Code: fault.Conflict, Message: "The case changed meanwhile; reload it.", Err: fmt.Errorf("save case %s: %w", k.ID, ErrStale)}
	}
	if err != nil {
		return k, dynamo.Unavailable("save case "+k.ID, err)
	}
	return k, nil
}

// tallyUpdates adds counters to a store's callback numbers of the cases'
// visit day, in the insight items of that day, its month-week and its month
// (as "case:<name>"), so dashboards read them with the card figures.
func tallyUpdates(table, storeID, day string, counters map[string]int) ([]types.TransactWriteItem, error) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return nil, fmt.Errorf("case visit day %q: %w", day, err)
	}
	c := insight.Counters{}
	for n, v := range counters {
		c[insight.CasePrefix+n] = int64(v)
	}
	return insightstore.AddToDay(table, storeID, d, c)
}

// CaseRecord reads a case, its audit trail and its notices in one query;
// the case's search terms, sorted after them (TERM#), are not read.
func (ks *Cases) CaseRecord(ctx context.Context, id string) (casework.Record, error) {
	var rec casework.Record
	found := false
	p := dynamodb.NewQueryPaginator(ks.t.API, &dynamodb.QueryInput{
		TableName: &ks.t.Name, ConsistentRead: aws.Bool(true),
		KeyConditionExpression: aws.String("pk = :pk AND sk < :terms"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: casePK(id)}, ":terms": &types.AttributeValueMemberS{Value: termPrefix},
		},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return rec, dynamo.Unavailable("query case "+id, err)
		}
		for _, item := range page.Items {
			sk := item["sk"].(*types.AttributeValueMemberS).Value
			var err error
			switch {
			case sk == "CASE":
				var it caseItem
				err = attributevalue.UnmarshalMap(item, &it)
				rec.Case, found = it.Case, true
			case strings.HasPrefix(sk, "AUDIT#"):
				var it eventItem
				err = attributevalue.UnmarshalMap(item, &it)
				rec.Events = append(rec.Events, it.Event)
			case strings.HasPrefix(sk, "NOTICE#"):
				var it noticeItem
				err = attributevalue.UnmarshalMap(item, &it)
				rec.Notices = append(rec.Notices, it.Notice)
			}
			if err != nil {
				return rec, fmt.Errorf("unmarshal case %s item %s: %w", id, sk, err)
			}
		}
	}
	if !found {
		return rec, fault.New(fault.NotFound, "There is no such case.")
	}
	return rec, nil
}

// ClaimNotice takes a pending notice for sending until lease ends. It fails
// with fault.Conflict when the notice is sent or claimed by someone else
// whose lease has not run out: so two deliveries of one stream record cannot
// both send.
func (ks *Cases) ClaimNotice(ctx context.Context, n casework.Notice, now time.Time, lease time.Duration) error {
	_, err := ks.t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &ks.t.Name, Key: dynamo.Key(casePK(n.CaseID), noticeSK(n)),
		UpdateExpression:         aws.String("SET leaseUntil = :until ADD attempts :one"),
		ConditionExpression:      aws.String("#s = :pending AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":until":   &types.AttributeValueMemberS{Value: now.Add(lease).UTC().Format(time.RFC3339Nano)},
			":now":     &types.AttributeValueMemberS{Value: now.UTC().Format(time.RFC3339Nano)},
			":pending": &types.AttributeValueMemberS{Value: "pending"},
			":one":     &types.AttributeValueMemberN{Value: "1"},
		},
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return &fault.Error{Code: fault.Conflict, Message: "The notice is sent or being sent.", Err: fmt.Errorf("claim notice %s: %w", noticeSK(n), err)}
	}
	if err != nil {
		return dynamo.Unavailable("claim notice "+noticeSK(n), err)
	}
	return nil
}

// NoticeSent records that a claimed notice went out.
func (ks *Cases) NoticeSent(ctx context.Context, n casework.Notice, messageID string, at time.Time) error {
	_, err := ks.t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &ks.t.Name, Key: dynamo.Key(casePK(n.CaseID), noticeSK(n)),
		UpdateExpression:         aws.String("SET #s = :sent, messageId = :id, sentAt = :at REMOVE leaseUntil"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":sent": &types.AttributeValueMemberS{Value: "sent"},
			":id":   &types.AttributeValueMemberS{Value: messageID},
			":at":   &types.AttributeValueMemberS{Value: at.UTC().Format(time.RFC3339Nano)},
		},
	})
	if err != nil {
		return dynamo.Unavailable("mark notice sent "+noticeSK(n), err)
	}
	return nil
}

// NoticeFailed releases a claimed notice after a failed send, so the next
// delivery may try again at once.
func (ks *Cases) NoticeFailed(ctx context.Context, n casework.Notice) error {
	_, err := ks.t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &ks.t.Name, Key: dynamo.Key(casePK(n.CaseID), noticeSK(n)),
		UpdateExpression: aws.String("REMOVE leaseUntil"),
	})
	if err != nil {
		return dynamo.Unavailable("release notice "+noticeSK(n), err)
	}
	return nil
}

// DueCases returns open cases whose next check is at or before now, through
// the sparse overdue index: one query per shard, reading only due cases.
func (ks *Cases) DueCases(ctx context.Context, now time.Time, limit int) ([]casework.Case, error) {
	var out []casework.Case
	for shard := range openShards {
		in := &dynamodb.QueryInput{
			TableName: &ks.t.Name, IndexName: aws.String(dynamo.GSI2),
			KeyConditionExpression: aws.String("gsi2pk = :pk AND gsi2sk <= :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk":  &types.AttributeValueMemberS{Value: fmt.Sprintf("OPEN#%d", shard)},
				":now": &types.AttributeValueMemberS{Value: now.UTC().Format(time.RFC3339) + "#~"},
			},
			Limit: aws.Int32(int32(limit)),
		}
		page, err := ks.t.API.Query(ctx, in)
		if err != nil {
			return nil, dynamo.Unavailable("query due cases", err)
		}
		var items []caseItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, fmt.Errorf("unmarshal due cases: %w", err)
		}
		for _, it := range items {
			out = append(out, it.Case)
		}
	}
	return out, nil
}

// CaseDays returns a store's case numbers from one day to another, read
// from the insight items of those days.
func (ks *Cases) CaseDays(ctx context.Context, storeID, from, to string) ([]casework.Day, error) {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("case days of %s: %w", storeID, err)
	}
	days := insight.Days(f, t)
	got, err := insightstore.New(ks.t).Counters(ctx, storeID, days)
	if err != nil {
		return nil, err
	}
	var out []casework.Day
	for _, p := range days {
		if c, ok := got[p]; ok {
			if tally := insight.CaseTally(c); tally != (casework.Tally{}) {
				out = append(out, casework.Day{StoreID: storeID, Day: p.Key, Tally: tally})
			}
		}
	}
	return out, nil
}

// DinerCases returns the ids of a diner's cases, newest first.
func (ks *Cases) DinerCases(ctx context.Context, brandID, dinerKey string) ([]string, error) {
	out, err := ks.t.API.Query(ctx, &dynamodb.QueryInput{
		TableName:              &ks.t.Name,
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :c)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: dynamo.DinerPK(brandID, dinerKey)},
			":c":  &types.AttributeValueMemberS{Value: "CASE#"},
		},
		ScanIndexForward: aws.Bool(false),
	})
	if err != nil {
		return nil, dynamo.Unavailable("query diner cases", err)
	}
	ids := make([]string, 0, len(out.Items))
	for _, it := range out.Items {
		if v, ok := it["caseId"].(*types.AttributeValueMemberS); ok {
			ids = append(ids, v.Value)
		}
	}
	return ids, nil
}

// CasesByStore returns a store's cases opened from one day to another
// (inclusive, YYYY-MM-DD, UTC), newest first, up to limit.
func (ks *Cases) CasesByStore(ctx context.Context, storeID, from, to string, limit int) ([]casework.Case, error) {
	cases, _, err := ks.CasesPage(ctx, storeID, from, to, limit, "")
	return cases, err
}

// CasesPage returns a page of the cases opened between two days (UTC, by
// openedAt), newest first, and the cursor of the next page ("" on the
// last): one query through dynamo.GSI1 per page of at most 200.
func (ks *Cases) CasesPage(ctx context.Context, storeID, from, to string, limit int, cursor string) ([]casework.Case, string, error) {
	pk := "STORE#" + storeID + "#CASES"
	in := &dynamodb.QueryInput{
		TableName: &ks.t.Name, IndexName: aws.String(dynamo.GSI1),
		KeyConditionExpression: aws.String("gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   &types.AttributeValueMemberS{Value: pk},
			":from": &types.AttributeValueMemberS{Value: from},
			":to":   &types.AttributeValueMemberS{Value: to + "~"},
		},
		ScanIndexForward: aws.Bool(false),
		Limit:            aws.Int32(int32(max(1, min(limit, 200)))),
	}
	if cursor != "" {
		start, err := dynamo.DecodeCursor(cursor, pk)
		if err != nil {
			return nil, "", err
		}
		in.ExclusiveStartKey = start
	}
	return ks.queryCases(ctx, in, "cases of "+storeID)
}

// queryCases runs one page of a query of case items and returns the cases
// and the cursor of the next page ("" on the last); what names them in
// errors ("cases of S001").
func (ks *Cases) queryCases(ctx context.Context, in *dynamodb.QueryInput, what string) ([]casework.Case, string, error) {
	out, err := ks.t.API.Query(ctx, in)
	if err != nil {
		return nil, "", dynamo.Unavailable("query "+what, err)
	}
	cases, err := unmarshalCases(out.Items, what)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out.LastEvaluatedKey) > 0 {
		if next, err = dynamo.EncodeCursor(out.LastEvaluatedKey); err != nil {
			return nil, "", err
		}
	}
	return cases, next, nil
}

// unmarshalCases reads case items; what names them in errors.
func unmarshalCases(items []map[string]types.AttributeValue, what string) ([]casework.Case, error) {
	var got []caseItem
	if err := attributevalue.UnmarshalListOfMaps(items, &got); err != nil {
		return nil, fmt.Errorf("unmarshal %s: %w", what, err)
	}
	cases := make([]casework.Case, 0, len(got))
	for _, it := range got {
		cases = append(cases, it.Case)
	}
	return cases, nil
}

// greetingHold writes a case change's greeting hold (casework.DinerHold) on
// the diner's profile, so the greeting sender's one transaction can see it
// (docs/data-model.md): case ids added to or taken out of openCases, and
// holdUntil.
func greetingHold(table string, k casework.Case, h casework.DinerHold) (types.TransactWriteItem, bool, error) {
	if k.DinerKey == "" || h.IsZero() {
		return types.TransactWriteItem{}, false, nil
	}
	var upd expression.UpdateBuilder
	if len(h.Open) > 0 {
		upd = upd.Add(expression.Name("openCases"), expression.Value(&types.AttributeValueMemberSS{Value: h.Open}))
	}
	if len(h.Closed) > 0 {
		upd = upd.Delete(expression.Name("openCases"), expression.Value(&types.AttributeValueMemberSS{Value: h.Closed}))
	}
	if !h.Until.IsZero() {
		upd = upd.Set(expression.Name("holdUntil"), expression.Value(h.Until.UTC().Format(time.RFC3339Nano)))
	}
	// No existence condition: the profile is written with the diner's card,
	// but a case must not fail on a profile that is missing (an import, an
	// erased diner); the update then leaves a bare hold that a later card's
	// update completes.
	expr, err := expression.NewBuilder().WithUpdate(upd).Build()
	if err != nil {
		return types.TransactWriteItem{}, false, fmt.Errorf("build greeting hold for case %s: %w", k.ID, err)
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: &table, Key: dynamo.Key(dynamo.DinerPK(k.BrandID, k.DinerKey), "PROFILE"),
		UpdateExpression:         expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}}, true, nil
}
