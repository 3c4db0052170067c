package insight

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/fault"
)

// sampleCards are a few cards of every kind the subset distinguishes.
func sampleCards(store string) []card.Card {
	mk := func(meal, source string, overall, nps int) card.Card {
		return card.Card{StoreID: store, Meal: meal, Source: source, Ratings: map[string]int{OverallItem: overall, "main": 4}, NPS: ptr(nps), Comment: "x"}
	}
	return []card.Card{
		mk("lunch", card.SourceQR, 5, 10), mk("lunch", card.SourceQR, 4, 9), mk("dinner", card.SourceScan, 2, 3),
		mk("dinner", card.SourceQR, 3, 7), mk("", card.SourceQR, 5, 6), mk("dinner", card.SourceScan, 1, 0),
	}
}

func countAll(cards []card.Card) Counters {
	c := Counters{}
	for _, cd := range cards {
		c.Add(Count(cd))
	}
	return c
}

// TestKPISubset: the subset keeps what the KPI table needs, sliced, and
// gives the same CSAT, NPS and callback figures as the full counters under
// every filter.
func TestKPISubset(t *testing.T) {
	full := countAll(sampleCards("S1"))
	full[CasePrefix+"resolved"] = 3
	full[CasePrefix+"resolvedFirstContact"] = 2
	full[CasePrefix+"reopened"] = 1 // not a KPI's
	sub := KPISubset(full)
	if len(sub) >= len(full)/2 {
		t.Errorf("subset has %d counters of %d; want far fewer", len(sub), len(full))
	}
	if got := sub["lunch/qr/"+NPromoters]; got != 2 {
		t.Errorf("lunch/qr promoters: got %d, want 2", got)
	}
	if got := sub["dinner/scan/"+NDetractors]; got != 2 {
		t.Errorf("dinner/scan detractors: got %d, want 2", got)
	}
	if _, ok := sub[CasePrefix+"reopened"]; ok {
		t.Error("the subset keeps case:reopened, which no KPI needs")
	}
	if again := KPISubset(sub); !again.Equal(sub) {
		t.Errorf("a subset's subset differs: %v against %v", again, sub)
	}
	for _, f := range []Filter{{}, {Meals: []string{"lunch"}}, {Sources: []string{card.SourceScan}}, {Meals: []string{"dinner"}, Sources: []string{card.SourceQR}}} {
		t.Run(fmt.Sprint(f), func(t *testing.T) {
			want := Derive(full, f, nil)
			got, cases := kpiFigures(sub, f)
			if got.Cards != want.Cards || got.CSAT != want.CSAT {
				t.Errorf("cards, CSAT: got %d %+v, want %d %+v", got.Cards, got.CSAT, want.Cards, want.CSAT)
			}
			if got.NPS.N != want.NPS.N || got.NPS.Avg != want.NPS.Avg || math.Abs(got.NPS.Score-want.NPS.Score) > 1e-9 {
				t.Errorf("NPS: got %+v, want %+v", got.NPS, want.NPS)
			}
			if cases.FirstContactResolutionShare != 2.0/3 {
				t.Errorf("first-contact resolution: got %v, want 2/3", cases.FirstContactResolutionShare)
			}
		})
	}
}

// TestRoll: a roll-up is the sum of its stores' items, each store's subset
// and the versions summed; it is current only for exactly those versions.
func TestRoll(t *testing.T) {
	p := Period{Day, "2026-11-20"}
	a, b := countAll(sampleCards("S1")), countAll(sampleCards("S2")[:3])
	r := Roll(p, []StorePeriod{{"S1", p, a, 4}, {"S2", p, b, 9}})
	want := Counters{}
	want.Add(a)
	want.Add(b)
	if !r.Total.Equal(want) {
		t.Errorf("total: got %v, want %v", r.Total, want)
	}
	if !r.Stores["S2"].Equal(KPISubset(b)) || !r.Stores["S1"].Equal(KPISubset(a)) {
		t.Errorf("stores' subsets: got %v", r.Stores)
	}
	tests := []struct {
		name     string
		versions map[string]int64
		current  bool
	}{
		{"the same items", map[string]int64{"S1": 4, "S2": 9}, true},
		{"a store's item written since", map[string]int64{"S1": 5, "S2": 9}, false},
		{"a store's first item", map[string]int64{"S1": 4, "S2": 9, "S3": 1}, false},
		{"a store gone", map[string]int64{"S1": 4}, false},
	}
	for _, tt := range tests {
		if got := r.Current(tt.versions); got != tt.current {
			t.Errorf("%s: Current got %v, want %v", tt.name, got, tt.current)
		}
	}
	if !(BrandPeriod{}).Current(nil) {
		t.Error("no roll-up and no store item: want current (nothing to write)")
	}
}

func TestTouching(t *testing.T) {
	got := Touching(Range{From: date("2026-11-29"), To: date("2026-12-01")})
	var keys []string
	for _, p := range got {
		keys = append(keys, p.String())
	}
	want := []string{"D#2026-11-29", "W#2026-11-W5", "M#2026-11", "D#2026-11-30", "D#2026-12-01", "W#2026-12-W1", "M#2026-12"}
	if !slices.Equal(keys, want) {
		t.Errorf("Touching = %v, want %v", keys, want)
	}
	rg := Recent(time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC))
	if rg.To != date("2026-12-01") || rg.Len() != RollupRecentDays {
		t.Errorf("Recent = %s (%d days), want %d days to 2026-12-01", rg, rg.Len(), RollupRecentDays)
	}
}

