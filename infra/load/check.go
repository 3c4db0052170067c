package load

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cardloop/cardloop/infra/runner"
)

// report is what one scenario's check found.
type report struct {
	name         string
	notes        []string
	submitted    int
	accepted     int
	rejected     []string
	replays      int
	replaysOK    int
	lost         int // accepted ids not stored
	duplicated   int // cards stored more than once (one submission, several cards)
	lowCards     int // low cards stored
	cases        int // cases holding this scenario's cards
	lowWithout   int // low cards in no case
	lowInMany    int // low cards in more than one case
	notLowCases  int // cases of cards that were not low
	mails        int // e-mails linking to this scenario's cases
	casesNoMail  int // cases no e-mail links to
	casesManyMal int // cases more than one e-mail links to
	mailsNotMgr  int // e-mails to someone other than the store manager
	latencies    []time.Duration
	elapsed      time.Duration
	drained      time.Duration
}

// ok says whether every promise held.
func (r report) ok() bool {
	return r.accepted == r.submitted && r.lost == 0 && r.duplicated == 0 && r.replaysOK == r.replays &&
		r.lowWithout == 0 && r.lowInMany == 0 && r.notLowCases == 0 && r.cases == r.lowCards &&
		r.mails == r.cases && r.casesNoMail == 0 && r.casesManyMal == 0 && r.mailsNotMgr == 0
}

func (r report) print(w io.Writer) {
	check := func(good bool) string {
		if good {
			return "ok"
		}
		return "FAILED"
	}
	fmt.Fprintf(w, "\n### %s\n\n", r.name)
	for _, n := range r.notes {
		fmt.Fprintf(w, "%s\n", n)
	}
	if len(r.notes) > 0 {
		fmt.Fprintln(w)
	}
	rate := float64(r.submitted) / r.elapsed.Seconds()
	fmt.Fprintf(w, "| what | count | promise |\n|---|---|---|\n")
	fmt.Fprintf(w, "| cards submitted (%.0f s, %.0f cards/s) | %d | |\n", r.elapsed.Seconds(), rate, r.submitted)
	fmt.Fprintf(w, "| accepted (201, or 200 after a retry) | %d | all: %s |\n", r.accepted, check(r.accepted == r.submitted))
	fmt.Fprintf(w, "| replays answered 200 with the same id | %d of %d | all: %s |\n", r.replaysOK, r.replays, check(r.replaysOK == r.replays))
	fmt.Fprintf(w, "| lost (accepted, not stored) | %d | 0: %s |\n", r.lost, check(r.lost == 0))
	fmt.Fprintf(w, "| duplicated (one submission stored twice) | %d | 0: %s |\n", r.duplicated, check(r.duplicated == 0))
	fmt.Fprintf(w, "| low cards stored | %d | |\n", r.lowCards)
	fmt.Fprintf(w, "| cases | %d | = low cards: %s |\n", r.cases, check(r.cases == r.lowCards))
	fmt.Fprintf(w, "| low cards in no case / in two or more / cases of other cards | %d / %d / %d | 0: %s |\n", r.lowWithout, r.lowInMany, r.notLowCases, check(r.lowWithout+r.lowInMany+r.notLowCases == 0))
	fmt.Fprintf(w, "| manager e-mails | %d | = cases: %s |\n", r.mails, check(r.mails == r.cases && r.mailsNotMgr == 0))
	fmt.Fprintf(w, "| cases with no e-mail / with two or more | %d / %d | 0: %s |\n", r.casesNoMail, r.casesManyMal, check(r.casesNoMail+r.casesManyMal == 0))
	p50, p95 := percentile(r.latencies, 0.50), percentile(r.latencies, 0.95)
	fmt.Fprintf(w, "| submit-to-e-mail p50 / p95 / max | %s / %s / %s | |\n", round(p50), round(p95), round(percentile(r.latencies, 1)))
	fmt.Fprintf(w, "| drained (last card to last e-mail seen) | %s | |\n", round(r.drained))
	for i, x := range r.rejected {
		if i == 5 {
			fmt.Fprintf(w, "… %d more not accepted\n", len(r.rejected)-5)
			break
		}
		fmt.Fprintf(w, "not accepted: %s\n", x)
	}
	fmt.Fprintf(w, "\n%s: %s\n", r.name, check(r.ok()))
}

