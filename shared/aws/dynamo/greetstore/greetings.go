package greetstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/aws/dynamo"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/greeting"
)

// activeCampaigns is the sparse dynamo.GSI2 partition of campaigns the planner
// looks at (scheduled or sending). There are few at any time.
const activeCampaigns = "CAMPAIGNS#ACTIVE"

func campaignPK(id string) string        { return "CAMPAIGN#" + id }
func brandCampaigns(brand string) string { return "BRAND#" + brand + "#CAMPAIGNS" }

type campaignItem struct {
	dynamo.Keys
	greeting.Campaign
}

func newCampaignItem(c greeting.Campaign) campaignItem {
	it := campaignItem{dynamo.Keys{
		PK: campaignPK(c.ID), SK: "CAMPAIGN", Kind: "campaign",
		GSI1PK: brandCampaigns(c.BrandID), GSI1SK: dynamo.Stamp(c.CreatedAt) + "#" + c.ID,
	}, c}
	if c.Status.Active() {
		it.GSI2PK, it.GSI2SK = activeCampaigns, c.ID
	}
	return it
}

// SaveCampaign writes a campaign: a new one only if its id is free, an
// existing one only if its version is still the one read (then it is
// incremented). Results are not written here — counters are added in place
// by the sender and the feedback handler, so an edit never loses a count.
func (gs *Greetings) SaveCampaign(ctx context.Context, c greeting.Campaign, created bool) (greeting.Campaign, error) {
	read := c.Version
	c.Version++
	item, err := attributevalue.MarshalMap(newCampaignItem(c))
	if err != nil {
		return c, fmt.Errorf("marshal campaign %s: %w", c.ID, err)
	}
	if created {
		_, err = gs.t.API.PutItem(ctx, &dynamodb.PutItemInput{TableName: &gs.t.Name, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")})
	} else {
		delete(item, "results")
		delete(item, "pk")
		delete(item, "sk")
		upd := expression.UpdateBuilder{}
		for k, v := range item {
			upd = upd.Set(expression.Name(k), expression.Value(v))
		}
		// Every omitempty attribute an edit may clear.
		for _, k := range []string{"gsi2pk", "gsi2sk", "approvedBy", "approvedAt", "submittedBy", "submittedAt", "notifiedAt", "customDate", "customNames", "sendHours", "couponPrefix", "year"} {
			if _, ok := item[k]; !ok {
				upd = upd.Remove(expression.Name(k))
			}
		}
		var expr expression.Expression
		expr, err = expression.NewBuilder().WithUpdate(upd).WithCondition(expression.Name("version").Equal(expression.Value(read))).Build()
		if err != nil {
			return c, fmt.Errorf("build campaign update: %w", err)
		}
		_, err = gs.t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &gs.t.Name, Key: dynamo.Key(campaignPK(c.ID), "CAMPAIGN"),
			UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		})
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return c, fault.New(fault.Conflict, "The campaign changed meanwhile; reload it.")
	}
	if err != nil {
		return c, dynamo.Unavailable("save campaign "+c.ID, err)
	}
	return c, nil
}

// Campaign returns a campaign, or a fault.NotFound error.
func (gs *Greetings) Campaign(ctx context.Context, id string) (greeting.Campaign, error) {
	if id == "" || len(id) > 64 {
		return greeting.Campaign{}, fault.New(fault.NotFound, "There is no campaign %q.", id)
	}
	return dynamo.Get[greeting.Campaign](ctx, gs.t, campaignPK(id), "CAMPAIGN", "campaign "+id)
}

// Campaigns returns a brand's campaigns, newest first.
func (gs *Greetings) Campaigns(ctx context.Context, brandID string) ([]greeting.Campaign, error) {
	return dynamo.QueryAll[greeting.Campaign](ctx, gs.t, &dynamodb.QueryInput{
		TableName: &gs.t.Name, IndexName: aws.String(dynamo.GSI1),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: brandCampaigns(brandID)}},
		ScanIndexForward:          aws.Bool(false),
	}, "campaigns of brand "+brandID)
}

