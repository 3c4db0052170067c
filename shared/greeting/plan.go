package greeting

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/occasion"
)

// DueQuery asks for the greetable diners of one store: those whose birthday
// is on one of BirthdayKeys (MM-DD), or, with no keys, all of them.
type DueQuery struct {
	BrandID, StoreID string
	BirthdayKeys     []string
}

// PlanKey names one store's share of a campaign on one local date.
type PlanKey struct {
	CampaignID, StoreID, Date string
}

// PlanStore is what the planner reads and records.
type PlanStore interface {
	ActiveCampaigns(ctx context.Context) ([]Campaign, error)
	Stores(ctx context.Context, brandID string) ([]brand.Store, error)
	// DueDiners pages through the diners a query names, through an index
	// (never a scan), calling fn with each page; it returns the items read.
	DueDiners(ctx context.Context, q DueQuery, fn func([]diner.Profile) error) (int, error)
	// StartPlan claims a plan; it reports false when the plan is finished
	// already. An unfinished plan (a crashed run) is claimed again.
	StartPlan(ctx context.Context, k PlanKey, now time.Time) (bool, error)
	// FinishPlan marks a plan finished, adds planned to the campaign's
	// results and moves a scheduled holiday campaign to sending.
	FinishPlan(ctx context.Context, k PlanKey, planned int, now time.Time) error
	// FinishCampaign marks a holiday campaign done.
	FinishCampaign(ctx context.Context, id string, now time.Time) error
}

// Queue takes send jobs (SQS, in batches).
type Queue interface {
	Enqueue(ctx context.Context, jobs []Job) error
}

// Planner finds who is due a greeting and queues the jobs.
type Planner struct {
	store PlanStore
	queue Queue
	now   func() time.Time
	log   *slog.Logger
}

// NewPlanner returns a Planner.
func NewPlanner(store PlanStore, queue Queue, now func() time.Time, log *slog.Logger) *Planner {
	return &Planner{store: store, queue: queue, now: now, log: log}
}

// PlanReport says what one planner run did.
type PlanReport struct {
	Plans     int // store-days planned
	Due       int // diners queued
	ItemsRead int // diner items read from the indexes
	Jobs      int // queue messages
}

// Plan looks at every active campaign and every store it reaches: where the
// store's local time has reached the campaign's send hour on a day the
// campaign is due, it reads the due diners from an index and queues them.
//
// Idempotent: each store-day of a campaign is a plan record, claimed before
// and finished after queuing; a re-run skips finished plans, and re-queues
// an unfinished one whole (the sender's never-twice claim absorbs the
// duplicates).
func (p *Planner) Plan(ctx context.Context) (PlanReport, error) {
	var rep PlanReport
	now := p.now()
	campaigns, err := p.store.ActiveCampaigns(ctx)
	if err != nil {
		return rep, fmt.Errorf("plan: %w", err)
	}
	for _, c := range campaigns {
		stores, err := p.store.Stores(ctx, c.BrandID)
		if err != nil {
			return rep, fmt.Errorf("plan campaign %s: %w", c.ID, err)
		}
		allPast := true
		for _, st := range stores {
			if len(c.Segment.Stores) > 0 && !slices.Contains(c.Segment.Stores, st.ID) {
				continue
			}
			due, past, err := c.DueAt(st, now)
			if err != nil {
				return rep, err
			}
			allPast = allPast && past
			if due == nil {
				continue
			}
			if err := p.planStore(ctx, c, st, *due, now, &rep); err != nil {
				return rep, err
			}
		}
		if !c.Birthday() && allPast && len(stores) > 0 {
			if err := p.store.FinishCampaign(ctx, c.ID, now); err != nil {
				return rep, err
			}
		}
	}
	return rep, nil
}

// Due is one store's greeting day of a campaign.
type Due struct {
	Date         time.Time // the store's local date (midnight UTC of it)
	Year         int       // the occasion's year (never-twice key)
	BirthdayKeys []string  // birthday campaigns: the MM-DD keys greeted
}

