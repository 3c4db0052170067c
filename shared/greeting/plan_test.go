package greeting

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/i18n"
)

// Planner and Sender tests run against the fakes in fakes_test.go: no
// emulator. The adapter's conditional writes are tested in shared/aws/dynamo/greetstore and
// end to end in shared/worker.

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type planRig struct {
	store   *fakePlanStore
	queue   *fakeQueue
	planner *Planner

	mu  sync.Mutex
	now time.Time
}

func newPlanRig(t *testing.T, now time.Time, campaigns ...Campaign) *planRig {
	t.Helper()
	r := &planRig{
		store: &fakePlanStore{campaigns: campaigns, pageSize: 100,
			stores:  map[string][]brand.Store{"wang": {taipei, singapore}},
			diners:  map[string][]diner.Profile{},
			plans:   map[PlanKey]string{},
			planned: map[PlanKey]int{}},
		queue: &fakeQueue{},
		now:   now,
	}
	r.planner = NewPlanner(r.store, r.queue, r.clock, quiet)
	return r
}

func (r *planRig) clock() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

func (r *planRig) at(t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.now = t
}

// greetable returns n confirmed diners of a store with a birthday (MM-DD),
// keyed by a prefix.
func greetable(prefix, birthday string, n int) []diner.Profile {
	out := make([]diner.Profile, n)
	for i := range out {
		out[i] = diner.Profile{BrandID: "wang", Key: fmt.Sprintf("%s-%03d", prefix, i), Email: fmt.Sprintf("%s-%03d@example.net", prefix, i),
			Birthday: birthday, MarketingStatus: diner.MarketingConfirmed, Visits: 1, LastVisitDate: "2026-11-01"}
	}
	return out
}

