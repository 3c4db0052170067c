// Package cardstore keeps cards in cardloop's table, with the diner profile
// each card updates in the same transaction (docs/data-model.md, "Cards and
// diners").
package cardstore

import "github.com/cardloop/cardloop/shared/aws/dynamo"

// Cards is the card store.
type Cards struct{ t *dynamo.Table }

// New returns the card store of table t.
func New(t *dynamo.Table) *Cards { return &Cards{t: t} }
