package dynamo

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/triage"
)

// openShards spreads open cases over a few index partitions, so the overdue
// index has no single hot key; the escalation query reads each.
const openShards = 4

type caseItem struct {
	keys
	casework.Case
}

func casePK(id string) string { return "CASE#" + id }

func openShard(id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return fmt.Sprintf("OPEN#%d", h.Sum32()%openShards)
}

func newCaseItem(k casework.Case) caseItem {
	it := caseItem{keys{
		PK: casePK(k.ID), SK: "CASE", Kind: "case",
		GSI1PK: "STORE#" + k.StoreID + "#CASES", GSI1SK: k.OpenedAt.UTC().Format(time.RFC3339Nano) + "#" + k.ID,
	}, k}
	if k.NextCheck != nil { // sparse: only cases escalation must look at
		it.GSI2PK, it.GSI2SK = openShard(k.ID), k.NextCheck.UTC().Format(time.RFC3339)+"#"+k.ID
	}
	return it
}

type noticeItem struct {
	keys
	casework.Notice
}

// noticeSK is a notice's sort key under its case, from its identity
// (casework.NoticeKey): NOTICE#kind#level#to.
func noticeSK(n casework.Notice) string {
	k := n.Key()
	return fmt.Sprintf("NOTICE#%s#%d#%s", k.Kind, k.Level, k.To)
}

type eventItem struct {
	keys
	casework.Event
}

// ErrStale reports that a case changed since it was read (its version moved
// on), so the change was not written.
var ErrStale = errors.New("case changed since it was read")

// SaveCase writes a case change in one transaction. A new case is written
// only if no case has its id; an existing one only if its version is still
// the one read (Case.Version, which SaveCase increments). Otherwise nothing
// is written and the error is fault.Conflict wrapping ErrStale.
func (db *DB) SaveCase(ctx context.Context, ch casework.Change) (casework.Case, error) {
	k := ch.Case
	readVersion := k.Version
	k.Version++
	item, err := attributevalue.MarshalMap(newCaseItem(k))
	if err != nil {
		return k, fmt.Errorf("marshal case %s: %w", k.ID, err)
	}
	put := &types.Put{TableName: &db.table, Item: item}
	if ch.Created {
		put.ConditionExpression = aws.String("attribute_not_exists(pk)")
	} else {
		put.ConditionExpression = aws.String("version = :v")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: fmt.Sprint(readVersion)}}
	}
	tx := []types.TransactWriteItem{{Put: put}}
	for i, ev := range ch.Events {
		it, err := attributevalue.MarshalMap(eventItem{keys{PK: casePK(k.ID), SK: fmt.Sprintf("AUDIT#%s#%d#%d", ev.At.UTC().Format(time.RFC3339Nano), k.Version, i), Kind: "case_event"}, ev})
		if err != nil {
			return k, fmt.Errorf("marshal case %s event: %w", k.ID, err)
		}
		tx = append(tx, types.TransactWriteItem{Put: &types.Put{TableName: &db.table, Item: it}})
	}
	if ch.Created && k.DinerKey != "" {
		tx = append(tx, types.TransactWriteItem{Put: &types.Put{TableName: &db.table, Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: dinerPK(k.BrandID, k.DinerKey)}, "sk": &types.AttributeValueMemberS{Value: "CASE#" + k.OpenedAt.UTC().Format(time.RFC3339) + "#" + k.ID},
			"kind": &types.AttributeValueMemberS{Value: "diner_case"}, "caseId": &types.AttributeValueMemberS{Value: k.ID},
		}}})
	}
	if hold, ok, err := greetingHold(db.table, k, ch.DinerHold()); err != nil {
		return k, err
	} else if ok {
		tx = append(tx, hold)
	}
	if counters := ch.Tally.Counters(); len(counters) > 0 {
		upd, err := tallyUpdate(db.table, k.StoreID, k.VisitDate, counters)
		if err != nil {
			return k, err
		}
		tx = append(tx, upd)
	}
	for _, n := range ch.Notices {
		n.CaseID, n.Status = k.ID, "pending"
		it, err := attributevalue.MarshalMap(noticeItem{keys{PK: casePK(k.ID), SK: noticeSK(n), Kind: "notice"}, n})
		if err != nil {
			return k, fmt.Errorf("marshal notice: %w", err)
		}
		tx = append(tx, types.TransactWriteItem{Put: &types.Put{TableName: &db.table, Item: it, ConditionExpression: aws.String("attribute_not_exists(pk)")}})
	}
	_, err = db.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cancelled) {
		return k, &fault.Error{Code: fault.Conflict, Message: "The case changed meanwhile; reload it.", Err: fmt.Errorf("save case %s: %w", k.ID, ErrStale)}
	}
	if err != nil {
		return k, unavailable("save case "+k.ID, err)
	}
	return k, nil
}

