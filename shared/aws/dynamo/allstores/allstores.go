// Package allstores puts every store of cardloop's table behind one value,
// for the local runner, the CLI, the seed data and tests, which use them all.
// A function never imports it: each function's main builds only the stores
// it uses (infra/build's dependency test holds it to that).
package allstores

import (
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/casestore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/greetstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/insightstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/scanstore"
)

// Stores is every store of one table; their methods do not overlap, so a
// Stores satisfies any of the interfaces the domain declares.
type Stores struct {
	*brandstore.Brands
	*cardstore.Cards
	*casestore.Cases
	*greetstore.Greetings
	*insightstore.Insights
	*scanstore.Scans
}

// New returns the stores of the table named table, reached through api.
func New(api dynamo.API, table string) *Stores {
	t := dynamo.New(api, table)
	return &Stores{brandstore.New(t), cardstore.New(t), casestore.New(t), greetstore.New(t), insightstore.New(t), scanstore.New(t)}
}