// DueAt says whether campaign c is due at store st at instant now: the
// store's local hour has reached the send hour on the day that is LeadDays
// before the occasion (for birthdays: before the diner's birthday). past
// reports that a holiday campaign's day at this store is over.
func (c Campaign) DueAt(st brand.Store, now time.Time) (due *Due, past bool, err error) {
	loc, err := st.Location()
	if err != nil {
		return nil, false, err
	}
	local := now.In(loc)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	if c.Birthday() {
		if local.Hour() < c.SendHourAt(st.ID) {
			return nil, false, nil
		}
		target := today.AddDate(0, 0, c.LeadDays)
		return &Due{Date: today, Year: target.Year(), BirthdayKeys: occasion.BirthdayKeys(target)}, false, nil
	}
	years := []int{c.Year}
	if c.Occasion == occasion.CustomID {
		d, err := time.Parse(time.DateOnly, c.CustomDate)
		if err != nil {
			return nil, false, fmt.Errorf("campaign %s custom date: %w", c.ID, err)
		}
		years = []int{d.Year()}
	}
	for _, y := range years {
		o, ok, err := c.OccasionIn(y, st.Country)
		if err != nil || !ok {
			return nil, true, err
		}
		send := o.Date.AddDate(0, 0, -c.LeadDays)
		switch {
		case today.After(send):
			return nil, true, nil
		case today.Equal(send) && local.Hour() >= c.SendHourAt(st.ID):
			return &Due{Date: today, Year: y}, false, nil
		}
	}
	return nil, false, nil
}

func (p *Planner) planStore(ctx context.Context, c Campaign, st brand.Store, due Due, now time.Time, rep *PlanReport) error {
	k := PlanKey{CampaignID: c.ID, StoreID: st.ID, Date: due.Date.Format(time.DateOnly)}
	ok, err := p.store.StartPlan(ctx, k, now)
	if err != nil || !ok {
		return err
	}
	planned := 0
	read, err := p.store.DueDiners(ctx, DueQuery{BrandID: c.BrandID, StoreID: st.ID, BirthdayKeys: due.BirthdayKeys}, func(page []diner.Profile) error {
		var jobs []Job
		for _, d := range page {
			if !c.Reaches(d, st, due.Date) {
				continue
			}
			if len(jobs) == 0 || len(jobs[len(jobs)-1].Diners) == JobSize {
				jobs = append(jobs, Job{CampaignID: c.ID, BrandID: c.BrandID, StoreID: st.ID, Occasion: c.SendKey(), Year: due.Year, Date: k.Date, TimeZone: st.TimeZone})
			}
			j := &jobs[len(jobs)-1]
			j.Diners = append(j.Diners, Recipient{Key: d.Key, Email: d.Email, Name: d.Name, Language: i18n.Lang(d.Language)})
			planned++
		}
		if len(jobs) == 0 {
			return nil
		}
		rep.Jobs += len(jobs)
		return p.queue.Enqueue(ctx, jobs)
	})
	rep.ItemsRead += read
	if err != nil {
		return fmt.Errorf("plan %s for store %s on %s: %w", c.ID, st.ID, k.Date, err)
	}
	rep.Plans++
	rep.Due += planned
	p.log.Info("greetings planned", "campaign", c.ID, "store", st.ID, "date", k.Date, "due", planned, "read", read)
	return p.store.FinishPlan(ctx, k, planned, now)
}

// Reaches reports whether the campaign's segment takes diner d of store st,
// on local date day. The index gives only diners whose consent is
// confirmed; this checks it again, with the segment's own conditions.
func (c Campaign) Reaches(d diner.Profile, st brand.Store, day time.Time) bool {
	if d.Email == "" || d.MarketingStatus != diner.MarketingConfirmed {
		return false
	}
	if len(c.Segment.Languages) > 0 {
		lang := i18n.Lang(d.Language)
		if lang == "" {
			lang = st.Language
		}
		if !slices.Contains(c.Segment.Languages, lang) {
			return false
		}
	}
	if c.Segment.MinVisits > 0 && d.Visits < c.Segment.MinVisits {
		return false
	}
	if n := c.Segment.VisitedWithinMonths; n > 0 && d.LastVisitDate < day.AddDate(0, -n, 0).Format(time.DateOnly) {
		return false
	}
	return true
}
