package insightstore

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/shared/insight"
)

// TestPackedAndAddedCountersSum checks an item's counters are the packed
// ones plus those Add put beside them, and that a whole write folds both
// into the packed attribute.
func TestPackedAndAddedCountersSum(t *testing.T) {
	p := insight.Period{Level: insight.Day, Key: "2026-11-27"}
	item, err := itemOf("S001", p, insight.StoredPeriod{Counters: insight.Counters{"dinner/qr/cards": 3, "case:resolved": 1, "zero": 0}, Version: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := item["dinner/qr/cards"]; ok {
		t.Error("a whole write left a counter outside the packed attribute")
	}
	item["case:resolved"] = &types.AttributeValueMemberN{Value: "2"} // added in place since
	item["dinner/scan/comments"] = &types.AttributeValueMemberN{Value: "1"}
	got, c, err := decode(item)
	if err != nil {
		t.Fatal(err)
	}
	want := insight.Counters{"dinner/qr/cards": 3, "case:resolved": 3, "dinner/scan/comments": 1}
	if got != p || !c.Equal(want) || len(c) != len(want) {
		t.Errorf("decode = %s %v, want %s %v", got, c, p, want)
	}
	if _, err := unpack([]byte("not gzip")); err == nil {
		t.Error("unpack of garbage: no error")
	}
}