// ActiveCampaigns returns the campaigns the planner looks at.
func (gs *Greetings) ActiveCampaigns(ctx context.Context) ([]greeting.Campaign, error) {
	return dynamo.QueryAll[greeting.Campaign](ctx, gs.t, &dynamodb.QueryInput{
		TableName: &gs.t.Name, IndexName: aws.String(dynamo.GSI2),
		KeyConditionExpression:    aws.String("gsi2pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: activeCampaigns}},
	}, "active campaigns")
}

// greetKeys are the index keys a diner's profile carries for greetings:
// only a confirmed diner is in either index. dynamo.GSI2 holds them by birthday
// (BDAY#brand#MM-DD, sorted by home store), dynamo.GSI3 by home store (MKT#brand#
// store) — so a planner reads exactly the diners a store-day is due.
func greetKeys(p diner.Profile, state diner.MarketingState) (bdayPK, bdaySK, mktPK, mktSK string) {
	if state != diner.MarketingConfirmed || p.Email == "" || p.LastStoreID == "" {
		return "", "", "", ""
	}
	if md := p.BirthdayMonthDay(); md != "" {
		bdayPK, bdaySK = "BDAY#"+p.BrandID+"#"+md, p.LastStoreID+"#"+p.Key
	}
	return bdayPK, bdaySK, "MKT#" + p.BrandID + "#" + p.LastStoreID, p.Key
}

// setGreetKeys adds the state and its index keys to an update.
func setGreetKeys(upd expression.UpdateBuilder, p diner.Profile, state diner.MarketingState) expression.UpdateBuilder {
	b, bs, m, ms := greetKeys(p, state)
	for name, v := range map[string]string{"marketingState": string(state), "gsi2pk": b, "gsi2sk": bs, "gsi3pk": m, "gsi3sk": ms} {
		if v == "" {
			upd = upd.Remove(expression.Name(name))
		} else {
			upd = upd.Set(expression.Name(name), expression.Value(v))
		}
	}
	return upd
}

// sameVersion is the condition that the profile is still the one read.
func sameVersion(p diner.Profile) expression.ConditionBuilder {
	if p.UpdatedAt.IsZero() {
		return expression.AttributeNotExists(expression.Name("updatedAt"))
	}
	return expression.Name("updatedAt").Equal(expression.Value(p.UpdatedAt.UTC().Format(time.RFC3339Nano)))
}

// SyncMarketing writes a diner's marketing state and index keys when they
// differ from what is stored and the profile is unchanged since read. Both
// tests are in the write's condition, so a profile already in step costs
// one failed conditional write and, having changed nothing, no stream
// record (the stream consumer does not feed itself).
func (gs *Greetings) SyncMarketing(ctx context.Context, p diner.Profile, state diner.MarketingState) (bool, error) {
	b, bs, m, ms := greetKeys(p, state)
	inStep := expression.ConditionBuilder{}
	first := true
	for name, v := range map[string]string{"marketingState": string(state), "gsi2pk": b, "gsi2sk": bs, "gsi3pk": m, "gsi3sk": ms} {
		c := expression.AttributeNotExists(expression.Name(name))
		if v != "" {
			c = expression.Name(name).Equal(expression.Value(v))
		}
		if first {
			inStep, first = c, false
		} else {
			inStep = inStep.And(c)
		}
	}
	expr, err := expression.NewBuilder().
		WithUpdate(setGreetKeys(expression.UpdateBuilder{}, p, state)).
		WithCondition(sameVersion(p).And(expression.Not(inStep))).Build()
	if err != nil {
		return false, fmt.Errorf("build marketing sync: %w", err)
	}
	_, err = gs.t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &gs.t.Name, Key: dynamo.Key(dynamo.DinerPK(p.BrandID, p.Key), "PROFILE"),
		UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, nil
	}
	if err != nil {
		return false, dynamo.Unavailable("sync marketing state", err)
	}
	return true, nil
}

// SetMarketing records a confirmation or withdrawal (which names the
// attribute) with its state and index keys, and a consent log entry beside
// the profile, in one transaction; a withdrawal through a campaign's link
// is counted on it. fault.Conflict when the profile changed since read.
func (gs *Greetings) SetMarketing(ctx context.Context, p diner.Profile, which string, c diner.Consent, state diner.MarketingState, campaignID string) error {
	cav, err := attributevalue.MarshalMap(c)
	if err != nil {
		return fmt.Errorf("marshal consent: %w", err)
	}
	upd := setGreetKeys(expression.Set(expression.Name(which), expression.Value(&types.AttributeValueMemberM{Value: cav})).
		Set(expression.Name("updatedAt"), expression.Value(c.At.UTC().Format(time.RFC3339Nano))), p, state)
	expr, err := expression.NewBuilder().WithUpdate(upd).WithCondition(sameVersion(p)).Build()
	if err != nil {
		return fmt.Errorf("build consent update: %w", err)
	}
	logItem := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: dynamo.DinerPK(p.BrandID, p.Key)}, "sk": &types.AttributeValueMemberS{Value: "CONSENT#" + dynamo.Stamp(c.At) + "#" + which},
		"kind": &types.AttributeValueMemberS{Value: "consent_event"}, "event": &types.AttributeValueMemberS{Value: which},
		"consent": &types.AttributeValueMemberM{Value: cav}, "state": &types.AttributeValueMemberS{Value: string(state)},
	}
	tx := []types.TransactWriteItem{
		{Update: &types.Update{TableName: &gs.t.Name, Key: dynamo.Key(dynamo.DinerPK(p.BrandID, p.Key), "PROFILE"),
			UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()}},
		{Put: &types.Put{TableName: &gs.t.Name, Item: logItem}},
	}
	if campaignID != "" && state == diner.MarketingWithdrawn {
		tx = append(tx, campaignCount(gs.t.Name, campaignID, "unsubscribed", 1))
	}
	_, err = gs.t.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cancelled) {
		if len(cancelled.CancellationReasons) > 2 && aws.ToString(cancelled.CancellationReasons[2].Code) == "ConditionalCheckFailed" {
			// The campaign is gone: record the withdrawal without counting.
			return gs.SetMarketing(ctx, p, which, c, state, "")
		}
		return fault.New(fault.Conflict, "The diner changed meanwhile.")
	}
	if err != nil {
		return dynamo.Unavailable("record consent", err)
	}
	return nil
}

