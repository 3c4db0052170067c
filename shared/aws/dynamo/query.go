package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/cardloop/cardloop/shared/fault"
)

// QueryAll runs a query to its end and unmarshals every item into T.
func QueryAll[T any](ctx context.Context, t *Table, in *dynamodb.QueryInput, what string) ([]T, error) {
	var out []T
	p := dynamodb.NewQueryPaginator(t.API, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, Unavailable("query "+what, err)
		}
		var items []T
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, fmt.Errorf("unmarshal %s: %w", what, err)
		}
		out = append(out, items...)
	}
	return out, nil
}

// Stamp formats times stored as strings that conditions compare: UTC, fixed
// width, so string order is time order.
func Stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// A cursor is the last evaluated key, opaque to callers; it is checked to
// belong to the partition being read.
func EncodeCursor(k map[string]types.AttributeValue) (string, error) {
	m := map[string]string{}
	if err := attributevalue.UnmarshalMap(k, &m); err != nil {
		return "", fmt.Errorf("encode cursor: %w", err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode cursor: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func DecodeCursor(s, wantPK string) (map[string]types.AttributeValue, error) {
	return DecodeIndexCursor(s, "gsi1pk", wantPK)
}

// DecodeIndexCursor decodes a cursor of a query of the index whose
// partition key is pkAttr (gsi1pk, gsi3pk…), checked to be wantPK.
func DecodeIndexCursor(s, pkAttr, wantPK string) (map[string]types.AttributeValue, error) {
	bad := &fault.Error{Code: fault.Invalid, Message: "The cursor is not valid.", Fields: []fault.FieldError{{Field: "cursor", Rule: "malformed"}}}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var m map[string]string
	if json.Unmarshal(b, &m) != nil || m[pkAttr] != wantPK || len(m) != 4 {
		return nil, bad
	}
	k, err := attributevalue.MarshalMap(m)
	if err != nil {
		return nil, bad
	}
	return k, nil
}