func birthdayCampaign() Campaign {
	c := StandingBirthday("wang", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c.SendHours = map[string]int{"S003": 12}
	return c
}

func rfc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestPlanOncePerStoreDay: at the send hour a store's due diners are read
// from the index, filtered by the segment, queued in jobs of JobSize and the
// store-day's plan finished; a re-run plans nothing new.
func TestPlanOncePerStoreDay(t *testing.T) {
	t.Parallel()
	r := newPlanRig(t, rfc("2026-12-01T02:30:00Z"), birthdayCampaign()) // 10:30 in Taipei, 10:30 in Singapore
	due := greetable("due", "12-04", 60)
	r.store.diners["S001"] = slices.Concat(
		due,
		greetable("other-day", "12-05", 5),
		[]diner.Profile{
			{Key: "no-email", Birthday: "12-04", MarketingStatus: diner.MarketingConfirmed},
			{Key: "pending", Email: "pending@example.net", Birthday: "1990-12-04", MarketingStatus: diner.MarketingPending},
		},
	)
	r.store.diners["S003"] = greetable("sg", "12-04", 3)
	r.store.pageSize = 40

	rep, err := r.planner.Plan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := (PlanReport{Plans: 1, Due: 60, ItemsRead: 62, Jobs: 3}); rep != want {
		t.Errorf("first run: got %+v, want %+v (pages of 40 and 22 read make jobs of 25, 15 and 20)", rep, want)
	}
	jobs := r.queue.jobs()
	var sizes []int
	seen := map[string]bool{}
	for _, j := range jobs {
		sizes = append(sizes, len(j.Diners))
		if j.CampaignID != "birthday-wang" || j.StoreID != "S001" || j.Occasion != "birthday" || j.Year != 2026 || j.Date != "2026-12-01" {
			t.Errorf("job: got %+v, want birthday-wang at S001 for 2026 on 2026-12-01", j)
		}
		for _, d := range j.Diners {
			if seen[d.Key] || !strings.HasPrefix(d.Key, "due-") {
				t.Errorf("queued %s: want each due diner once and no one else", d.Key)
			}
			seen[d.Key] = true
		}
	}
	if !slices.Equal(sizes, []int{25, 15, 20}) || len(r.queue.batches) != 2 {
		t.Errorf("jobs: got sizes %v in %d batches, want [25 15 20] in 2 (one per page)", sizes, len(r.queue.batches))
	}
	k := PlanKey{CampaignID: "birthday-wang", StoreID: "S001", Date: "2026-12-01"}
	if r.store.plans[k] != "planned" || r.store.planned[k] != 60 {
		t.Errorf("plan record: got %q with %d planned, want planned with 60", r.store.plans[k], r.store.planned[k])
	}
	if q := r.store.queries; len(q) != 1 || !slices.Equal(q[0].BirthdayKeys, []string{"12-04"}) {
		t.Errorf("index queries: got %+v, want one for birthdays on 12-04", q)
	}

	for _, later := range []string{"2026-12-01T02:30:00Z", "2026-12-01T03:59:00Z"} {
		r.at(rfc(later))
		rep, err := r.planner.Plan(t.Context())
		if err != nil || rep != (PlanReport{}) {
			t.Errorf("re-run at %s: got %+v, %v; want nothing planned", later, rep, err)
		}
	}
	if got := len(r.queue.jobs()); got != 3 {
		t.Errorf("jobs after re-runs: got %d, want still 3", got)
	}
	// Singapore's own send hour (12:00 there) plans Singapore, once.
	for range 2 {
		r.at(rfc("2026-12-01T04:00:00Z"))
		if _, err := r.planner.Plan(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(r.queue.jobs()); got != 4 || r.store.plans[PlanKey{"birthday-wang", "S003", "2026-12-01"}] != "planned" {
		t.Errorf("after Singapore's send hour: got %d jobs, want 4 (Singapore's one job, once)", got)
	}
	// The next day is a new plan.
	r.at(rfc("2026-12-02T02:00:00Z"))
	r.store.diners["S001"] = append(r.store.diners["S001"], greetable("next", "12-05", 2)...)
	if rep, err := r.planner.Plan(t.Context()); err != nil || rep.Plans != 1 || rep.Due != 7 {
		t.Errorf("next day: got %+v, %v; want 1 plan with 7 due (12-05 birthdays)", rep, err)
	}
}

// TestPlanAfterAFailedRun: a run that claimed a plan and did not finish it
// (crashed, or the queue failed) leaves it to the next run, which queues
// the store-day whole; the sender's never-twice claim absorbs duplicates.
func TestPlanAfterAFailedRun(t *testing.T) {
	t.Parallel()
	k := PlanKey{CampaignID: "birthday-wang", StoreID: "S001", Date: "2026-12-01"}
	tests := []struct {
		name      string
		setup     func(r *planRig)
		wantErr   bool // the first run fails
		wantFirst int  // diners queued by the first run
	}{
		{"SQS failed on the second page", func(r *planRig) { r.queue.failOn = 2 }, true, 30},
		{"an earlier run crashed after claiming", func(r *planRig) { r.store.plans[k] = "planning" }, false, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newPlanRig(t, rfc("2026-12-01T02:30:00Z"), birthdayCampaign())
			r.store.diners["S001"] = greetable("due", "12-04", 50)
			r.store.pageSize = 30
			tt.setup(r)
			if _, err := r.planner.Plan(t.Context()); (err != nil) != tt.wantErr {
				t.Fatalf("first run: got %v, want error: %v", err, tt.wantErr)
			}
			if got := queued(r.queue.jobs()); got != tt.wantFirst {
				t.Errorf("first run: got %d diners queued, want %d", got, tt.wantFirst)
			}
			if tt.wantErr && r.store.plans[k] != "planning" {
				t.Errorf("after the failed run: got plan %q, want still planning", r.store.plans[k])
			}
			rep, err := r.planner.Plan(t.Context())
			if wantDue := 50; tt.wantErr && (err != nil || rep.Due != wantDue) {
				t.Errorf("second run: got %+v, %v; want the store-day queued whole (%d due)", rep, err, wantDue)
			}
			if r.store.plans[k] != "planned" || r.store.planned[k] != 50 {
				t.Errorf("plan: got %q with %d planned, want planned with 50 counted once", r.store.plans[k], r.store.planned[k])
			}
			if rep, _ := r.planner.Plan(t.Context()); rep != (PlanReport{}) {
				t.Errorf("third run: got %+v, want nothing", rep)
			}
		})
	}
}

func queued(jobs []Job) int {
	n := 0
	for _, j := range jobs {
		n += len(j.Diners)
	}
	return n
}

// TestPlanScheduleBoundaries: a store-day is planned from the campaign's send
// hour in the store's own time zone, on the day the campaign names; a
// holiday campaign is finished once its day is over at every store it
// reaches. Quiet hours are not the planner's: a late plan is queued and the
// sender holds it (TestDeliverQuietHours).
func TestPlanScheduleBoundaries(t *testing.T) {
	t.Parallel()
	midAutumn := Campaign{ID: "mid", BrandID: "wang", Occasion: "mid_autumn", Year: 2026, LeadDays: 2, SendHour: 11, Status: Scheduled}
	taipeiOnly := midAutumn
	taipeiOnly.Segment.Stores = []string{"S001"}
	tests := []struct {
		name     string
		c        Campaign
		now      string
		want     []string // planned store@date
		finished bool
	}{
		{"birthday: Taipei 09:59", birthdayCampaign(), "2026-12-01T01:59:59Z", nil, false},
		{"birthday: Taipei 10:00", birthdayCampaign(), "2026-12-01T02:00:00Z", []string{"S001@2026-12-01"}, false},
		{"birthday: Taipei 23:59, late but the same day", birthdayCampaign(), "2026-12-01T15:59:00Z", []string{"S001@2026-12-01", "S003@2026-12-01"}, false},
		{"birthday: Taipei midnight is a new day, before its send hour", birthdayCampaign(), "2026-12-01T16:00:00Z", nil, false},
		{"birthday: Singapore 11:59 waits for its own 12:00", birthdayCampaign(), "2026-12-01T03:59:00Z", []string{"S001@2026-12-01"}, false},
		{"birthday campaigns are never finished", birthdayCampaign(), "2030-01-01T12:00:00Z", []string{"S001@2030-01-01", "S003@2030-01-01"}, false},
		{"holiday: the day before", midAutumn, "2026-09-22T05:00:00Z", nil, false},
		{"holiday: 10:59 on the day", midAutumn, "2026-09-23T02:59:00Z", nil, false},
		{"holiday: 11:00 on the day", midAutumn, "2026-09-23T03:00:00Z", []string{"S001@2026-09-23", "S003@2026-09-23"}, false},
		{"holiday: the day after is past everywhere", midAutumn, "2026-09-24T03:00:00Z", nil, true},
		{"holiday: a store outside the segment is neither planned nor waited for", taipeiOnly, "2026-09-23T03:00:00Z", []string{"S001@2026-09-23"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newPlanRig(t, rfc(tt.now), tt.c)
			r.store.diners["S001"] = greetable("tw", "", 1)
			if _, err := r.planner.Plan(t.Context()); err != nil {
				t.Fatal(err)
			}
			var got []string
			for k := range r.store.plans {
				got = append(got, k.StoreID+"@"+k.Date)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("planned: got %v, want %v", got, tt.want)
			}
			if finished := slices.Contains(r.store.finished, tt.c.ID); finished != tt.finished {
				t.Errorf("campaign finished: got %v, want %v", finished, tt.finished)
			}
		})
	}
}

func TestReaches(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ok := diner.Profile{Key: "k", Email: "k@example.net", MarketingStatus: diner.MarketingConfirmed, Language: "en", Visits: 3, LastVisitDate: "2026-09-01"}
	tests := []struct {
		name string
		seg  Segment
		edit func(*diner.Profile)
		want bool
	}{
		{"confirmed, no segment", Segment{}, nil, true},
		{"no e-mail", Segment{}, func(d *diner.Profile) { d.Email = "" }, false},
		{"consent not confirmed", Segment{}, func(d *diner.Profile) { d.MarketingStatus = diner.MarketingPending }, false},
		{"consent withdrawn", Segment{}, func(d *diner.Profile) { d.MarketingStatus = diner.MarketingWithdrawn }, false},
		{"language in the segment", Segment{Languages: []i18n.Lang{i18n.En}}, nil, true},
		{"language not in the segment", Segment{Languages: []i18n.Lang{i18n.ZhTW}}, nil, false},
		{"no language: the store's counts", Segment{Languages: []i18n.Lang{i18n.ZhTW}}, func(d *diner.Profile) { d.Language = "" }, true},
		{"enough visits", Segment{MinVisits: 3}, nil, true},
		{"too few visits", Segment{MinVisits: 4}, nil, false},
		{"visited within 3 months", Segment{VisitedWithinMonths: 3}, nil, true},
		{"last visit a day too early", Segment{VisitedWithinMonths: 3}, func(d *diner.Profile) { d.LastVisitDate = "2026-08-31" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := ok
			if tt.edit != nil {
				tt.edit(&d)
			}
			if got := (Campaign{Segment: tt.seg}).Reaches(d, taipei, day); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