// tallyUpdate adds counters to a store's case numbers for a day.
func tallyUpdate(table, storeID, day string, counters map[string]int) (types.TransactWriteItem, error) {
	names := make([]string, 0, len(counters))
	for n := range counters {
		names = append(names, n)
	}
	sort.Strings(names)
	upd := expression.Set(expression.Name("kind"), expression.Value("case_day")).
		Set(expression.Name("storeId"), expression.Value(storeID)).
		Set(expression.Name("day"), expression.Value(day))
	for _, n := range names {
		upd = upd.Add(expression.Name(n), expression.Value(counters[n]))
	}
	expr, err := expression.NewBuilder().WithUpdate(upd).Build()
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("build tally update: %w", err)
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: &table, Key: key("STORE#"+storeID, "CASEDAY#"+day),
		UpdateExpression: expr.Update(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}}, nil
}

// CaseRecord reads a case, its audit trail and its notices in one query.
func (db *DB) CaseRecord(ctx context.Context, id string) (casework.Record, error) {
	var rec casework.Record
	found := false
	p := dynamodb.NewQueryPaginator(db.api, &dynamodb.QueryInput{
		TableName: &db.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: casePK(id)}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return rec, unavailable("query case "+id, err)
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
func (db *DB) ClaimNotice(ctx context.Context, n casework.Notice, now time.Time, lease time.Duration) error {
	_, err := db.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &db.table, Key: key(casePK(n.CaseID), noticeSK(n)),
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
		return unavailable("claim notice "+noticeSK(n), err)
	}
	return nil
}

// NoticeSent records that a claimed notice went out.
func (db *DB) NoticeSent(ctx context.Context, n casework.Notice, messageID string, at time.Time) error {
	_, err := db.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &db.table, Key: key(casePK(n.CaseID), noticeSK(n)),
		UpdateExpression:         aws.String("SET #s = :sent, messageId = :id, sentAt = :at REMOVE leaseUntil"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":sent": &types.AttributeValueMemberS{Value: "sent"},
			":id":   &types.AttributeValueMemberS{Value: messageID},
			":at":   &types.AttributeValueMemberS{Value: at.UTC().Format(time.RFC3339Nano)},
		},
	})
	if err != nil {
		return unavailable("mark notice sent "+noticeSK(n), err)
	}
	return nil
}

// NoticeFailed releases a claimed notice after a failed send, so the next
// delivery may try again at once.
func (db *DB) NoticeFailed(ctx context.Context, n casework.Notice) error {
	_, err := db.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &db.table, Key: key(casePK(n.CaseID), noticeSK(n)),
		UpdateExpression: aws.String("REMOVE leaseUntil"),
	})
	if err != nil {
		return unavailable("release notice "+noticeSK(n), err)
	}
	return nil
}