func round(d time.Duration) time.Duration { return d.Round(10 * time.Millisecond) }

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(p*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

// scenario runs one scenario: submit, inject its fault, wait for the
// pipeline to drain (bounded), check.
func (s *stack) scenario(ctx context.Context, name string, index int, o Options) (report, error) {
	r := report{name: name}
	note := func(format string, args ...any) {
		r.notes = append(r.notes, fmt.Sprintf("- "+format, args...))
	}
	var inject func(context.Context, func() float64)
	switch name {
	case NoFaults:
	case PauseMoto:
		inject = s.pauseEmulator(note)
	case KillTriage:
		inject = s.killTriage(note)
	default:
		return r, fmt.Errorf("unknown scenario %q (want one of %s)", name, strings.Join(AllScenarios, ", "))
	}
	tag := fmt.Sprintf("load-%d-%s", time.Now().Unix(), name)
	subs := s.submissions(tag, index, o)
	r.submitted = len(subs)
	r.rejected, r.elapsed = s.submit(ctx, subs, o, inject)
	last := time.Now()

	// Wait until every low card accepted has a case and an e-mail, or the
	// drain time is over; then a little longer, for late duplicates.
	// The wait reads only the stores' case lists until every low card is
	// in a case, and the outbox only then: the outbox is the emulator's
	// whole state as JSON, and the emulator answers one request at a time,
	// so reading it often would slow the very pipeline being measured.
	deadline := time.Now().Add(o.Drain)
	for !time.Now().After(deadline) {
		done, err := s.allInCases(ctx, subs)
		if err != nil {
			return r, err
		}
		if done {
			obs, err := s.observe(ctx, tag)
			if err != nil {
				return r, err
			}
			if obs.settled(subs) {
				break
			}
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-time.After(3 * time.Second):
		}
	}
	r.drained = time.Since(last)
	time.Sleep(settleTime)
	obs, err := s.observe(ctx, tag)
	if err != nil {
		return r, err
	}
	if err := s.readNotices(ctx, &obs); err != nil {
		return r, err
	}
	obs.judge(&r, subs)
	return r, nil
}

// observation is what storage and the outbox hold for one scenario.
type observation struct {
	cards map[string][]string // submission key (from the comment) → stored card ids
	cases map[string][]string // case id → its card ids (cases holding our cards)
	mails map[string][]string // case id → recipients of e-mails linking to it
	sent  map[string]time.Time
}

var (
	caseLink = regexp.MustCompile(`/k/(k_[a-z0-9]+)`)
	tagged   = regexp.MustCompile(`^(load-\d+-[a-z-]+) #(\d+)$`)
)

// observe reads the scenario's cards and cases from the table (through the
// stores' GSI1 partitions) and the e-mails from the emulator's outbox.
func (s *stack) observe(ctx context.Context, tag string) (observation, error) {
	o := observation{cards: map[string][]string{}, cases: map[string][]string{}, mails: map[string][]string{}, sent: map[string]time.Time{}}
	ours := map[string]bool{}
	for _, store := range s.stores {
		var cards []struct {
			ID      string `dynamodbav:"cardId"`
			Comment string `dynamodbav:"comment"`
		}
		if err := s.query(ctx, "STORE#"+store+"#CARDS", &cards); err != nil {
			return o, err
		}
		for _, c := range cards {
			m := tagged.FindStringSubmatch(c.Comment)
			if m == nil || m[1] != tag {
				continue
			}
			key := m[1] + "-" + m[2]
			o.cards[key] = append(o.cards[key], c.ID)
			ours[c.ID] = true
		}
	}
	for _, store := range s.stores {
		var cases []struct {
			ID    string   `dynamodbav:"caseId"`
			Cards []string `dynamodbav:"cardIds"`
		}
		if err := s.query(ctx, "STORE#"+store+"#CASES", &cases); err != nil {
			return o, err
		}
		for _, k := range cases {
			if slices.ContainsFunc(k.Cards, func(id string) bool { return ours[id] }) {
				o.cases[k.ID] = k.Cards
			}
		}
	}
	outboxCtx, cancel := context.WithTimeout(ctx, outboxLimit)
	defer cancel()
	mails, err := runner.ReadOutbox(outboxCtx, s.endpoint)
	if err != nil {
		return o, err
	}
	for _, m := range mails {
		ids := map[string]bool{}
		for _, part := range []string{m.Text, m.HTML} {
			for _, l := range caseLink.FindAllStringSubmatch(part, -1) {
				ids[l[1]] = true
			}
		}
		for id := range ids {
			if _, ok := o.cases[id]; ok {
				o.mails[id] = append(o.mails[id], strings.Join(m.To, ","))
			}
		}
	}
	return o, nil
}

// allInCases says whether every accepted low card is in a case.
func (s *stack) allInCases(ctx context.Context, subs []*submission) (bool, error) {
	inCase := map[string]bool{}
	for _, store := range s.stores {
		var cases []struct {
			Cards []string `dynamodbav:"cardIds"`
		}
		if err := s.query(ctx, "STORE#"+store+"#CASES", &cases); err != nil {
			return false, err
		}
		for _, k := range cases {
			for _, c := range k.Cards {
				inCase[c] = true
			}
		}
	}
	for _, sub := range subs {
		if sub.low && sub.id != "" && !inCase[sub.id] {
			return false, nil
		}
	}
	return true, nil
}

// settled says whether every accepted low card has a case and every case
// an e-mail.
func (o observation) settled(subs []*submission) bool {
	inCase := map[string]bool{}
	for _, cards := range o.cases {
		for _, c := range cards {
			inCase[c] = true
		}
	}
	for _, sub := range subs {
		if sub.low && sub.id != "" && !inCase[sub.id] {
			return false
		}
	}
	for id := range o.cases {
		if len(o.mails[id]) == 0 {
			return false
		}
	}
	return true
}

// readNotices reads when each case's alert was sent (its notice's sentAt),
// eight cases at a time.
func (s *stack) readNotices(ctx context.Context, o *observation) error {
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, len(o.cases))
	sem := make(chan struct{}, 8)
	for id := range o.cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			var notices []struct {
				Kind   string    `dynamodbav:"noticeKind"`
				Status string    `dynamodbav:"status"`
				SentAt time.Time `dynamodbav:"sentAt"`
			}
			out, err := s.db.Query(ctx, &dynamodb.QueryInput{
				TableName:              &s.table,
				KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :n)"),
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":pk": &types.AttributeValueMemberS{Value: "CASE#" + id}, ":n": &types.AttributeValueMemberS{Value: "NOTICE#"},
				},
			})
			if err == nil {
				err = attributevalue.UnmarshalListOfMaps(out.Items, &notices)
			}
			if err != nil {
				errs <- fmt.Errorf("read notices of case %s: %w", id, err)
				return
			}
			for _, n := range notices {
				if n.Kind == "alert" && n.Status == "sent" {
					mu.Lock()
					o.sent[id] = n.SentAt
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// judge fills r from what was observed.
func (o observation) judge(r *report, subs []*submission) {
	caseOf := map[string][]string{}
	for id, cards := range o.cases {
		for _, c := range cards {
			caseOf[c] = append(caseOf[c], id)
		}
	}
	low := map[string]*submission{}
	for _, sub := range subs {
		if sub.id == "" {
			continue
		}
		r.accepted++
		if sub.replayed {
			r.replays++
			if sub.replayStatus == 200 && sub.replayID == sub.id {
				r.replaysOK++
			}
		}
		stored := o.cards[sub.key]
		if !slices.Contains(stored, sub.id) {
			r.lost++
		}
		if len(stored) > 1 {
			r.duplicated++
		}
		if !sub.low {
			continue
		}
		low[sub.id] = sub
		r.lowCards++
		switch n := len(caseOf[sub.id]); {
		case n == 0:
			r.lowWithout++
		case n > 1:
			r.lowInMany++
		}
	}
	r.cases = len(o.cases)
	for id, cards := range o.cases {
		var sub *submission
		for _, c := range cards {
			if low[c] == nil {
				r.notLowCases++
			} else {
				sub = low[c]
			}
		}
		mails := o.mails[id]
		r.mails += len(mails)
		switch {
		case len(mails) == 0:
			r.casesNoMail++
		case len(mails) > 1:
			r.casesManyMal++
		}
		for _, to := range mails {
			if !strings.HasPrefix(to, "manager.") {
				r.mailsNotMgr++
			}
		}
		if at, ok := o.sent[id]; ok && sub != nil {
			r.latencies = append(r.latencies, at.Sub(sub.sent))
		}
	}
}

// query reads a whole GSI1 partition into out.
func (s *stack) query(ctx context.Context, pk string, out any) error {
	var items []map[string]types.AttributeValue
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName: &s.table, IndexName: aws.String("gsi1"),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("query %s: %w", pk, err)
		}
		items = append(items, page.Items...)
	}
	if err := attributevalue.UnmarshalListOfMaps(items, out); err != nil {
		return fmt.Errorf("read %s: %w", pk, err)
	}
	return nil
}
