package cardstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/insightstore"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/insight"
)

// Transcribe sets the comment typed in from a scanned card's handwriting,
// with who typed it and when, and in the same transaction adds one to the
// "<slice>/comments" counter of the card's visit day, month-week and month
// (an ADD creates a counter item that is not there yet). The card's
// condition (a scan, no comment yet) makes the whole transaction fail when
// the card was transcribed already, so the counters are added once: one
// call, fault.Conflict when the card is no scan or has a comment, and
// fault.NotFound when there is no card.
//
// The insight stream consumer counts a card when it is inserted; a
// transcription is a modification, counted here and only here.
func (cs *Cards) Transcribe(ctx context.Context, c card.Card, comment, by string, at time.Time) (card.Card, error) {
	day, err := time.Parse(time.DateOnly, c.VisitDate)
	if err != nil {
		return card.Card{}, fmt.Errorf("transcribe card %s: visit date %q: %w", c.ID, c.VisitDate, err)
	}
	stamp, err := attributevalue.Marshal(at.UTC())
	if err != nil {
		return card.Card{}, fmt.Errorf("transcribe card %s: %w", c.ID, err)
	}
	tx := []types.TransactWriteItem{{Update: &types.Update{
		TableName:           &cs.t.Name,
		Key:                 dynamo.Key(cardPK(c.ID), "CARD"),
		UpdateExpression:    aws.String("SET #comment = :comment, transcribedBy = :by, transcribedAt = :at"),
		ConditionExpression: aws.String("attribute_exists(pk) AND #source = :scan AND (attribute_not_exists(#comment) OR #comment = :empty)"),
		ExpressionAttributeNames: map[string]string{
			"#comment": "comment", "#source": "source",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":comment": &types.AttributeValueMemberS{Value: comment},
			":by":      &types.AttributeValueMemberS{Value: by},
			":at":      stamp,
			":scan":    &types.AttributeValueMemberS{Value: card.SourceScan},
			":empty":   &types.AttributeValueMemberS{Value: ""},
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}}
	counter := insight.SliceOf(c) + "/" + insight.NComments
	counters, err := insightstore.AddToDay(cs.t.Name, c.StoreID, day, insight.Counters{counter: 1})
	if err != nil {
		return card.Card{}, fmt.Errorf("transcribe card %s: %w", c.ID, err)
	}
	tx = append(tx, counters...)
	_, err = cs.t.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cancelled) && len(cancelled.CancellationReasons) > 0 &&
		aws.ToString(cancelled.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
		if len(cancelled.CancellationReasons[0].Item) == 0 {
			if _, err := cs.Card(ctx, c.ID); fault.CodeOf(err) == fault.NotFound {
				return card.Card{}, err
			}
		}
		return card.Card{}, fault.New(fault.Conflict, "Card %s is no paper card, or its comment is there already.", c.ID)
	}
	if err != nil {
		return card.Card{}, dynamo.Unavailable("transcribe card "+c.ID, err)
	}
	c.Comment, c.TranscribedBy = comment, by
	t := at.UTC()
	c.TranscribedAt = &t
	return c, nil
}
