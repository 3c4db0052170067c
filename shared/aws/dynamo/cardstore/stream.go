package cardstore

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/card"
)

// CardFromStream returns the card a stream record inserted, and false for
// any other record (other item kinds, updates, removals).
func CardFromStream(r events.DynamoDBEventRecord) (card.Card, bool, error) {
	if r.EventName != string(events.DynamoDBOperationTypeInsert) {
		return card.Card{}, false, nil
	}
	img := r.Change.NewImage
	if k, ok := img["kind"]; !ok || k.DataType() != events.DataTypeString || k.String() != "card" {
		return card.Card{}, false, nil
	}
	item, err := dynamo.FromStreamImage(img)
	if err != nil {
		return card.Card{}, false, fmt.Errorf("card from stream record %s: %w", r.EventID, err)
	}
	var it cardItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return card.Card{}, false, fmt.Errorf("card from stream record %s: %w", r.EventID, err)
	}
	return it.Card, true, nil
}
