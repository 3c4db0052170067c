package dynamo

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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
	item, err := fromStreamImage(img)
	if err != nil {
		return card.Card{}, false, fmt.Errorf("card from stream record %s: %w", r.EventID, err)
	}
	var it cardItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return card.Card{}, false, fmt.Errorf("card from stream record %s: %w", r.EventID, err)
	}
	return it.Card, true, nil
}

func fromStreamImage(img map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(img))
	for k, v := range img {
		av, err := fromStreamValue(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

// fromStreamValue converts aws-lambda-go's stream attribute value into the
// SDK's, so stream images unmarshal like items read from the table.
func fromStreamValue(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeList:
		l := v.List()
		out := make([]types.AttributeValue, len(l))
		for i, e := range l {
			av, err := fromStreamValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = av
		}
		return &types.AttributeValueMemberL{Value: out}, nil
	case events.DataTypeMap:
		m, err := fromStreamImage(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("unknown stream data type %v", v.DataType())
}