// campaignCount adds n to one of a campaign's results, if it exists.
func campaignCount(table, campaignID, field string, n int) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName: &table, Key: dynamo.Key(campaignPK(campaignID), "CAMPAIGN"),
		UpdateExpression:          aws.String("ADD results.#f :n"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeNames:  map[string]string{"#f": field},
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": &types.AttributeValueMemberN{Value: strconv.Itoa(n)}},
	}}
}

// CountSkipped adds n to a campaign's skipped count.
func (gs *Greetings) CountSkipped(ctx context.Context, campaignID string, n int) error {
	return gs.addToCampaign(ctx, campaignID, "skipped", n)
}

func (gs *Greetings) addToCampaign(ctx context.Context, campaignID, field string, n int) error {
	u := campaignCount(gs.t.Name, campaignID, field, n).Update
	_, err := gs.t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression, ConditionExpression: u.ConditionExpression,
		ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return dynamo.Unavailable("count "+field+" on campaign "+campaignID, err)
	}
	return nil
}

// ClaimOptInMail claims the confirmation e-mail of the profile's consent
// for lease: only if the stored profile is still the one read — the same
// updatedAt (no card, confirmation or withdrawal since) and the same last
// confirmation e-mail (optInMailFor, optInMailAt: none sent since) — and no
// other claim runs (optInLease absent or past). Whether an e-mail is due
// was decided on that profile (diner.Profile.NeedsOptInMail); the
// condition makes the decision hold at the write. fault.Conflict otherwise.
//
// One pending confirmation per address, too: a diner known under two keys
// (a card with a phone number, another with the e-mail address alone) is
// two profiles with one address. When another profile of the brand with
// the same address has a confirmation e-mail awaiting an answer or being
// sent, there is no claim (fault.Conflict); else the claim is written in
// one transaction with a check that each such profile is still without an
// e-mail since it was read and without a claim — so of two profiles
// claiming at once, one wins.
func (gs *Greetings) ClaimOptInMail(ctx context.Context, p diner.Profile, now time.Time, lease time.Duration) error {
	others, err := gs.sameAddress(ctx, p)
	if err != nil {
		return err
	}
	var checks []types.TransactWriteItem
	for _, o := range others {
		if o.profile.OptInMailAwaitsAnswer(now, greeting.ConfirmTTL) || o.lease.After(now) {
			return fault.New(fault.Conflict, "A confirmation e-mail to this address awaits an answer.")
		}
		expr, err := expression.NewBuilder().WithCondition(expression.Name("pk").AttributeExists().
			And(sameStamp("optInMailAt", o.profile.OptInMailAt)).And(noLease(now))).Build()
		if err != nil {
			return fmt.Errorf("build confirmation e-mail claim check: %w", err)
		}
		checks = append(checks, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: &gs.t.Name, Key: dynamo.Key(dynamo.DinerPK(o.profile.BrandID, o.profile.Key), "PROFILE"),
			ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		}})
	}
	cond := expression.Name("pk").AttributeExists().And(sameVersion(p)).
		And(sameStamp("optInMailFor", p.OptInMailFor)).And(sameStamp("optInMailAt", p.OptInMailAt)).And(noLease(now))
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("optInLease"), expression.Value(dynamo.Stamp(now.Add(lease))))).
		WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("build confirmation e-mail claim: %w", err)
	}
	claim := types.TransactWriteItem{Update: &types.Update{
		TableName: &gs.t.Name, Key: dynamo.Key(dynamo.DinerPK(p.BrandID, p.Key), "PROFILE"),
		UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}}
	_, err = gs.t.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: append([]types.TransactWriteItem{claim}, checks...)})
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cancelled) {
		return fault.New(fault.Conflict, "The confirmation e-mail is sent or being sent, or the diner changed meanwhile.")
	}
	if err != nil {
		return dynamo.Unavailable("claim confirmation e-mail", err)
	}
	return nil
}

// noLease is the condition that no confirmation e-mail claim runs at now.
func noLease(now time.Time) expression.ConditionBuilder {
	return expression.Or(expression.AttributeNotExists(expression.Name("optInLease")), expression.Name("optInLease").LessThan(expression.Value(dynamo.Stamp(now))))
}

// SameAddress returns the brand's other profiles with p's e-mail address
// (a diner known under two keys), read consistently.
func (gs *Greetings) SameAddress(ctx context.Context, p diner.Profile) ([]diner.Profile, error) {
	others, err := gs.sameAddress(ctx, p)
	out := make([]diner.Profile, 0, len(others))
	for _, o := range others {
		out = append(out, o.profile)
	}
	return out, err
}

