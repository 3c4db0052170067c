package eventsource

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

func TestAttribute(t *testing.T) {
	tests := []struct {
		name string
		in   streamtypes.AttributeValue
		want string // JSON as Lambda delivers it
	}{
		{"S", &streamtypes.AttributeValueMemberS{Value: "x"}, `{"S":"x"}`},
		{"N", &streamtypes.AttributeValueMemberN{Value: "1.50"}, `{"N":"1.50"}`},
		{"B", &streamtypes.AttributeValueMemberB{Value: []byte("hi")}, `{"B":"aGk="}`},
		{"BOOL", &streamtypes.AttributeValueMemberBOOL{Value: true}, `{"BOOL":true}`},
		{"NULL", &streamtypes.AttributeValueMemberNULL{Value: true}, `{"NULL":true}`},
		{"SS", &streamtypes.AttributeValueMemberSS{Value: []string{"a", "b"}}, `{"SS":["a","b"]}`},
		{"NS", &streamtypes.AttributeValueMemberNS{Value: []string{"1", "2"}}, `{"NS":["1","2"]}`},
		{"BS", &streamtypes.AttributeValueMemberBS{Value: [][]byte{[]byte("a")}}, `{"BS":["YQ=="]}`},
		{"L", &streamtypes.AttributeValueMemberL{Value: []streamtypes.AttributeValue{
			&streamtypes.AttributeValueMemberS{Value: "x"}, &streamtypes.AttributeValueMemberN{Value: "2"},
		}}, `{"L":[{"S":"x"},{"N":"2"}]}`},
		{"M", &streamtypes.AttributeValueMemberM{Value: map[string]streamtypes.AttributeValue{
			"k": &streamtypes.AttributeValueMemberM{Value: map[string]streamtypes.AttributeValue{"n": &streamtypes.AttributeValueMemberNULL{Value: true}}},
		}}, `{"M":{"k":{"M":{"n":{"NULL":true}}}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Attribute(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("got %s, want %s", b, tt.want)
			}
			// Round trip through the JSON a function decodes.
			var back events.DynamoDBAttributeValue
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("decode %s: %v", b, err)
			}
			if back.DataType() != got.DataType() {
				t.Errorf("round trip type: got %v, want %v", back.DataType(), got.DataType())
			}
		})
	}
	if _, err := Attribute(nil); err == nil {
		t.Errorf("nil: got no error, want one")
	}
}
