package privacystore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/fault"
)

// The use record of a single-use link (a diner's "My data" link):
//
//	item      pk             sk    attributes
//	link use  LINKUSE#<id>   USE   usedAt, expiresAt, kind=linkuse
//
// <id> is the link's random nonce (it names no one). The item outlives the
// link (expiresAt is the link's expiry plus a day), so a link cannot be
// used again while it could still be opened.
func linkUsePK(id string) string { return "LINKUSE#" + id }

// UseLink records the one use of the link id, whose signature expires at
// expires. A link already used is a fault.Conflict error.
func (ps *Privacy) UseLink(ctx context.Context, id string, expires, now time.Time) error {
	item := dynamo.Key(linkUsePK(id), "USE")
	item["usedAt"] = &types.AttributeValueMemberS{Value: now.UTC().Format(time.RFC3339Nano)}
	item["expiresAt"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(expires.Add(24*time.Hour).Unix(), 10)}
	item["kind"] = &types.AttributeValueMemberS{Value: "linkuse"}
	_, err := ps.t.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &ps.t.Name, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fault.New(fault.Conflict, "This link has been used.")
	}
	if err != nil {
		return dynamo.Unavailable("record a link's use", err)
	}
	return nil
}

// LinkUsed reports whether the link id has been used. It only reads.
func (ps *Privacy) LinkUsed(ctx context.Context, id string) (bool, error) {
	out, err := ps.t.API.GetItem(ctx, &dynamodb.GetItemInput{TableName: &ps.t.Name, Key: dynamo.Key(linkUsePK(id), "USE"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return false, dynamo.Unavailable("read a link's use", err)
	}
	return len(out.Item) > 0, nil
}