// addressProfile is a profile with its confirmation e-mail claim (zero
// when none).
type addressProfile struct {
	profile diner.Profile
	lease   time.Time
}

// sameAddress reads, consistently, the brand's other profiles with p's
// e-mail address (found through dynamo.GSI1, EMAIL#brand#address).
func (gs *Greetings) sameAddress(ctx context.Context, p diner.Profile) ([]addressProfile, error) {
	if p.Email == "" {
		return nil, nil
	}
	out, err := gs.t.API.Query(ctx, &dynamodb.QueryInput{
		TableName: &gs.t.Name, IndexName: aws.String(dynamo.GSI1),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "EMAIL#" + p.BrandID + "#" + p.Email}},
		ProjectionExpression:      aws.String("pk, sk"),
	})
	if err != nil {
		return nil, dynamo.Unavailable("find the profiles of an address", err)
	}
	self := dynamo.DinerPK(p.BrandID, p.Key)
	var others []addressProfile
	for _, k := range out.Items {
		pk, _ := k["pk"].(*types.AttributeValueMemberS)
		sk, _ := k["sk"].(*types.AttributeValueMemberS)
		if pk == nil || sk == nil || pk.Value == self || sk.Value != "PROFILE" {
			continue
		}
		got, err := gs.t.API.GetItem(ctx, &dynamodb.GetItemInput{TableName: &gs.t.Name, Key: dynamo.Key(pk.Value, "PROFILE"), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return nil, dynamo.Unavailable("read a profile of the same address", err)
		}
		if got.Item == nil {
			continue // erased since the index was written
		}
		var o struct {
			diner.Profile
			Lease string `dynamodbav:"optInLease"`
		}
		if err := attributevalue.UnmarshalMap(got.Item, &o); err != nil {
			return nil, fmt.Errorf("unmarshal diner: %w", err)
		}
		ap := addressProfile{profile: o.Profile}
		if o.Lease != "" {
			if ap.lease, err = time.Parse(time.RFC3339Nano, o.Lease); err != nil {
				return nil, fmt.Errorf("read a confirmation e-mail claim: %w", err)
			}
		}
		others = append(others, ap)
	}
	return others, nil
}

// sameStamp is the condition that a time attribute (written with
// dynamo.Stamp) is still the one read, or still absent.
func sameStamp(name string, read *time.Time) expression.ConditionBuilder {
	if read == nil {
		return expression.AttributeNotExists(expression.Name(name))
	}
	return expression.Name(name).Equal(expression.Value(dynamo.Stamp(*read)))
}

// OptInMailSent records the confirmation e-mail of the profile's consent
// sent at at, and ends the claim.
func (gs *Greetings) OptInMailSent(ctx context.Context, p diner.Profile, at time.Time) error {
	_, err := gs.t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &gs.t.Name, Key: dynamo.Key(dynamo.DinerPK(p.BrandID, p.Key), "PROFILE"),
		UpdateExpression: aws.String("SET optInMailFor = :given, optInMailAt = :at REMOVE optInLease"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":given": &types.AttributeValueMemberS{Value: dynamo.Stamp(p.MarketingConsent.At)},
			":at":    &types.AttributeValueMemberS{Value: dynamo.Stamp(at)},
		},
	})
	if err != nil {
		return dynamo.Unavailable("mark confirmation e-mail sent", err)
	}
	return nil
}

// ReleaseOptInMail gives up a claim whose e-mail was not sent.
func (gs *Greetings) ReleaseOptInMail(ctx context.Context, p diner.Profile) error {
	_, err := gs.t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &gs.t.Name, Key: dynamo.Key(dynamo.DinerPK(p.BrandID, p.Key), "PROFILE"),
		UpdateExpression: aws.String("REMOVE optInLease"),
	})
	if err != nil {
		return dynamo.Unavailable("release confirmation e-mail", err)
	}
	return nil
}

// DueDiners pages through the greetable diners of a store: by birthday
// through dynamo.GSI2 (BDAY#brand#MM-DD, sort key prefix store#) or all of them
// through dynamo.GSI3 (MKT#brand#store). Items read are the items returned.
func (gs *Greetings) DueDiners(ctx context.Context, q greeting.DueQuery, fn func([]diner.Profile) error) (int, error) {
	var inputs []*dynamodb.QueryInput
	for _, md := range q.BirthdayKeys {
		inputs = append(inputs, &dynamodb.QueryInput{
			TableName: &gs.t.Name, IndexName: aws.String(dynamo.GSI2),
			KeyConditionExpression: aws.String("gsi2pk = :p AND begins_with(gsi2sk, :s)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":p": &types.AttributeValueMemberS{Value: "BDAY#" + q.BrandID + "#" + md},
				":s": &types.AttributeValueMemberS{Value: q.StoreID + "#"},
			},
		})
	}
	if len(q.BirthdayKeys) == 0 {
		inputs = append(inputs, &dynamodb.QueryInput{
			TableName: &gs.t.Name, IndexName: aws.String(dynamo.GSI3),
			KeyConditionExpression:    aws.String("gsi3pk = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "MKT#" + q.BrandID + "#" + q.StoreID}},
		})
	}
	read := 0
	for _, in := range inputs {
		p := dynamodb.NewQueryPaginator(gs.t.API, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return read, dynamo.Unavailable("query due diners", err)
			}
			read += len(page.Items)
			var ds []diner.Profile
			if err := attributevalue.UnmarshalListOfMaps(page.Items, &ds); err != nil {
				return read, fmt.Errorf("unmarshal due diners: %w", err)
			}
			if err := fn(ds); err != nil {
				return read, err
			}
		}
	}
	return read, nil
}

