package schedule

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cardloop/cardloop/infra/sam"
)

// Job is one Schedule or ScheduleV2 event of a function.
type Job struct {
	Function string // logical id
	Event    string // event name
	// Type is Schedule (EventBridge rule) or ScheduleV2 (Scheduler).
	Type string
	// Expression is the schedule expression as written.
	Expression string
	// Location is ScheduleExpressionTimezone (UTC by default).
	Location *time.Location
	// Input replaces the default payload when set.
	Input string
	// Enabled is false for Enabled: false or State: DISABLED.
	Enabled bool
	// ARN is the rule's or schedule's ARN.
	ARN  string
	expr Expression
}

// Jobs returns the schedule events of tpl's functions, with their
// properties resolved by r; stack names the rules and schedules.
func Jobs(tpl *sam.Template, r *sam.Resolver, stack string) ([]Job, error) {
	fns, err := tpl.Functions()
	if err != nil {
		return nil, err
	}
	var jobs []Job
	for _, f := range fns {
		for _, e := range f.Events {
			if e.Type != "Schedule" && e.Type != "ScheduleV2" {
				continue
			}
			v, err := r.Resolve(e.Properties)
			if err != nil {
				return nil, fmt.Errorf("function %s event %s: %w", f.LogicalID, e.Name, err)
			}
			p, _ := v.(map[string]any)
			j := Job{Function: f.LogicalID, Event: e.Name, Type: e.Type, Location: time.UTC, Enabled: true}
			name := stack + "-" + f.LogicalID + e.Name
			if e.Type == "Schedule" {
				j.Expression, _ = p["Schedule"].(string)
				j.ARN = fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", sam.Region, sam.AccountID, name)
			} else {
				j.Expression, _ = p["ScheduleExpression"].(string)
				j.ARN = fmt.Sprintf("arn:aws:scheduler:%s:%s:schedule/default/%s", sam.Region, sam.AccountID, name)
				if tz, _ := p["ScheduleExpressionTimezone"].(string); tz != "" {
					loc, err := time.LoadLocation(tz)
					if err != nil {
						return nil, fmt.Errorf("function %s event %s: timezone: %w", f.LogicalID, e.Name, err)
					}
					j.Location = loc
				}
			}
			j.Input, _ = p["Input"].(string)
			if b, ok := p["Enabled"].(bool); ok && !b {
				j.Enabled = false
			}
			if s, _ := p["State"].(string); strings.EqualFold(s, "DISABLED") {
				j.Enabled = false
			}
			if j.expr, err = Parse(j.Expression, j.Location); err != nil {
				return nil, fmt.Errorf("function %s event %s: %w", f.LogicalID, e.Name, err)
			}
			jobs = append(jobs, j)
		}
	}
	return jobs, nil
}

// Payload returns the event the job's target gets for a firing at t: the
// Input when set (Scheduler's context attributes filled in), otherwise
// EventBridge's "Scheduled Event" (rules) or {} (Scheduler).
func (j Job) Payload(t time.Time) ([]byte, error) {
	id := uuid()
	if j.Input != "" {
		in := j.Input
		if j.Type == "ScheduleV2" {
			in = strings.NewReplacer(
				"<aws.scheduler.scheduled-time>", t.UTC().Format(time.RFC3339),
				"<aws.scheduler.execution-id>", id,
				"<aws.scheduler.schedule-arn>", j.ARN,
				"<aws.scheduler.attempt-number>", "1",
			).Replace(in)
		}
		if !json.Valid([]byte(in)) {
			return nil, fmt.Errorf("payload of %s/%s: Input is not JSON", j.Function, j.Event)
		}
		return []byte(in), nil
	}
	if j.Type == "ScheduleV2" {
		return []byte("{}"), nil
	}
	ev := map[string]any{
		"version":     "0",
		"id":          id,
		"detail-type": "Scheduled Event",
		"source":      "aws.events",
		"account":     sam.AccountID,
		"time":        t.UTC().Format(time.RFC3339),
		"region":      sam.Region,
		"resources":   []string{j.ARN},
		"detail":      map[string]any{},
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("payload of %s/%s: %w", j.Function, j.Event, err)
	}
	return b, nil
}