// fakeRollupStore keeps store items and roll-ups in maps and counts what
// the roll-up asks of it.
type fakeRollupStore struct {
	items      map[Period][]StorePeriod
	rollups    map[Period]BrandPeriod
	fullReads  int // store items read with their counters
	puts       []Period
	conflictOn Period
}

var _ RollupStore = (*fakeRollupStore)(nil)

func (f *fakeRollupStore) StoreVersions(_ context.Context, ids []string, ps []Period) (map[Period]map[string]int64, error) {
	out := map[Period]map[string]int64{}
	for _, p := range ps {
		for _, it := range f.items[p] {
			if slices.Contains(ids, it.StoreID) {
				if out[p] == nil {
					out[p] = map[string]int64{}
				}
				out[p][it.StoreID] = it.Version
			}
		}
	}
	return out, nil
}

func (f *fakeRollupStore) StorePeriods(_ context.Context, ids []string, ps []Period) ([]StorePeriod, error) {
	var out []StorePeriod
	for _, p := range ps {
		for _, it := range f.items[p] {
			if slices.Contains(ids, it.StoreID) {
				out = append(out, StorePeriod{it.StoreID, p, maps.Clone(it.Counters), it.Version})
				f.fullReads++
			}
		}
	}
	return out, nil
}

func (f *fakeRollupStore) BrandPeriods(_ context.Context, _ string, ps []Period) (map[Period]BrandPeriod, error) {
	out := map[Period]BrandPeriod{}
	for _, p := range ps {
		if b, ok := f.rollups[p]; ok {
			out[p] = b
		}
	}
	return out, nil
}

func (f *fakeRollupStore) PutBrandPeriod(_ context.Context, _ string, old, next BrandPeriod) error {
	if next.Period == f.conflictOn {
		return fault.New(fault.Conflict, "changed")
	}
	if f.rollups[next.Period].Version != old.Version {
		return fault.New(fault.Conflict, "changed")
	}
	next.Found, next.Version = true, old.Version+1
	f.rollups[next.Period] = next
	f.puts = append(f.puts, next.Period)
	return nil
}

type fakeStores []brand.Store

func (s fakeStores) Stores(context.Context, string) ([]brand.Store, error) { return s, nil }

// TestRollupsRun: the first run writes every period that has store items,
// the second writes nothing and reads no counters, and a store item
// written since makes exactly its period's roll-up be recomputed.
func TestRollupsRun(t *testing.T) {
	day := date("2026-11-20")
	ps := PeriodsOf(day)
	empty := Period{Day, "2026-11-21"}
	f := &fakeRollupStore{items: map[Period][]StorePeriod{}, rollups: map[Period]BrandPeriod{}}
	for _, p := range ps {
		f.items[p] = []StorePeriod{{"S1", p, countAll(sampleCards("S1")), 1}, {"S2", p, countAll(sampleCards("S2")[:2]), 1}}
	}
	r := NewRollups(f, fakeStores{{ID: "S1"}, {ID: "S2"}})
	periods := append(ps[:], empty)
	run, err := r.Run(context.Background(), "b", periods)
	if err != nil || run.Written != 3 || run.Unchanged != 1 || run.Stores != 2 {
		t.Fatalf("first run: got %+v, %v; want 3 written, 1 unchanged (no items), 2 stores", run, err)
	}
	f.fullReads, f.puts = 0, nil
	run, err = r.Run(context.Background(), "b", periods)
	if err != nil || run.Written != 0 || run.Unchanged != 4 || f.fullReads != 0 {
		t.Fatalf("second run: got %+v, %v, %d store items read whole; want nothing written or read", run, err, f.fullReads)
	}
	// A card added to S2's day moves its day item (and, in the store, its
	// week and month: here only the day, to see only the day rolled up).
	it := &f.items[ps[0]][1]
	it.Counters.Add(Count(sampleCards("S2")[5]))
	it.Version++
	run, err = r.Run(context.Background(), "b", periods)
	if err != nil || run.Written != 1 || !slices.Equal(f.puts, []Period{ps[0]}) {
		t.Fatalf("after a change: got %+v, puts %v, %v; want the day only", run, f.puts, err)
	}
	want := Counters{}
	want.Add(f.items[ps[0]][0].Counters)
	want.Add(f.items[ps[0]][1].Counters)
	if got := f.rollups[ps[0]]; !got.Total.Equal(want) || got.Version != 2 {
		t.Errorf("day roll-up: version %d, total equal %v; want version 2 and the stores' sum", got.Version, got.Total.Equal(want))
	}
	// Another run wrote the month meanwhile: counted, not an error.
	f.items[ps[2]][0].Version++
	f.conflictOn = ps[2]
	if run, err = r.Run(context.Background(), "b", periods); err != nil || run.Conflicts != 1 {
		t.Errorf("conflict: got %+v, %v; want 1 conflict, no error", run, err)
	}
}