func planPK(k greeting.PlanKey) string { return "PLAN#" + k.CampaignID }
func planSK(k greeting.PlanKey) string { return k.StoreID + "#" + k.Date }

// StartPlan claims a store-day of a campaign unless it is finished.
func (gs *Greetings) StartPlan(ctx context.Context, k greeting.PlanKey, now time.Time) (bool, error) {
	_, err := gs.t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &gs.t.Name, Key: dynamo.Key(planPK(k), planSK(k)),
		UpdateExpression:         aws.String("SET #k = :kind, #s = :planning, startedAt = :now, expiresAt = :exp ADD runs :one"),
		ConditionExpression:      aws.String("attribute_not_exists(pk) OR #s = :planning"),
		ExpressionAttributeNames: map[string]string{"#k": "kind", "#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":kind": &types.AttributeValueMemberS{Value: "plan"}, ":planning": &types.AttributeValueMemberS{Value: "planning"},
			":now": &types.AttributeValueMemberS{Value: dynamo.Stamp(now)}, ":one": &types.AttributeValueMemberN{Value: "1"},
			":exp": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(400*24*time.Hour).Unix(), 10)},
		},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, nil
	}
	if err != nil {
		return false, dynamo.Unavailable("start plan", err)
	}
	return true, nil
}

// FinishPlan marks a store-day planned, counts the diners queued on the
// campaign and moves a scheduled holiday campaign on to sending, in one
// transaction (so the count is added once).
func (gs *Greetings) FinishPlan(ctx context.Context, k greeting.PlanKey, planned int, now time.Time) error {
	tx := []types.TransactWriteItem{
		{Update: &types.Update{TableName: &gs.t.Name, Key: dynamo.Key(planPK(k), planSK(k)),
			UpdateExpression:         aws.String("SET #s = :planned, finishedAt = :now, planned = :n"),
			ConditionExpression:      aws.String("#s = :planning"),
			ExpressionAttributeNames: map[string]string{"#s": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":planned": &types.AttributeValueMemberS{Value: "planned"}, ":planning": &types.AttributeValueMemberS{Value: "planning"},
				":now": &types.AttributeValueMemberS{Value: dynamo.Stamp(now)}, ":n": &types.AttributeValueMemberN{Value: strconv.Itoa(planned)},
			}}},
		{Update: &types.Update{TableName: &gs.t.Name, Key: dynamo.Key(campaignPK(k.CampaignID), "CAMPAIGN"),
			UpdateExpression:          aws.String("ADD results.planned :n"),
			ConditionExpression:       aws.String("attribute_exists(pk)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":n": &types.AttributeValueMemberN{Value: strconv.Itoa(planned)}},
		}},
	}
	_, err := gs.t.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cancelled) {
		return nil // finished by a concurrent run, or the campaign is gone
	}
	if err != nil {
		return dynamo.Unavailable("finish plan", err)
	}
	return gs.markSending(ctx, k.CampaignID)
}

// markSending moves a scheduled holiday campaign to sending.
func (gs *Greetings) markSending(ctx context.Context, id string) error {
	_, err := gs.t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &gs.t.Name, Key: dynamo.Key(campaignPK(id), "CAMPAIGN"),
		UpdateExpression:         aws.String("SET #s = :sending ADD version :one"),
		ConditionExpression:      aws.String("#s = :scheduled AND occasion <> :birthday"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":sending": &types.AttributeValueMemberS{Value: string(greeting.Sending)}, ":scheduled": &types.AttributeValueMemberS{Value: string(greeting.Scheduled)},
			":birthday": &types.AttributeValueMemberS{Value: greeting.BirthdayID}, ":one": &types.AttributeValueMemberN{Value: "1"},
		},
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return dynamo.Unavailable("mark campaign sending", err)
	}
	return nil
}

// FinishCampaign marks a holiday campaign done and takes it out of the
// planner's index.
func (gs *Greetings) FinishCampaign(ctx context.Context, id string, now time.Time) error {
	_, err := gs.t.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &gs.t.Name, Key: dynamo.Key(campaignPK(id), "CAMPAIGN"),
		UpdateExpression:         aws.String("SET #s = :done, updatedAt = :now REMOVE gsi2pk, gsi2sk ADD version :one"),
		ConditionExpression:      aws.String("#s IN (:scheduled, :sending)"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":done": &types.AttributeValueMemberS{Value: string(greeting.Done)}, ":now": &types.AttributeValueMemberS{Value: now.UTC().Format(time.RFC3339Nano)},
			":scheduled": &types.AttributeValueMemberS{Value: string(greeting.Scheduled)}, ":sending": &types.AttributeValueMemberS{Value: string(greeting.Sending)},
			":one": &types.AttributeValueMemberN{Value: "1"},
		},
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return dynamo.Unavailable("finish campaign "+id, err)
	}
	return nil
}

