package insight

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/fault"
)

// cardLister lists a store's cards by visit date (the card store).
type cardLister interface {
	CardsByStore(ctx context.Context, q card.StoreQuery) (card.Page, error)
}

// dayKeeper reads and rewrites stored counters (the insight store).
type dayKeeper interface {
	Reader
	ReadDay(ctx context.Context, storeID string, day time.Time) (StoredPeriod, error)
	ReplaceDay(ctx context.Context, storeID string, day time.Time, old StoredPeriod, cards Counters, ids []string) error
}

// Audit recomputes the counters from the cards themselves: Verify compares,
// Rebuild rewrites.
type Audit struct {
	cards cardLister
	days  dayKeeper
}

// NewAudit returns the audit over a card lister and the insight store.
func NewAudit(cards cardLister, days dayKeeper) *Audit { return &Audit{cards: cards, days: days} }

// Difference is one counter of one period whose stored value is not what the
// cards make.
type Difference struct {
	Period     Period
	Counter    string
	Stored     int64
	Recomputed int64
}

func (d Difference) String() string {
	return fmt.Sprintf("%s %s: stored %d, cards make %d", d.Period, d.Counter, d.Stored, d.Recomputed)
}

// Checked says what Verify compared.
type Checked struct {
	Cards   int // cards read
	Periods int // days, weeks and months compared
}

// recount reads every card of a store visited in rg and returns each day's
// counters and card ids.
func (a *Audit) recount(ctx context.Context, storeID string, rg Range) (map[string]Counters, map[string][]string, int, error) {
	counters, ids := map[string]Counters{}, map[string][]string{}
	q := card.StoreQuery{StoreID: storeID, From: rg.From.Format(time.DateOnly), To: rg.To.Format(time.DateOnly), Limit: 500}
	n := 0
	for {
		page, err := a.cards.CardsByStore(ctx, q)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("recount cards of %s %s: %w", storeID, rg, err)
		}
		for _, c := range page.Cards {
			if counters[c.VisitDate] == nil {
				counters[c.VisitDate] = Counters{}
			}
			counters[c.VisitDate].Add(Count(c))
			ids[c.VisitDate] = append(ids[c.VisitDate], c.ID)
			n++
		}
		if page.Next == "" {
			return counters, ids, n, nil
		}
		q.Cursor = page.Next
	}
}

// Verify recomputes every card counter of a store's days in rg from its
// cards, and of the month-weeks and months rg holds whole from those days,
// and returns each stored value that differs. The callback counters of a
// week or month are checked against the sum of its days'.
func (a *Audit) Verify(ctx context.Context, storeID string, rg Range) ([]Difference, Checked, error) {
	want, _, n, err := a.recount(ctx, storeID, rg)
	if err != nil {
		return nil, Checked{}, err
	}
	days := Days(rg.From, rg.To)
	var rollups []Period
	for _, p := range Cover(rg.From, rg.To) {
		if p.Level != Day {
			rollups = append(rollups, p)
		}
		if p.Level == Month { // the weeks of a whole month are whole too
			for d := p.Start(); d.Month() == p.Start().Month(); d = d.AddDate(0, 0, 7) {
				rollups = append(rollups, PeriodsOf(d)[1])
			}
		}
	}
	got, err := a.days.Counters(ctx, storeID, append(slices.Clone(days), rollups...))
	if err != nil {
		return nil, Checked{}, fmt.Errorf("verify insight of %s: %w", storeID, err)
	}
	var diffs []Difference
	for _, p := range days {
		diffs = append(diffs, compare(p, StoredPeriod{Counters: got[p]}.CardCounters(), want[p.Key])...)
	}
	for _, r := range rollups {
		sum := Counters{}
		for _, p := range days {
			d := date(p.Key)
			if PeriodsOf(d)[1] == r || PeriodsOf(d)[2] == r {
				sum.Add(want[p.Key])
				for k, v := range got[p] {
					if strings.HasPrefix(k, CasePrefix) {
						sum[k] += v
					}
				}
			}
		}
		diffs = append(diffs, compare(r, got[r], sum)...)
	}
	return diffs, Checked{Cards: n, Periods: len(days) + len(rollups)}, nil
}

func date(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

func compare(p Period, stored, want Counters) []Difference {
	var out []Difference
	for _, k := range want.Sub(stored).Names() {
		out = append(out, Difference{Period: p, Counter: k, Stored: stored[k], Recomputed: want[k]})
	}
	return out
}

// maxRebuildTries bounds the rewrites of one day that cards arriving
// meanwhile can make fail.
const maxRebuildTries = 5

// Rebuild rewrites the card counters of a store's days in rg from its cards,
// moving their month-weeks and months by the same differences. It is safe
// while cards arrive: each day is rewritten only if no card was added to it
// since it was read (else it is read again), and a card the stream has not
// added yet is recorded as added, so it is not counted twice. It returns the
// number of days whose counters changed.
func (a *Audit) Rebuild(ctx context.Context, storeID string, rg Range) (int, error) {
	changed := 0
	for _, p := range Days(rg.From, rg.To) {
		d := p.Start()
		for try := 1; ; try++ {
			old, err := a.days.ReadDay(ctx, storeID, d)
			if err != nil {
				return changed, err
			}
			want, ids, _, err := a.recount(ctx, storeID, Range{From: d, To: d})
			if err != nil {
				return changed, err
			}
			if old.CardCounters().Equal(want[p.Key]) && sameSet(old.Applied, ids[p.Key]) {
				break
			}
			err = a.days.ReplaceDay(ctx, storeID, d, old, want[p.Key], ids[p.Key])
			if err == nil {
				changed++
				break
			}
			if !isConflict(err) || try >= maxRebuildTries {
				return changed, fmt.Errorf("rebuild insight of %s %s: %w", storeID, p.Key, err)
			}
		}
	}
	return changed, nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func isConflict(err error) bool {
	var f *fault.Error
	return errors.As(err, &f) && f.Code == fault.Conflict
}
