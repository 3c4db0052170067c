package casework

import (
	"context"
	"time"
)

// DinerCasesSince returns the diner's cases opened at or after since, as
// the adapter's query of the diner's case links does.
func (f *fakeCases) DinerCasesSince(_ context.Context, brandID, dinerKey string, since time.Time) ([]Case, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recentReads++
	var out []Case
	for _, k := range f.cases {
		if k.BrandID == brandID && k.DinerKey == dinerKey && k.DinerKey != "" && !k.OpenedAt.Before(since) {
			out = append(out, cloneCase(k))
		}
	}
	return out, nil
}

// SaveReturn records a return only if the case's return is still the one
// read, as the adapter's conditional update does, and adds the counters
// with it.
func (f *fakeCases) SaveReturn(_ context.Context, k Case, r Return, t Recovery) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.returnSaves++
	cur, ok := f.cases[k.ID]
	if !ok {
		return false, nil
	}
	switch {
	case k.Returned == nil && cur.Returned != nil,
		k.Returned != nil && (cur.Returned == nil || cur.Returned.CardID != k.Returned.CardID):
		return false, nil
	}
	cur.Returned = &r
	cur.Version++
	f.cases[k.ID] = cur
	for name, v := range t.Counters() {
		f.tally[name] += v
	}
	return true, nil
}
