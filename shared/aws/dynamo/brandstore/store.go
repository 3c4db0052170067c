// Package brandstore keeps brands, their stores and the stores' triage rules
// in cardloop's table (docs/data-model.md, "Brands and stores").
package brandstore

import (
	"sync"
	"time"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
)

// Brands is the brand store.
type Brands struct {
	t   *dynamo.Table
	now func() time.Time

	// Stores change rarely and are read on every card: they are kept for
	// storeTTL so that accepting a card costs one write and no read.
	mu       sync.Mutex
	stores   map[string]cachedStore
	storeTTL time.Duration
}

// New returns the brand store of table t.
func New(t *dynamo.Table) *Brands {
	return &Brands{t: t, now: time.Now, stores: map[string]cachedStore{}, storeTTL: 5 * time.Minute}
}
