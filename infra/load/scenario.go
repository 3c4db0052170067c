package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// submission is one card the load sends, and what became of it.
type submission struct {
	n     int
	store string
	key   string
	body  []byte
	low   bool
	sent  time.Time // first attempt
	id    string    // from the 201 or 200 that accepted it
	tries int
	// replayed says the card was sent a second time with the same key and
	// body; replayStatus and replayID are the answer.
	replayed     bool
	replayStatus int
	replayID     string
}

// submissions makes a scenario's cards: unique Idempotency-Keys, every
// LowEvery-th card low (a 1 on service, nothing else low, so it opens one
// apology-call case under the default rules), each from a diner of its own
// who agreed to be called, so each low card is a case of its own.
func (s *stack) submissions(tag string, scenario int, o Options) []*submission {
	out := make([]*submission, o.Cards)
	for n := range out {
		low := n%o.LowEvery == 0
		service, overall := 3+n%3, 3+(n/3)%3
		if low {
			service, overall = 1, 4
		}
		body, _ := json.Marshal(map[string]any{
			"storeId": s.stores[n%len(s.stores)],
			"ratings": map[string]int{"service": service, "overall": overall},
			"comment": fmt.Sprintf("%s #%d", tag, n),
			"diner":   map[string]string{"name": fmt.Sprintf("Load %d", n), "phone": fmt.Sprintf("+886 9%02d %06d", 10+scenario, n)},
			"consent": map[string]bool{"contact": true},
		})
		out[n] = &submission{n: n, store: s.stores[n%len(s.stores)], key: fmt.Sprintf("%s-%d", tag, n), body: body, low: low}
	}
	return out
}

// post sends a card until it is accepted (201, or 200 for a card an earlier
// try stored), retrying with the same key after a 5xx, a 429 or no answer,
// as a client of the API should.
func (s *stack) post(ctx context.Context, c *http.Client, sub *submission) (status int, id string, replayed bool, err error) {
	for try := 1; try <= submitTries; try++ {
		sub.tries++
		status, id, replayed, err = s.postOnce(ctx, c, sub)
		if err == nil && status < 500 && status != http.StatusTooManyRequests {
			return status, id, replayed, nil
		}
		select {
		case <-ctx.Done():
			return 0, "", false, ctx.Err()
		case <-time.After(time.Duration(min(try, 10)) * 200 * time.Millisecond):
		}
	}
	if err == nil {
		err = fmt.Errorf("status %d after %d tries", status, submitTries)
	}
	return status, id, replayed, err
}

func (s *stack) postOnce(ctx context.Context, c *http.Client, sub *submission) (int, string, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/api/v1/cards", bytes.NewReader(sub.body))
	if err != nil {
		return 0, "", false, fmt.Errorf("post card %s: %w", sub.key, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", sub.key)
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", false, fmt.Errorf("post card %s: %w", sub.key, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var doc struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(b, &doc)
	return resp.StatusCode, doc.ID, resp.Header.Get("Idempotent-Replayed") == "true", nil
}

// submit sends every card with o.Concurrency workers, then the replays;
// inject, when set, runs beside them with the count of cards done so far.
func (s *stack) submit(ctx context.Context, subs []*submission, o Options, inject func(ctx context.Context, progress func() float64)) (rejected []string, elapsed time.Duration) {
	client := &http.Client{Timeout: requestLimit}
	var done atomic.Int64
	var injected sync.WaitGroup
	injectCtx, stopInject := context.WithCancel(ctx)
	defer stopInject()
	if inject != nil {
		injected.Add(1)
		go func() {
			defer injected.Done()
			inject(injectCtx, func() float64 { return float64(done.Load()) / float64(len(subs)) })
		}()
	}
	var mu sync.Mutex
	jobs := make(chan *submission)
	var wg sync.WaitGroup
	start := time.Now()
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sub := range jobs {
				sub.sent = time.Now()
				status, id, _, err := s.post(ctx, client, sub)
				if err == nil && (status == http.StatusCreated || status == http.StatusOK) {
					sub.id = id
				} else {
					mu.Lock()
					rejected = append(rejected, fmt.Sprintf("%s: %d %v", sub.key, status, err))
					mu.Unlock()
				}
				if sub.id != "" && o.ReplayEvery > 0 && sub.n%o.ReplayEvery == 1 {
					sub.replayed = true
					status, id, replayed, err := s.post(ctx, client, sub)
					if err == nil && replayed {
						sub.replayStatus, sub.replayID = status, id
					}
				}
				done.Add(1)
			}
		}()
	}
	for _, sub := range subs {
		select {
		case jobs <- sub:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	elapsed = time.Since(start)
	stopInject()
	injected.Wait()
	return rejected, elapsed
}

// pauseEmulator stops the emulator's process group for pauseFor once a
// third of the cards are in, then lets it go on.
func (s *stack) pauseEmulator(note func(string, ...any)) func(ctx context.Context, progress func() float64) {
	return func(ctx context.Context, progress func() float64) {
		if !waitFor(ctx, progress, 1.0/3) {
			return
		}
		if err := syscall.Kill(-s.emulatorPid, syscall.SIGSTOP); err != nil {
			note("pause emulator: %v", err)
			return
		}
		at := progress()
		time.Sleep(pauseFor) // not ctx: the emulator must go on whatever happens
		_ = syscall.Kill(-s.emulatorPid, syscall.SIGCONT)
		note("emulator paused %s at %.0f %% of the cards", pauseFor, 100*at)
	}
}

// killTriage kills TriageFunction's process while it runs a batch, up to
// triageKills times, 2 s apart, once a quarter of the cards are in.
func (s *stack) killTriage(note func(string, ...any)) func(ctx context.Context, progress func() float64) {
	return func(ctx context.Context, progress func() float64) {
		fn := s.functions[triageLogic]
		if fn == nil {
			note("no %s to kill", triageLogic)
			return
		}
		if !waitFor(ctx, progress, 0.25) {
			return
		}
		kills := 0
		deadline := time.Now().Add(2 * time.Minute)
		for kills < triageKills && time.Now().Before(deadline) {
			if k := fn.KillBusy(); k > 0 {
				kills += k
				note("%s killed mid-batch at %.0f %% of the cards", triageLogic, 100*progress())
				time.Sleep(2 * time.Second)
				continue
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
}

// waitFor waits until share of the cards are done or ctx ends.
func waitFor(ctx context.Context, progress func() float64, share float64) bool {
	for {
		if progress() >= share {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
}
