// Package greetstore keeps greetings in cardloop's table: campaigns and
// their plans, diners' marketing consent and greeting indexes, send records
// that make every greeting once, and the suppression list
// (docs/data-model.md, "Greetings").
package greetstore

import "github.com/cardloop/cardloop/shared/aws/dynamo"

// Greetings is the greeting store.
type Greetings struct{ t *dynamo.Table }

// New returns the greeting store of table t.
func New(t *dynamo.Table) *Greetings { return &Greetings{t: t} }
