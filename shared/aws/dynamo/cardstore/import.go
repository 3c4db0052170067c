package cardstore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/card"
)

// ImportCards writes anonymous cards (a history brought in from elsewhere,
// or demo data) 25 to a call. Unlike SaveCard it updates no diner profile,
// so it refuses a card that names a diner. A card written again is
// overwritten with itself: its id derives from its store and key, and the
// stream sees a modification, not a new card. Each card is marked as
// awaiting triage at at, the time of the import (not the cards' own, often
// long past), so the reconciler leaves it to the stream as it does a new
// card; a card imported again is marked again, and triaged again, to no
// effect if it was triaged before.
func (cs *Cards) ImportCards(ctx context.Context, cards []card.Card, at time.Time) error {
	items := make([]map[string]types.AttributeValue, 0, len(cards))
	for _, c := range cards {
		if c.Diner.Key != "" {
			return fmt.Errorf("import card %s: it names a diner; store it with SaveCard", c.ID)
		}
		item, err := attributevalue.MarshalMap(newCardItem(c, at))
		if err != nil {
			return fmt.Errorf("marshal card %s: %w", c.ID, err)
		}
		items = append(items, item)
	}
	return dynamo.BatchPut(ctx, cs.t, items, "import cards")
}
