package insight

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/fault"
)

// A brand's figures are never kept on an item every card of the brand
// updates (one hot key for a whole brand at dinner time). They are rolled
// up on a schedule instead: per brand and period (the same days, month-weeks
// and months as a store's), one item that sums its stores' items of that
// period and keeps, per store, the few counters ranking needs (KPISubset),
// so a brand's report and its store ranking read a handful of brand items
// whatever the number of stores.

// Names of the counters only a roll-up's per-store subset has (sliced like
// a store's): the recommendation answers of 9–10 and of 0–6.
const (
	NPromoters  = "nps:pro"
	NDetractors = "nps:det"
)

// kpiCases are the callback counters (after CasePrefix) the KPI table needs.
var kpiCases = []string{"openedApology", "openedVisit", "noContact", "firstContacted", "firstContactSeconds", "contactedWithinSla", "resolved", "resolvedFirstContact"}

// subsetName maps the sliced counters a store's subset keeps to their name
// in it: cards, overall and the recommendation as they are, the
// recommendation's 9–10 as promoters and 0–6 as detractors.
var subsetName = func() map[string]string {
	m := map[string]string{NPromoters: NPromoters, NDetractors: NDetractors}
	for _, n := range []string{NCards, Rating(OverallItem, "n"), Rating(OverallItem, "sum"), Rating(OverallItem, "4"), Rating(OverallItem, "5"), NPSPart("n"), NPSPart("sum")} {
		m[n] = n
	}
	for v := 0; v <= 10; v++ {
		switch {
		case v >= 9:
			m[NPSPart(strconv.Itoa(v))] = NPromoters
		case v <= 6:
			m[NPSPart(strconv.Itoa(v))] = NDetractors
		}
	}
	return m
}()

// KPISubset returns the part of a store's period counters that its row of
// the ranking needs, still sliced by meal and source so the filters apply:
// cards, overall's count, sum and 4s and 5s, the recommendation's count,
// sum, promoters (9–10) and detractors (0–6), and the callback counters of
// the KPI table. About a tenth of a busy store-day's counters. A subset's
// subset is itself.
func KPISubset(c Counters) Counters {
	out := Counters{}
	for k, v := range c {
		if v == 0 {
			continue
		}
		if name, ok := strings.CutPrefix(k, CasePrefix); ok {
			if slices.Contains(kpiCases, name) {
				out[k] += v
			}
			continue
		}
		if slice, name, ok := cutSlice(k); ok && subsetName[name] != "" {
			out[slice+subsetName[name]] += v
		}
	}
	return out
}

// cutSlice splits "<meal>/<source>/<name>" into "<meal>/<source>/" and name.
func cutSlice(k string) (string, string, bool) {
	i := strings.IndexByte(k, '/')
	if i < 0 {
		return "", "", false
	}
	j := strings.IndexByte(k[i+1:], '/')
	if j < 0 {
		return "", "", false
	}
	return k[:i+1+j+1], k[i+1+j+1:], true
}

// StorePeriod is one store's item of one period as a roll-up reads it.
type StorePeriod struct {
	StoreID  string
	Period   Period
	Counters Counters
	Version  int64
}

// BrandPeriod is a brand's roll-up of one period.
type BrandPeriod struct {
	Period Period
	Found  bool
	// Total is every store's counters of the period summed, sliced as a
	// store's are.
	Total Counters
	// Stores holds each store's KPISubset.
	Stores map[string]Counters
	// Versions is the version ("v") of each store item summed: the roll-up
	// is current while every store item still has it.
	Versions map[string]int64
	// Version counts the roll-up's own writes (its write condition).
	Version int64
}

// Roll sums the stores' items of period p into its roll-up (not yet
// written: Found false, Version 0).
func Roll(p Period, items []StorePeriod) BrandPeriod {
	b := BrandPeriod{Period: p, Total: Counters{}, Stores: map[string]Counters{}, Versions: map[string]int64{}}
	for _, it := range items {
		b.Total.Add(it.Counters)
		sub := KPISubset(it.Counters)
		if prev, ok := b.Stores[it.StoreID]; ok {
			sub.Add(prev)
		}
		b.Stores[it.StoreID] = sub
		b.Versions[it.StoreID] = it.Version
	}
	for k, v := range b.Total {
		if v == 0 {
			delete(b.Total, k)
		}
	}
	return b
}

// Current reports whether b summed exactly the store items of these
// versions (no store item changed, appeared or went since).
func (b BrandPeriod) Current(versions map[string]int64) bool {
	return maps.Equal(b.Versions, versions)
}

// RollupStore keeps brand roll-ups beside the stores' period items
// (insightstore).
type RollupStore interface {
	// StoreVersions returns the version of each store's item of each
	// period, reading no counters; a missing item is absent.
	StoreVersions(ctx context.Context, storeIDs []string, periods []Period) (map[Period]map[string]int64, error)
	// StorePeriods reads the stores' items of the periods; a missing item
	// is absent.
	StorePeriods(ctx context.Context, storeIDs []string, periods []Period) ([]StorePeriod, error)
	// BrandPeriods reads a brand's roll-ups; a period without one is
	// absent.
	BrandPeriods(ctx context.Context, brandID string, periods []Period) (map[Period]BrandPeriod, error)
	// PutBrandPeriod writes next in place of old, only if the stored
	// roll-up is still old (absent when old.Found is false); otherwise a
	// fault.Conflict error.
	PutBrandPeriod(ctx context.Context, brandID string, old, next BrandPeriod) error
}

