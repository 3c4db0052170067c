// Package digeststore keeps what the nightly and weekly digests need in
// cardloop's table (docs/digests.md): each store's digest settings, each
// staff member's choice of digests, and one claim per e-mail (kind, store
// or area, period, recipient) that makes it go out once.
//
//	item                 pk                 sk
//	store settings       STORE#<storeId>    DIGEST#SETTINGS      closingTime
//	staff preferences    STAFF#<email>      PREFS                digestsOff, nightlyOff, weeklyOff
//	claim                STAFF#<email>      DIGEST#<kind>#<scope>#<period>
//	                                                             status (claimed|sent), leaseUntil,
//	                                                             attempts, messageId, sentAt, expiresAt
package digeststore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/digest"
	"github.com/cardloop/cardloop/shared/fault"
)

// Store is the digest store.
type Store struct{ t *dynamo.Table }

// New returns the digest store of table t.
func New(t *dynamo.Table) *Store { return &Store{t: t} }

// ClaimTTL is how long a claim is kept: long after its period can be due.
const ClaimTTL = 60 * 24 * time.Hour

// batchMax is BatchGetItem's limit of keys per call.
const batchMax = 100

func staffPK(email string) string { return "STAFF#" + strings.ToLower(strings.TrimSpace(email)) }

const (
	prefsSK    = "PREFS"
	settingsSK = "DIGEST#SETTINGS"
)

func claimKey(c digest.Claim) map[string]types.AttributeValue {
	return dynamo.Key(staffPK(c.To), "DIGEST#"+c.Kind+"#"+c.Scope+"#"+c.Period)
}

// batchGet reads the items of keys, a hundred at a time, retrying what the
// table leaves unprocessed.
func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue, what string) ([]map[string]types.AttributeValue, error) {
	var out []map[string]types.AttributeValue
	for start := 0; start < len(keys); start += batchMax {
		req := map[string]types.KeysAndAttributes{s.t.Name: {Keys: keys[start:min(start+batchMax, len(keys))]}}
		for attempt := 0; len(req) > 0; attempt++ {
			if attempt > 0 {
				time.Sleep(time.Duration(attempt) * 50 * time.Millisecond)
			}
			if attempt > 5 {
				return nil, &fault.Error{Code: fault.Unavailable, Message: "Storage is briefly unavailable.", Err: fmt.Errorf("read %s: keys left unprocessed", what)}
			}
			page, err := s.t.API.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, dynamo.Unavailable("read "+what, err)
			}
			out = append(out, page.Responses[s.t.Name]...)
			req = page.UnprocessedKeys
		}
	}
	return out, nil
}

func str(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// Settings returns the digest settings of the stores that have any.
func (s *Store) Settings(ctx context.Context, storeIDs []string) (map[string]digest.Settings, error) {
	keys := make([]map[string]types.AttributeValue, len(storeIDs))
	for i, id := range storeIDs {
		keys[i] = dynamo.Key(dynamo.StorePK(id), settingsSK)
	}
	items, err := s.batchGet(ctx, keys, "digest settings")
	if err != nil {
		return nil, err
	}
	out := map[string]digest.Settings{}
	for _, it := range items {
		var v digest.Settings
		if err := attributevalue.UnmarshalMap(it, &v); err != nil {
			return nil, fmt.Errorf("unmarshal digest settings: %w", err)
		}
		out[strings.TrimPrefix(str(it, "pk"), "STORE#")] = v
	}
	return out, nil
}

// PutSettings writes a store's digest settings.
func (s *Store) PutSettings(ctx context.Context, storeID string, v digest.Settings) error {
	if _, err := digest.ParseClock(v.ClosingTime); err != nil {
		return &fault.Error{Code: fault.Invalid, Message: "The closing time is not HH:MM.", Err: err}
	}
	return s.put(ctx, dynamo.StorePK(storeID), settingsSK, "digest_settings", v, "digest settings of "+storeID)
}

func (s *Store) put(ctx context.Context, pk, sk, kind string, v any, what string) error {
	item, err := attributevalue.MarshalMap(v)
	if err != nil {
		return fmt.Errorf("marshal %s: %w", what, err)
	}
	for k, av := range dynamo.Key(pk, sk) {
		item[k] = av
	}
	item["kind"] = &types.AttributeValueMemberS{Value: kind}
	if _, err := s.t.API.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.t.Name, Item: item}); err != nil {
		return dynamo.Unavailable("put "+what, err)
	}
	return nil
}