func sendPK(brandID, dinerKey string) string { return "SEND#" + brandID + "#" + dinerKey }
func sendSK(in greeting.Intent) string       { return in.Occasion + "#" + strconv.Itoa(in.Year) }
func capKey(in greeting.Intent) map[string]types.AttributeValue {
	return dynamo.Key(dynamo.DinerPK(in.BrandID, in.DinerKey), "MKTCAP")
}
func suppressPK(email string) string { return "SUPPRESS#" + strings.ToLower(email) }

// ClaimSend records the intent to greet, in one transaction with every
// check that must hold at that instant (docs/data-model.md, "Greetings"):
//
//  0. no send record for the diner, occasion and year (never twice);
//  1. the profile's marketing state is confirmed and no case holds it;
//  2. the frequency cap: no marketing e-mail since CapSince;
//  3. the address is not suppressed.
//
// When the transaction is cancelled the reasons say which check failed.
func (gs *Greetings) ClaimSend(ctx context.Context, in greeting.Intent) (greeting.Outcome, error) {
	rec := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: sendPK(in.BrandID, in.DinerKey)}, "sk": &types.AttributeValueMemberS{Value: sendSK(in)},
		"kind": &types.AttributeValueMemberS{Value: "send"}, "status": &types.AttributeValueMemberS{Value: "sending"},
		"campaignId": &types.AttributeValueMemberS{Value: in.CampaignID}, "attempt": &types.AttributeValueMemberS{Value: in.Attempt},
		"claimedAt": &types.AttributeValueMemberS{Value: dynamo.Stamp(in.At)},
		"gsi1pk":    &types.AttributeValueMemberS{Value: "CAMPAIGN#" + in.CampaignID + "#SENDS"}, "gsi1sk": &types.AttributeValueMemberS{Value: in.DinerKey},
	}
	now := &types.AttributeValueMemberS{Value: in.At.UTC().Format(time.RFC3339Nano)}
	tx := []types.TransactWriteItem{
		{Put: &types.Put{TableName: &gs.t.Name, Item: rec, ConditionExpression: aws.String("attribute_not_exists(pk)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		{ConditionCheck: &types.ConditionCheck{TableName: &gs.t.Name, Key: dynamo.Key(dynamo.DinerPK(in.BrandID, in.DinerKey), "PROFILE"),
			ConditionExpression:                 aws.String("marketingState = :confirmed AND attribute_not_exists(openCases) AND (attribute_not_exists(holdUntil) OR holdUntil < :now)"),
			ExpressionAttributeValues:           map[string]types.AttributeValue{":confirmed": &types.AttributeValueMemberS{Value: string(diner.MarketingConfirmed)}, ":now": now},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		{Update: &types.Update{TableName: &gs.t.Name, Key: capKey(in),
			UpdateExpression:    aws.String("SET prevAt = if_not_exists(lastAt, :zero), lastAt = :at, holder = :attempt, kind = :kind"),
			ConditionExpression: aws.String("attribute_not_exists(lastAt) OR lastAt < :since"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":zero": &types.AttributeValueMemberS{Value: "0"}, ":at": &types.AttributeValueMemberS{Value: dynamo.Stamp(in.At)},
				":attempt": &types.AttributeValueMemberS{Value: in.Attempt}, ":since": &types.AttributeValueMemberS{Value: dynamo.Stamp(in.CapSince)},
				":kind": &types.AttributeValueMemberS{Value: "marketing_cap"},
			}}},
		{ConditionCheck: &types.ConditionCheck{TableName: &gs.t.Name, Key: dynamo.Key(suppressPK(in.Email), "SUPPRESS"),
			ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}
	if in.EmailHash != "" { // 4: suppressed when erased (privacy.go)
		tx = append(tx, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &gs.t.Name,
			Key: dynamo.Key(hashedSuppressPK(in.EmailHash), "SUPPRESS"), ConditionExpression: aws.String("attribute_not_exists(pk)")}})
	}
	_, err := gs.t.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx, ClientRequestToken: aws.String(in.Attempt)})
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cancelled) {
		failed := func(i int) bool {
			return len(cancelled.CancellationReasons) > i && aws.ToString(cancelled.CancellationReasons[i].Code) == "ConditionalCheckFailed"
		}
		switch {
		case failed(0):
			// Our own claim, written by an earlier try of this call whose
			// answer was lost (the SDK retried it): still ours to send.
			if a, ok := cancelled.CancellationReasons[0].Item["attempt"].(*types.AttributeValueMemberS); ok && a.Value == in.Attempt {
				return greeting.Claimed, nil
			}
			return greeting.AlreadySent, nil
		case failed(3), failed(4):
			return greeting.Suppressed, nil
		case failed(1):
			var p diner.Profile
			if it := cancelled.CancellationReasons[1].Item; len(it) > 0 && attributevalue.UnmarshalMap(it, &p) == nil && p.MarketingStatus == diner.MarketingConfirmed {
				return greeting.OnHold, nil
			}
			return greeting.NoConsent, nil
		case failed(2):
			return greeting.FrequencyCap, nil
		}
		return "", dynamo.Unavailable("claim greeting", err)
	}
	if err != nil {
		return "", dynamo.Unavailable("claim greeting", err)
	}
	return greeting.Claimed, nil
}

