package cardstore

import (
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/card"
)

// optInGrace is how long after its due date an opt-in marker's TTL lets
// DynamoDB delete it: the retention job acts on the marker first; TTL only
// clears what the job has left (the emulator never runs TTL).
const optInGrace = 37 * 24 * time.Hour

// retainKeys puts the profile in the retention index (dynamo.GSI5) at its
// last visit, so the retention job finds it when that visit is older than
// the brand keeps personal data.
func retainKeys(upd expression.UpdateBuilder, c card.Card) expression.UpdateBuilder {
	return upd.Set(expression.Name("gsi5pk"), expression.Value(dynamo.RetainPK(dynamo.RetainProfile, c.BrandID, c.Diner.Key))).
		Set(expression.Name("gsi5sk"), expression.Value(dynamo.RetainSK(c.VisitDate, c.Diner.Key)))
}

// optInMarker is the pending opt-in marker a card ticking "greetings and
// offers" writes beside the profile (sk OPTIN): in the retention index at
// the consent's time, so the job can drop the consent if it is still
// unconfirmed 30 days on. A later tick replaces it.
func optInMarker(table string, c card.Card) (types.TransactWriteItem, bool) {
	m := c.Consent.Marketing
	if m == nil {
		return types.TransactWriteItem{}, false
	}
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	return types.TransactWriteItem{Put: &types.Put{TableName: &table, Item: map[string]types.AttributeValue{
		"pk": s(dynamo.DinerPK(c.BrandID, c.Diner.Key)), "sk": s("OPTIN"), "kind": s("optin"),
		"brandId": s(c.BrandID), "key": s(c.Diner.Key), "consentAt": s(dynamo.Stamp(m.At)),
		"gsi5pk":    s(dynamo.RetainPK(dynamo.RetainOptIn, c.BrandID, c.Diner.Key)),
		"gsi5sk":    s(dynamo.RetainSK(dynamo.Stamp(m.At), c.Diner.Key)),
		"expiresAt": &types.AttributeValueMemberN{Value: strconv.FormatInt(m.At.Add(optInGrace).Unix(), 10)},
	}}}, true
}