// storeLister lists a brand's stores (brandstore).
type storeLister interface {
	Stores(ctx context.Context, brandID string) ([]brand.Store, error)
}

// Rollups writes brand roll-ups from the stores' items.
type Rollups struct {
	store  RollupStore
	stores storeLister
}

// NewRollups returns the roll-up writer.
func NewRollups(store RollupStore, stores storeLister) *Rollups {
	return &Rollups{store: store, stores: stores}
}

// RollupRun says what one run did for one brand.
type RollupRun struct {
	Brand     string `json:"brand"`
	Stores    int    `json:"stores"`
	Periods   int    `json:"periods"`   // looked at
	Unchanged int    `json:"unchanged"` // no store item changed since the roll-up
	Written   int    `json:"written"`
	// Conflicts are roll-ups another run wrote meanwhile; the next run
	// looks at them again.
	Conflicts int `json:"conflicts"`
}

// rollupKeysPerStep bounds the store items one step of a run reads, so a
// year of a hundred stores is not held in memory at once.
const rollupKeysPerStep = 5000

// Run brings the brand's roll-ups of periods up to date: for each period it
// reads the versions of the stores' items and recomputes the roll-up, from
// those items, only when a version differs from the ones the roll-up
// summed (a store item changed, appeared or went). A period with no store
// item and no roll-up writes nothing.
//
// Idempotent: a roll-up is recomputed whole from the store items, never
// added to, and records the versions it summed, so running again finds it
// current and writes nothing; two runs at once each write only over the
// roll-up they read (a conditional write), and one that read older items
// leaves versions the next run sees as stale.
func (r *Rollups) Run(ctx context.Context, brandID string, periods []Period) (RollupRun, error) {
	run := RollupRun{Brand: brandID, Periods: len(periods)}
	all, err := r.stores.Stores(ctx, brandID)
	if err != nil {
		return run, fmt.Errorf("roll up brand %s: %w", brandID, err)
	}
	ids := make([]string, len(all))
	for i, st := range all {
		ids[i] = st.ID
	}
	run.Stores = len(ids)
	step := max(1, rollupKeysPerStep/max(1, len(ids)))
	for chunk := range slices.Chunk(periods, step) {
		if err := r.step(ctx, brandID, ids, chunk, &run); err != nil {
			return run, err
		}
	}
	return run, nil
}

func (r *Rollups) step(ctx context.Context, brandID string, ids []string, periods []Period, run *RollupRun) error {
	versions, err := r.store.StoreVersions(ctx, ids, periods)
	if err != nil {
		return fmt.Errorf("roll up brand %s: %w", brandID, err)
	}
	have, err := r.store.BrandPeriods(ctx, brandID, periods)
	if err != nil {
		return fmt.Errorf("roll up brand %s: %w", brandID, err)
	}
	var stale []Period
	for _, p := range periods {
		if have[p].Current(versions[p]) {
			run.Unchanged++
			continue
		}
		stale = append(stale, p)
	}
	if len(stale) == 0 {
		return nil
	}
	items, err := r.store.StorePeriods(ctx, ids, stale)
	if err != nil {
		return fmt.Errorf("roll up brand %s: %w", brandID, err)
	}
	byPeriod := map[Period][]StorePeriod{}
	for _, it := range items {
		byPeriod[it.Period] = append(byPeriod[it.Period], it)
	}
	for _, p := range stale {
		err := r.store.PutBrandPeriod(ctx, brandID, have[p], Roll(p, byPeriod[p]))
		var fe *fault.Error
		switch {
		case err == nil:
			run.Written++
		case errors.As(err, &fe) && fe.Code == fault.Conflict:
			run.Conflicts++
		default:
			return fmt.Errorf("roll up brand %s %s: %w", brandID, p, err)
		}
	}
	return nil
}

// RollupRecentDays is how many days back each scheduled run looks (with
// the weeks and months they touch): the default dashboard range of 30 days
// and the 30 before it, which its comparison reads, and a day to spare for
// time zones ahead of UTC. Late changes to older days (a paper card
// scanned months later, a rebuild) are rolled up by `cardloop stats
// rollup`.
const RollupRecentDays = 62

// Touching returns every day of rg and every month-week and month that
// holds one of them: the roll-ups a change inside rg can make stale.
func Touching(rg Range) []Period {
	var out []Period
	seen := map[Period]bool{}
	for d := rg.From; !d.After(rg.To); d = d.AddDate(0, 0, 1) {
		for _, p := range PeriodsOf(d) {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// Recent is the range a scheduled run looks at: RollupRecentDays ending
// tomorrow in UTC, which is today in every store's time zone or later.
func Recent(now time.Time) Range {
	end := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	return Range{From: end.AddDate(0, 0, 1-RollupRecentDays), To: end}
}
