package greetstore

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

// hashedSuppressPK keeps an erased diner's suppression or opt-out: only
// the keyed hash of the address (privacy.Service), which ClaimSend checks
// beside the plain list.
func hashedSuppressPK(emailHash string) string { return "SUPPRESS#H#" + emailHash }

// DinerGreetings returns a diner's consent log (oldest first) and the
// greetings sent to them: Query pk = DINER#…, begins_with(sk, "CONSENT#"),
// and Query pk = SEND#<brandId>#<dinerKey>.
func (gs *Greetings) DinerGreetings(ctx context.Context, brandID, dinerKey string) ([]privacy.ConsentEvent, []privacy.SendRecord, error) {
	type consentItem struct {
		SK      string        `dynamodbav:"sk"`
		Event   string        `dynamodbav:"event"`
		Consent diner.Consent `dynamodbav:"consent"`
	}
	log, err := dynamo.QueryAll[consentItem](ctx, gs.t, &dynamodb.QueryInput{
		TableName: &gs.t.Name, KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :c)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: dynamo.DinerPK(brandID, dinerKey)}, ":c": &types.AttributeValueMemberS{Value: "CONSENT#"},
		},
	}, "a diner's consent log")
	if err != nil {
		return nil, nil, err
	}
	events := make([]privacy.ConsentEvent, 0, len(log))
	for _, it := range log {
		events = append(events, privacy.ConsentEvent{At: it.Consent.At, Attribute: it.Event, Consent: it.Consent})
	}
	sends, err := gs.sends(ctx, sendPK(brandID, dinerKey))
	if err != nil {
		return nil, nil, err
	}
	out := make([]privacy.SendRecord, 0, len(sends))
	for _, s := range sends {
		var r privacy.SendRecord
		if err := attributevalue.UnmarshalMap(s, &r); err != nil {
			return nil, nil, fmt.Errorf("unmarshal send record: %w", err)
		}
		r.Occasion = s["sk"].(*types.AttributeValueMemberS).Value
		out = append(out, r)
	}
	return events, out, nil
}

func (gs *Greetings) sends(ctx context.Context, pk string) ([]map[string]types.AttributeValue, error) {
	return dynamo.PartitionItems(ctx, gs.t, pk, "", "a diner's send records")
}

// EraseGreetings keeps what greetings must still know of an erased diner,
// without their address or key: each send record is copied to
// SEND#<brandId>#h:<subjectHash> (status, campaign, times — its index keys,
// which name the diner, are left out) and the original deleted; a
// suppression of the address (or, with optOut, the diner's withdrawal) is
// kept as SUPPRESS#H#<emailHash> and the plain one deleted. Each copy is a
// plain Put of the same content, so a rerun rewrites what it wrote and
// finds nothing left to move.
func (gs *Greetings) EraseGreetings(ctx context.Context, brandID, dinerKey, subjectHash, email, emailHash string, optOut bool) (int, error) {
	sends, err := gs.sends(ctx, sendPK(brandID, dinerKey))
	if err != nil {
		return 0, err
	}
	moved := make([]map[string]types.AttributeValue, 0, len(sends))
	old := make([]map[string]types.AttributeValue, 0, len(sends))
	for _, s := range sends {
		c := map[string]types.AttributeValue{}
		for k, v := range s {
			switch k {
			case "gsi1pk", "gsi1sk":
			default:
				c[k] = v
			}
		}
		c["pk"] = &types.AttributeValueMemberS{Value: sendPK(brandID, "h:"+subjectHash)}
		moved = append(moved, c)
		old = append(old, dynamo.Key(sendPK(brandID, dinerKey), s["sk"].(*types.AttributeValueMemberS).Value))
	}
	if err := dynamo.BatchPut(ctx, gs.t, moved, "keep an erased diner's send records"); err != nil {
		return 0, err
	}
	if err := dynamo.BatchDelete(ctx, gs.t, old, "delete an erased diner's send records"); err != nil {
		return 0, err
	}
	if email == "" || emailHash == "" {
		return len(moved), nil
	}
	suppressed, err := gs.Suppressed(ctx, email)
	if err != nil {
		return 0, err
	}
	if suppressed || optOut {
		reason := "withdrawn"
		if suppressed {
			reason = "suppressed"
		}
		if _, err := gs.t.API.PutItem(ctx, &dynamodb.PutItemInput{TableName: &gs.t.Name, Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: hashedSuppressPK(emailHash)}, "sk": &types.AttributeValueMemberS{Value: "SUPPRESS"},
			"kind": &types.AttributeValueMemberS{Value: "suppression"}, "reason": &types.AttributeValueMemberS{Value: reason},
		}}); err != nil {
			return 0, dynamo.Unavailable("keep an erased diner's opt-out", err)
		}
	}
	if suppressed {
		if err := dynamo.BatchDelete(ctx, gs.t, []map[string]types.AttributeValue{dynamo.Key(suppressPK(email), "SUPPRESS")}, "delete a plain suppression"); err != nil {
			return 0, err
		}
	}
	return len(moved), nil
}

// ExpireOptIn drops an opt-in still unconfirmed since before cutoff: the
// profile loses the consent and its confirmation e-mail's state (the
// ConsentFunction then takes it out of the greeting indexes), and the
// pending marker goes. The profile is written only if it is still the one
// read (updatedAt) and its consent is the one that expired; a profile
// confirmed, withdrawn or ticked again since only loses the marker (a new
// tick wrote a new one). It reports whether an opt-in was dropped.
func (gs *Greetings) ExpireOptIn(ctx context.Context, p diner.Profile, doubleOptIn bool, cutoff, now time.Time) (bool, error) {
	expired := p.Marketing(doubleOptIn) == diner.MarketingPending && p.MarketingConsent != nil && !p.MarketingConsent.At.After(cutoff)
	if expired {
		upd := expression.Remove(expression.Name("marketingConsentGiven")).Remove(expression.Name("optInMailFor")).
			Remove(expression.Name("optInMailAt")).Remove(expression.Name("optInLease")).
			Set(expression.Name("updatedAt"), expression.Value(now.UTC().Format(time.RFC3339Nano)))
		expr, err := expression.NewBuilder().WithUpdate(upd).WithCondition(sameVersion(p)).Build()
		if err != nil {
			return false, fmt.Errorf("build opt-in expiry: %w", err)
		}
		err = dynamo.UpdateWith(ctx, gs.t, dynamo.Key(dynamo.DinerPK(p.BrandID, p.Key), "PROFILE"), expr)
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return false, nil // changed since read: the next run looks again
		}
		if err != nil {
			return false, dynamo.Unavailable("expire an opt-in", err)
		}
	}
	// The marker goes unless a newer tick replaced it.
	cond := expression.Name("consentAt").LessThanEqual(expression.Value(dynamo.Stamp(cutoff)))
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return false, fmt.Errorf("build opt-in marker delete: %w", err)
	}
	_, err = gs.t.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Delete: &types.Delete{
		TableName: &gs.t.Name, Key: dynamo.Key(dynamo.DinerPK(p.BrandID, p.Key), "OPTIN"),
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}}}})
	var cancelled *types.TransactionCanceledException
	if err != nil && !errors.As(err, &cancelled) {
		return false, dynamo.Unavailable("delete an opt-in marker", err)
	}
	return expired, nil
}