// SettleSend marks a claimed greeting sent and counts it, once.
func (gs *Greetings) SettleSend(ctx context.Context, in greeting.Intent, messageID string) error {
	tx := []types.TransactWriteItem{
		{Update: &types.Update{TableName: &gs.t.Name, Key: dynamo.Key(sendPK(in.BrandID, in.DinerKey), sendSK(in)),
			UpdateExpression:         aws.String("SET #s = :sent, messageId = :id, sentAt = :at"),
			ConditionExpression:      aws.String("attempt = :attempt AND #s = :sending"),
			ExpressionAttributeNames: map[string]string{"#s": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":sent": &types.AttributeValueMemberS{Value: "sent"}, ":sending": &types.AttributeValueMemberS{Value: "sending"},
				":id": &types.AttributeValueMemberS{Value: messageID}, ":at": &types.AttributeValueMemberS{Value: dynamo.Stamp(in.At)},
				":attempt": &types.AttributeValueMemberS{Value: in.Attempt},
			}}},
		campaignCount(gs.t.Name, in.CampaignID, "sent", 1),
	}
	_, err := gs.t.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cancelled) {
		return nil // settled already, or the campaign is gone
	}
	if err != nil {
		return dynamo.Unavailable("settle greeting", err)
	}
	return nil
}

// ReleaseSend removes a claim SES did not take and gives the frequency cap
// back, so a later attempt may send.
func (gs *Greetings) ReleaseSend(ctx context.Context, in greeting.Intent) error {
	attempt := map[string]types.AttributeValue{":attempt": &types.AttributeValueMemberS{Value: in.Attempt}}
	tx := []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: &gs.t.Name, Key: dynamo.Key(sendPK(in.BrandID, in.DinerKey), sendSK(in)),
			ConditionExpression: aws.String("attempt = :attempt"), ExpressionAttributeValues: attempt}},
		{Update: &types.Update{TableName: &gs.t.Name, Key: capKey(in),
			UpdateExpression: aws.String("SET lastAt = prevAt REMOVE holder"), ConditionExpression: aws.String("holder = :attempt"),
			ExpressionAttributeValues: attempt}},
	}
	_, err := gs.t.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
	var cancelled *types.TransactionCanceledException
	if err != nil && !errors.As(err, &cancelled) {
		return dynamo.Unavailable("release greeting", err)
	}
	return nil
}

// FailSend keeps a claim SES refused for good (so it is not retried) and
// counts it.
func (gs *Greetings) FailSend(ctx context.Context, in greeting.Intent, reason string) error {
	tx := []types.TransactWriteItem{
		{Update: &types.Update{TableName: &gs.t.Name, Key: dynamo.Key(sendPK(in.BrandID, in.DinerKey), sendSK(in)),
			UpdateExpression:         aws.String("SET #s = :failed, reason = :r"),
			ConditionExpression:      aws.String("attempt = :attempt"),
			ExpressionAttributeNames: map[string]string{"#s": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":failed": &types.AttributeValueMemberS{Value: "failed"}, ":r": &types.AttributeValueMemberS{Value: reason},
				":attempt": &types.AttributeValueMemberS{Value: in.Attempt},
			}}},
		campaignCount(gs.t.Name, in.CampaignID, "failed", 1),
	}
	_, err := gs.t.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
	var cancelled *types.TransactionCanceledException
	if err != nil && !errors.As(err, &cancelled) {
		return dynamo.Unavailable("record failed greeting", err)
	}
	return nil
}

// Suppress adds an address to the suppression list (bounce, complaint).
func (gs *Greetings) Suppress(ctx context.Context, email, reason string, at time.Time) error {
	_, err := gs.t.API.PutItem(ctx, &dynamodb.PutItemInput{TableName: &gs.t.Name, Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: suppressPK(email)}, "sk": &types.AttributeValueMemberS{Value: "SUPPRESS"},
		"kind": &types.AttributeValueMemberS{Value: "suppression"}, "reason": &types.AttributeValueMemberS{Value: reason},
		"at": &types.AttributeValueMemberS{Value: at.UTC().Format(time.RFC3339)},
	}})
	if err != nil {
		return dynamo.Unavailable("suppress an address", err)
	}
	return nil
}

