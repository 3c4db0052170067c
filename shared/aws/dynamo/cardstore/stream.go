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

// InsertRecord is the stream record of SaveCard storing c, with sequence
// number seq: what a stream consumer receives, for tests and benchmarks
// that feed consumers without the table.
func InsertRecord(c card.Card, seq string) (events.DynamoDBEventRecord, error) {
	item, err := attributevalue.MarshalMap(newCardItem(c, c.SubmittedAt))
	if err != nil {
		return events.DynamoDBEventRecord{}, fmt.Errorf("marshal card %s: %w", c.ID, err)
	}
	img, err := dynamo.ToStreamImage(item)
	if err != nil {
		return events.DynamoDBEventRecord{}, fmt.Errorf("stream image of card %s: %w", c.ID, err)
	}
	return events.DynamoDBEventRecord{
		EventID: "insert-" + seq, EventName: string(events.DynamoDBOperationTypeInsert), EventSource: "aws:dynamodb",
		Change: events.DynamoDBStreamRecord{NewImage: img, SequenceNumber: seq, StreamViewType: "NEW_AND_OLD_IMAGES"},
	}, nil
}