// Prefs returns the preferences of the staff who chose any.
func (s *Store) Prefs(ctx context.Context, emails []string) (map[string]digest.Prefs, error) {
	keys := make([]map[string]types.AttributeValue, len(emails))
	for i, e := range emails {
		keys[i] = dynamo.Key(staffPK(e), prefsSK)
	}
	items, err := s.batchGet(ctx, keys, "digest preferences")
	if err != nil {
		return nil, err
	}
	out := map[string]digest.Prefs{}
	for _, it := range items {
		var v digest.Prefs
		if err := attributevalue.UnmarshalMap(it, &v); err != nil {
			return nil, fmt.Errorf("unmarshal digest preferences: %w", err)
		}
		out[strings.TrimPrefix(str(it, "pk"), "STAFF#")] = v
	}
	return out, nil
}

// PrefsOf returns one staff member's preferences (the zero value when they
// never chose).
func (s *Store) PrefsOf(ctx context.Context, email string) (digest.Prefs, error) {
	p, err := s.Prefs(ctx, []string{email})
	if err != nil {
		return digest.Prefs{}, err
	}
	return p[strings.ToLower(strings.TrimSpace(email))], nil
}

// PutPrefs writes a staff member's preferences.
func (s *Store) PutPrefs(ctx context.Context, email string, p digest.Prefs) error {
	return s.put(ctx, staffPK(email), prefsSK, "staff_prefs", p, "digest preferences")
}

// Sent returns the claims among cs that were sent.
func (s *Store) Sent(ctx context.Context, cs []digest.Claim) (map[digest.Claim]bool, error) {
	keys := make([]map[string]types.AttributeValue, len(cs))
	bySK := map[string]digest.Claim{}
	for i, c := range cs {
		keys[i] = claimKey(c)
		bySK[str(keys[i], "pk")+"|"+str(keys[i], "sk")] = c
	}
	items, err := s.batchGet(ctx, keys, "digest claims")
	if err != nil {
		return nil, err
	}
	out := map[digest.Claim]bool{}
	for _, it := range items {
		if str(it, "status") == "sent" {
			out[bySK[str(it, "pk")+"|"+str(it, "sk")]] = true
		}
	}
	return out, nil
}

// Claim takes a claim until now+lease: it is written, or updated, only if
// it is not sent and no other run holds an unexpired lease on it;
// otherwise the error is fault.Conflict.
func (s *Store) Claim(ctx context.Context, c digest.Claim, now time.Time, lease time.Duration) error {
	_, err := s.t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Name, Key: claimKey(c),
		UpdateExpression:         aws.String("SET #s = :claimed, leaseUntil = :until, kind = :kind, expiresAt = :exp ADD attempts :one"),
		ConditionExpression:      aws.String("attribute_not_exists(pk) OR (#s <> :sent AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now))"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":claimed": &types.AttributeValueMemberS{Value: "claimed"},
			":sent":    &types.AttributeValueMemberS{Value: "sent"},
			":until":   &types.AttributeValueMemberS{Value: dynamo.Stamp(now.Add(lease))},
			":now":     &types.AttributeValueMemberS{Value: dynamo.Stamp(now)},
			":kind":    &types.AttributeValueMemberS{Value: "digest_claim"},
			":exp":     &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(ClaimTTL).Unix(), 10)},
			":one":     &types.AttributeValueMemberN{Value: "1"},
		},
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return &fault.Error{Code: fault.Conflict, Message: "The digest is sent or being sent.", Err: fmt.Errorf("claim %s digest %s %s: %w", c.Kind, c.Scope, c.Period, err)}
	}
	if err != nil {
		return dynamo.Unavailable("claim "+c.Kind+" digest "+c.Scope+" "+c.Period, err)
	}
	return nil
}

// MarkSent records that a claimed e-mail went out.
func (s *Store) MarkSent(ctx context.Context, c digest.Claim, messageID string, at time.Time) error {
	_, err := s.t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Name, Key: claimKey(c),
		UpdateExpression:         aws.String("SET #s = :sent, messageId = :id, sentAt = :at REMOVE leaseUntil"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":sent": &types.AttributeValueMemberS{Value: "sent"},
			":id":   &types.AttributeValueMemberS{Value: messageID},
			":at":   &types.AttributeValueMemberS{Value: dynamo.Stamp(at)},
		},
	})
	if err != nil {
		return dynamo.Unavailable("mark "+c.Kind+" digest "+c.Scope+" "+c.Period+" sent", err)
	}
	return nil
}

// Release gives a claim back after a failed send, so the next run may try
// at once; a sent claim stays sent.
func (s *Store) Release(ctx context.Context, c digest.Claim) error {
	_, err := s.t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Name, Key: claimKey(c),
		UpdateExpression:         aws.String("SET #s = :pending REMOVE leaseUntil"),
		ConditionExpression:      aws.String("#s = :claimed"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pending": &types.AttributeValueMemberS{Value: "pending"},
			":claimed": &types.AttributeValueMemberS{Value: "claimed"},
		},
	})
	var failed *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &failed) {
		return dynamo.Unavailable("release "+c.Kind+" digest "+c.Scope+" "+c.Period, err)
	}
	return nil
}
