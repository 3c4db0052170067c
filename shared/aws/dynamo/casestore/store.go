// Package casestore keeps apology-callback cases in cardloop's table: each
// case with its audit events and notices, the stores' daily case numbers, and
// the open cases on the diner's profile that hold greetings
// (docs/data-model.md, "Cases").
package casestore

import "github.com/cardloop/cardloop/shared/aws/dynamo"

// Cases is the case store.
type Cases struct{ t *dynamo.Table }

// New returns the case store of table t.
func New(t *dynamo.Table) *Cases { return &Cases{t: t} }
