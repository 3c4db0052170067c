package wire

import (
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/insightstore"
	"github.com/cardloop/cardloop/shared/insight"
)

// Insight is the insight counters' reader.
func Insight(t *dynamo.Table) insight.Reader { return insightstore.New(t) }