// Suppressed reports whether an address is on the suppression list.
func (gs *Greetings) Suppressed(ctx context.Context, email string) (bool, error) {
	out, err := gs.t.API.GetItem(ctx, &dynamodb.GetItemInput{TableName: &gs.t.Name, Key: dynamo.Key(suppressPK(email), "SUPPRESS")})
	if err != nil {
		return false, dynamo.Unavailable("read suppression", err)
	}
	return out.Item != nil, nil
}

// CountFeedback counts one SES event (delivery, bounce, complaint) on a
// campaign exactly once: a marker item keyed by the message and event type
// is written in the same transaction as the count.
func (gs *Greetings) CountFeedback(ctx context.Context, messageID, event, campaignID, field string, at time.Time) error {
	marker := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "SESEVENT#" + messageID}, "sk": &types.AttributeValueMemberS{Value: event},
		"kind":      &types.AttributeValueMemberS{Value: "ses_event"},
		"expiresAt": &types.AttributeValueMemberN{Value: strconv.FormatInt(at.Add(30*24*time.Hour).Unix(), 10)},
	}
	tx := []types.TransactWriteItem{{Put: &types.Put{TableName: &gs.t.Name, Item: marker, ConditionExpression: aws.String("attribute_not_exists(pk)")}}}
	if campaignID != "" {
		tx = append(tx, campaignCount(gs.t.Name, campaignID, field, 1))
	}
	_, err := gs.t.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cancelled) {
		if campaignID != "" && len(cancelled.CancellationReasons) > 1 && aws.ToString(cancelled.CancellationReasons[0].Code) != "ConditionalCheckFailed" {
			return gs.CountFeedback(ctx, messageID, event, "", field, at) // campaign gone: mark only
		}
		return nil
	}
	if err != nil {
		return dynamo.Unavailable("count "+event, err)
	}
	return nil
}

// DinerByEmail returns the profile a brand keeps for an e-mail address.
func (gs *Greetings) DinerByEmail(ctx context.Context, brandID, email string) (diner.Profile, error) {
	out, err := gs.t.API.Query(ctx, &dynamodb.QueryInput{
		TableName: &gs.t.Name, IndexName: aws.String(dynamo.GSI1),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "EMAIL#" + brandID + "#" + email}},
		Limit:                     aws.Int32(1),
	})
	if err != nil {
		return diner.Profile{}, dynamo.Unavailable("find diner by e-mail", err)
	}
	if len(out.Items) == 0 {
		return diner.Profile{}, fault.New(fault.NotFound, "There is no diner with that address.")
	}
	var p diner.Profile
	if err := attributevalue.UnmarshalMap(out.Items[0], &p); err != nil {
		return diner.Profile{}, fmt.Errorf("unmarshal diner: %w", err)
	}
	return p, nil
}

// SegmentSize counts the greetable diners a campaign's segment takes, store
// by store through dynamo.GSI3, for marketing to see before approval. It reads
// every greetable diner of those stores once (the count is a preview, not a
// request-path lookup).
func (gs *Greetings) SegmentSize(ctx context.Context, c greeting.Campaign, stores []string, reaches func(diner.Profile, string) bool) (int, error) {
	n := 0
	for _, st := range stores {
		_, err := gs.DueDiners(ctx, greeting.DueQuery{BrandID: c.BrandID, StoreID: st}, func(ds []diner.Profile) error {
			for _, d := range ds {
				if reaches(d, st) {
					n++
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}

// PutDiner writes a diner profile as given (imports, tests).
func (gs *Greetings) PutDiner(ctx context.Context, p diner.Profile) error {
	item, err := attributevalue.MarshalMap(struct {
		dynamo.Keys
		diner.Profile
	}{dynamo.Keys{PK: dynamo.DinerPK(p.BrandID, p.Key), SK: "PROFILE", Kind: "diner"}, p})
	if err != nil {
		return fmt.Errorf("marshal diner: %w", err)
	}
	if _, err := gs.t.API.PutItem(ctx, &dynamodb.PutItemInput{TableName: &gs.t.Name, Item: item}); err != nil {
		return dynamo.Unavailable("put diner", err)
	}
	return nil
}

// DinerFromStream returns the diner profile a stream record wrote, and
// false for other records (other kinds, removals).
func DinerFromStream(r events.DynamoDBEventRecord) (diner.Profile, bool, error) {
	if r.EventName == string(events.DynamoDBOperationTypeRemove) {
		return diner.Profile{}, false, nil
	}
	img := r.Change.NewImage
	if k, ok := img["kind"]; !ok || k.DataType() != events.DataTypeString || k.String() != "diner" {
		return diner.Profile{}, false, nil
	}
	item, err := dynamo.FromStreamImage(img)
	if err != nil {
		return diner.Profile{}, false, fmt.Errorf("diner from stream record %s: %w", r.EventID, err)
	}
	var p diner.Profile
	if err := attributevalue.UnmarshalMap(item, &p); err != nil {
		return diner.Profile{}, false, fmt.Errorf("diner from stream record %s: %w", r.EventID, err)
	}
	return p, true, nil
}