func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Invoker runs a function with a JSON event.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// tailInvoker is an Invoker that also returns what the function logged
// during the run (lambdart.Function.InvokeTail, Lambda's LogType Tail).
type tailInvoker interface {
	InvokeTail(ctx context.Context, payload []byte) ([]byte, string, error)
}

// LogHeader carries, base64-encoded, what the function logged during a run
// triggered through the API (Lambda's X-Amz-Log-Result).
const LogHeader = "X-Log-Result"

// ErrUnknown is returned by Trigger for a schedule the template lacks.
var ErrUnknown = errors.New("no such schedule")

// Clock fires jobs at their times and on demand.
type Clock struct {
	jobs      []Job
	functions map[string]Invoker
	log       *log.Logger
	now       func() time.Time
	wg        sync.WaitGroup

	mu   sync.Mutex
	runs []Run // the last runs from the page, newest last
	seq  int
}

// New returns a clock for jobs invoking functions (by logical id); log may
// be nil.
func New(jobs []Job, functions map[string]Invoker, logger *log.Logger) (*Clock, error) {
	for _, j := range jobs {
		if _, ok := functions[j.Function]; !ok {
			return nil, fmt.Errorf("schedule %s/%s: no function %s", j.Function, j.Event, j.Function)
		}
	}
	if logger == nil {
		logger = log.New(discard{}, "", 0)
	}
	return &Clock{jobs: jobs, functions: functions, log: logger, now: time.Now}, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// Jobs returns the clock's jobs sorted by function and event.
func (c *Clock) Jobs() []Job {
	out := append([]Job{}, c.jobs...)
	sort.Slice(out, func(i, k int) bool {
		return out[i].Function+"/"+out[i].Event < out[k].Function+"/"+out[k].Event
	})
	return out
}

// Run fires every enabled job at its times until ctx ends, then waits for
// running invocations.
func (c *Clock) Run(ctx context.Context) {
	start := c.now()
	for _, j := range c.jobs {
		if !j.Enabled {
			continue
		}
		if r, ok := j.expr.(*Rate); ok {
			rc := *r
			rc.Start = start
			j.expr = &rc
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.loop(ctx, j)
		}()
	}
	<-ctx.Done()
	c.wg.Wait()
}

func (c *Clock) loop(ctx context.Context, j Job) {
	t := c.now()
	for {
		next := j.expr.Next(t)
		if next.IsZero() {
			return
		}
		c.log.Printf("schedule %s/%s (%s): next at %s", j.Function, j.Event, j.Expression, next.Format(time.RFC3339))
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		if _, err := c.fire(ctx, j, next); err != nil {
			c.log.Printf("schedule %s/%s: %v", j.Function, j.Event, err)
		}
		t = next
	}
}

func (c *Clock) fire(ctx context.Context, j Job, t time.Time) ([]byte, error) {
	payload, err := j.Payload(t)
	if err != nil {
		return nil, err
	}
	c.log.Printf("schedule %s/%s: invoking", j.Function, j.Event)
	out, err := c.functions[j.Function].Invoke(ctx, payload)
	if err != nil {
		return nil, fmt.Errorf("invoke %s for %s: %w", j.Function, j.Event, err)
	}
	return out, nil
}

// Trigger fires the job of function's event now and returns the function's
// response.
func (c *Clock) Trigger(ctx context.Context, function, event string) ([]byte, error) {
	run, err := c.runNow(ctx, function, event)
	if err != nil {
		return nil, err
	}
	return run.Output, run.Err
}

// runNow fires the job of function's event now and returns what the run
// did: the function's response or error, and what it logged when its
// invoker can say. The error is ErrUnknown's, for a schedule the template
// lacks.
func (c *Clock) runNow(ctx context.Context, function, event string) (Run, error) {
	for _, j := range c.jobs {
		if j.Function != function || j.Event != event {
			continue
		}
		run := Run{Function: function, Event: event, At: time.Now()}
		t, ok := c.functions[j.Function].(tailInvoker)
		if !ok {
			run.Output, run.Err = c.fire(ctx, j, c.now())
			run.Took = time.Since(run.At)
			return run, nil
		}
		payload, err := j.Payload(c.now())
		if err != nil {
			return Run{}, err
		}
		c.log.Printf("schedule %s/%s: invoking now", j.Function, j.Event)
		run.Output, run.Log, run.Err = t.InvokeTail(ctx, payload)
		run.Tailed = true
		run.Took = time.Since(run.At)
		if run.Err != nil {
			run.Err = fmt.Errorf("invoke %s for %s: %w", j.Function, j.Event, run.Err)
		}
		return run, nil
	}
	return Run{}, fmt.Errorf("trigger %s/%s: %w", function, event, ErrUnknown)
}

// Handler serves POST /local/schedules/{function}/{event}, which triggers
// the schedule now, and GET /local/schedules, which lists the schedules.
// API clients get JSON: the function's response, or the list. A browser
// (Accept: text/html) gets an HTML page with a Run now button per schedule;
// its POST redirects (303) to GET /local/schedules?run=N, which shows what
// that run did, so reloading the page does not run the schedule again.
func (c *Clock) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /local/schedules/{function}/{event}", func(w http.ResponseWriter, r *http.Request) {
		run, err := c.runNow(r.Context(), r.PathValue("function"), r.PathValue("event"))
		if wantsHTML(r) {
			if err != nil {
				http.Error(w, err.Error(), http.StatusNotFound)
				return
			}
			id := c.record(run)
			http.Redirect(w, r, "/local/schedules?run="+strconv.Itoa(id), http.StatusSeeOther)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if run.Log != "" {
			w.Header().Set(LogHeader, base64.StdEncoding.EncodeToString([]byte(run.Log)))
		}
		switch {
		case err != nil:
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(map[string]string{"message": err.Error()})
		case run.Err != nil:
			w.WriteHeader(http.StatusBadGateway)
			_ = json.NewEncoder(w).Encode(map[string]string{"message": run.Err.Error()})
		default:
			out := run.Output
			if len(out) == 0 || !json.Valid(out) {
				out = []byte("null")
			}
			_, _ = w.Write(out)
		}
	})
	mux.HandleFunc("GET /local/schedules", func(w http.ResponseWriter, r *http.Request) {
		items := c.items()
		if wantsHTML(r) {
			c.servePage(w, r, items)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(items)
	})
	return mux
}

// item is one schedule as GET /local/schedules lists it.
type item struct {
	Function   string `json:"function"`
	Event      string `json:"event"`
	Type       string `json:"type"`
	Expression string `json:"expression"`
	Timezone   string `json:"timezone"`
	Enabled    bool   `json:"enabled"`
	Next       string `json:"next,omitempty"`
	Trigger    string `json:"trigger"`
}

func (c *Clock) items() []item {
	var items []item
	for _, j := range c.Jobs() {
		it := item{Function: j.Function, Event: j.Event, Type: j.Type, Expression: j.Expression, Timezone: j.Location.String(), Enabled: j.Enabled,
			Trigger: "POST /local/schedules/" + j.Function + "/" + j.Event}
		// A rate counts from the runner's start, which the list does not
		// know, so it has no next time.
		if _, isRate := j.expr.(*Rate); !isRate {
			if n := j.expr.Next(c.now()); !n.IsZero() {
				it.Next = n.Format(time.RFC3339)
			}
		}
		items = append(items, it)
	}
	return items
}

// wantsHTML reports whether r comes from a browser rather than an API
// client.
func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}
