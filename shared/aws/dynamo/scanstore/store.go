// Package scanstore keeps what scanning paper cards leaves in cardloop's
// table: the review queue of uncertain cards and what became of each page
// (docs/data-model.md, "Scans").
package scanstore

import "github.com/cardloop/cardloop/shared/aws/dynamo"

// Scans is the scan store.
type Scans struct{ t *dynamo.Table }

// New returns the scan store of table t.
func New(t *dynamo.Table) *Scans { return &Scans{t: t} }