// DueCases returns open cases whose next check is at or before now, through
// the sparse overdue index: one query per shard, reading only due cases.
func (db *DB) DueCases(ctx context.Context, now time.Time, limit int) ([]casework.Case, error) {
	var out []casework.Case
	for shard := range openShards {
		in := &dynamodb.QueryInput{
			TableName: &db.table, IndexName: aws.String(gsi2),
			KeyConditionExpression: aws.String("gsi2pk = :pk AND gsi2sk <= :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk":  &types.AttributeValueMemberS{Value: fmt.Sprintf("OPEN#%d", shard)},
				":now": &types.AttributeValueMemberS{Value: now.UTC().Format(time.RFC3339) + "#~"},
			},
			Limit: aws.Int32(int32(limit)),
		}
		page, err := db.api.Query(ctx, in)
		if err != nil {
			return nil, unavailable("query due cases", err)
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

// CaseDays returns a store's case numbers from one day to another.
func (db *DB) CaseDays(ctx context.Context, storeID, from, to string) ([]casework.Day, error) {
	out, err := db.api.Query(ctx, &dynamodb.QueryInput{
		TableName:              &db.table,
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   &types.AttributeValueMemberS{Value: "STORE#" + storeID},
			":from": &types.AttributeValueMemberS{Value: "CASEDAY#" + from},
			":to":   &types.AttributeValueMemberS{Value: "CASEDAY#" + to},
		},
	})
	if err != nil {
		return nil, unavailable("query case days of "+storeID, err)
	}
	var days []casework.Day
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &days); err != nil {
		return nil, fmt.Errorf("unmarshal case days: %w", err)
	}
	return days, nil
}

// DinerCases returns the ids of a diner's cases, newest first.
func (db *DB) DinerCases(ctx context.Context, brandID, dinerKey string) ([]string, error) {
	out, err := db.api.Query(ctx, &dynamodb.QueryInput{
		TableName:              &db.table,
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :c)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: dinerPK(brandID, dinerKey)},
			":c":  &types.AttributeValueMemberS{Value: "CASE#"},
		},
		ScanIndexForward: aws.Bool(false),
	})
	if err != nil {
		return nil, unavailable("query diner cases", err)
	}
	ids := make([]string, 0, len(out.Items))
	for _, it := range out.Items {
		if v, ok := it["caseId"].(*types.AttributeValueMemberS); ok {
			ids = append(ids, v.Value)
		}
	}
	return ids, nil
}

// Rules returns the triage rules for a store: the defaults, overridden by
// the brand's and then the store's stored rules (items BRAND#b/RULES and
// STORE#s/RULES), read in one call.
func (db *DB) Rules(ctx context.Context, brandID, storeID string) (triage.Rules, error) {
	out, err := db.api.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		db.table: {Keys: []map[string]types.AttributeValue{key(brandPK(brandID), "RULES"), key(storePK(storeID), "RULES")}},
	}})
	if err != nil {
		return triage.Rules{}, unavailable("get triage rules", err)
	}
	byPK := map[string]triage.Rules{}
	for _, item := range out.Responses[db.table] {
		var r struct {
			PK    string       `dynamodbav:"pk"`
			Rules triage.Rules `dynamodbav:"rules"`
		}
		if err := attributevalue.UnmarshalMap(item, &r); err != nil {
			return triage.Rules{}, fmt.Errorf("unmarshal triage rules: %w", err)
		}
		byPK[r.PK] = r.Rules
	}
	return triage.Default().Merge(byPK[brandPK(brandID)]).Merge(byPK[storePK(storeID)]), nil
}

// PutRules stores triage overrides for a brand (storeID "") or a store.
func (db *DB) PutRules(ctx context.Context, brandID, storeID string, r triage.Rules) error {
	pk := brandPK(brandID)
	if storeID != "" {
		pk = storePK(storeID)
	}
	rules, err := attributevalue.Marshal(r)
	if err != nil {
		return fmt.Errorf("marshal triage rules: %w", err)
	}
	_, err = db.api.PutItem(ctx, &dynamodb.PutItemInput{TableName: &db.table, Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: "RULES"},
		"kind": &types.AttributeValueMemberS{Value: "rules"}, "rules": rules,
	}})
	if err != nil {
		return unavailable("put triage rules", err)
	}
	return nil
}

// CasesByStore returns a store's cases opened from one day to another
// (inclusive, YYYY-MM-DD, UTC), newest first, up to limit.
func (db *DB) CasesByStore(ctx context.Context, storeID, from, to string, limit int) ([]casework.Case, error) {
	out, err := db.api.Query(ctx, &dynamodb.QueryInput{
		TableName: &db.table, IndexName: aws.String(gsi1),
		KeyConditionExpression: aws.String("gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   &types.AttributeValueMemberS{Value: "STORE#" + storeID + "#CASES"},
			":from": &types.AttributeValueMemberS{Value: from},
			":to":   &types.AttributeValueMemberS{Value: to + "~"},
		},
		ScanIndexForward: aws.Bool(false),
		Limit:            aws.Int32(int32(max(1, min(limit, 200)))),
	})
	if err != nil {
		return nil, unavailable("query cases of "+storeID, err)
	}
	var items []caseItem
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return nil, fmt.Errorf("unmarshal cases of %s: %w", storeID, err)
	}
	cases := make([]casework.Case, 0, len(items))
	for _, it := range items {
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
		TableName: &table, Key: key(dinerPK(k.BrandID, k.DinerKey), "PROFILE"),
		UpdateExpression:         expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}}, true, nil
}
