package cardstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/privacy"
)

// DinerCards returns the cards that name a diner, oldest first: Query
// dynamo.GSI2 = DINER#<brandId>#<dinerKey>, begins_with(gsi2sk, "CARD#").
func (cs *Cards) DinerCards(ctx context.Context, brandID, dinerKey string) ([]card.Card, error) {
	expr, err := expression.NewBuilder().WithKeyCondition(
		expression.Key("gsi2pk").Equal(expression.Value(dynamo.DinerPK(brandID, dinerKey))).
			And(expression.Key("gsi2sk").BeginsWith("CARD#"))).Build()
	if err != nil {
		return nil, fmt.Errorf("build diner cards query: %w", err)
	}
	return dynamo.QueryAll[card.Card](ctx, cs.t, &dynamodb.QueryInput{
		TableName: &cs.t.Name, IndexName: aws.String(dynamo.GSI2),
		KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}, "a diner's cards")
}

// personalCardFields are what a card loses when its diner is erased or
// their retention ends: who they are and what they wrote, and the index
// keys naming them. Scores, visit date, store, source and consent times
// stay, so statistics do not change.
var personalCardFields = []string{"diner.key", "diner.name", "diner.phone", "diner.email", "diner.birthday", "comment", "gsi2pk", "gsi2sk"}

// EraseCard removes a card's personal fields (personalCardFields) in one
// conditional update; a card already erased, or missing, is left as is.
func (cs *Cards) EraseCard(ctx context.Context, id string) error {
	var upd expression.UpdateBuilder
	for _, f := range personalCardFields {
		upd = upd.Remove(expression.Name(f)) // "diner.name" is the name inside the diner map
	}
	upd = upd.Set(expression.Name("erased"), expression.Value(true))
	expr, err := expression.NewBuilder().WithUpdate(upd).WithCondition(expression.AttributeExists(expression.Name("pk"))).Build()
	if err != nil {
		return fmt.Errorf("build erasure of card %s: %w", id, err)
	}
	err = dynamo.UpdateWith(ctx, cs.t, dynamo.Key(cardPK(id), "CARD"), expr)
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return dynamo.Unavailable("erase card "+id, err)
	}
	return nil
}

// EraseDiner deletes every item of a diner's partition (the profile and
// its e-mail, birthday, marketing and retention index entries, the consent
// log, the frequency cap, the case links, the opt-in marker) and returns
// how many there were. Run again, it finds nothing.
func (cs *Cards) EraseDiner(ctx context.Context, brandID, dinerKey string) (int, error) {
	keys, err := dynamo.PartitionItems(ctx, cs.t, dynamo.DinerPK(brandID, dinerKey), "pk, sk", "a diner's items")
	if err != nil {
		return 0, err
	}
	return len(keys), dynamo.BatchDelete(ctx, cs.t, keys, "erase a diner's items")
}

// CorrectDiner applies a checked correction to a profile if it is
// unchanged since read (its updatedAt), else fault.Conflict. A new e-mail
// moves the profile's e-mail index entry; the greeting indexes follow from
// the stream (greetstore.SyncMarketing).
func (cs *Cards) CorrectDiner(ctx context.Context, p diner.Profile, c privacy.Correction, at time.Time) error {
	upd := expression.Set(expression.Name("updatedAt"), expression.Value(at.UTC().Format(time.RFC3339Nano)))
	for name, v := range c.Set {
		upd = upd.Set(expression.Name(name), expression.Value(v))
		if name == "email" {
			upd = upd.Set(expression.Name("gsi1pk"), expression.Value("EMAIL#"+p.BrandID+"#"+v)).
				Set(expression.Name("gsi1sk"), expression.Value("DINER"))
		}
	}
	for _, name := range c.Remove {
		upd = upd.Remove(expression.Name(name))
		if name == "email" {
			upd = upd.Remove(expression.Name("gsi1pk")).Remove(expression.Name("gsi1sk"))
		}
	}
	cond := expression.AttributeNotExists(expression.Name("updatedAt"))
	if !p.UpdatedAt.IsZero() {
		cond = expression.Name("updatedAt").Equal(expression.Value(p.UpdatedAt.UTC().Format(time.RFC3339Nano)))
	}
	expr, err := expression.NewBuilder().WithUpdate(upd).WithCondition(expression.AttributeExists(expression.Name("pk")).And(cond)).Build()
	if err != nil {
		return fmt.Errorf("build correction of a diner: %w", err)
	}
	err = dynamo.UpdateWith(ctx, cs.t, dynamo.Key(dynamo.DinerPK(p.BrandID, p.Key), "PROFILE"), expr)
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fault.New(fault.Conflict, "The diner's details changed meanwhile; look them up again.")
	}
	if err != nil {
		return dynamo.Unavailable("correct a diner", err)
	}
	return nil
}
