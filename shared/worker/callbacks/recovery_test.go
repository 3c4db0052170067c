package callbacks_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/insight"
	"github.com/cardloop/cardloop/shared/worker/insights"
)

// submitAs submits a card of S001 from the diner with phone (anonymous
// when ""), on the rig's clock.
func (r *rig) submitAs(t *testing.T, id, phone string, ratings map[string]int) card.Card {
	t.Helper()
	s := card.Submission{SubmissionID: id, StoreID: "S001", Ratings: ratings}
	if phone != "" {
		s.Diner, s.Consent = card.DinerInput{Name: "林小姐", Phone: phone}, card.ConsentInput{Contact: true}
	}
	res, err := r.cards.Submit(context.Background(), s, card.Meta{Source: card.SourceQR})
	if err != nil {
		t.Fatal(err)
	}
	return res.Card
}

// caseCounters reads the callback counters of S001's periods of a day.
func (r *rig) caseCounters(t *testing.T, day string) map[insight.Period]insight.Counters {
	t.Helper()
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		t.Fatal(err)
	}
	ps := insight.PeriodsOf(d)
	got, err := r.db.Counters(context.Background(), "S001", ps[:])
	if err != nil {
		t.Fatal(err)
	}
	out := map[insight.Period]insight.Counters{}
	for _, p := range ps {
		out[p] = insight.Counters{}
		for _, n := range []string{casework.NRecoverable, casework.NRecovered, casework.NRecoveredScored,
			casework.NRecoveredComplaintOverall, casework.NRecoveredLaterOverall} {
			if v := got[p][insight.CasePrefix+n]; v != 0 {
				out[p][n] = v
			}
		}
	}
	return out
}

// TestRecoveryCountedOnceThroughTheStream: a diner complains (overall 2),
// leaves a good card the same day and comes back 20 days later (overall
// 5), and an anonymous diner complains and "comes back"; the stream is
// delivered twice. The complaint's visit day, month-week and month each
// count one recoverable case, recovered once, 2 → 5.
func TestRecoveryCountedOnceThroughTheStream(t *testing.T) {
	r := newRig(t)
	complaint := r.submit(t, "recover-1", map[string]int{"main": 1, "overall": 2}, "")
	r.submit(t, "recover-same-day", map[string]int{"main": 5, "overall": 5}, "")
	r.submitAs(t, "recover-anon-1", "", map[string]int{"main": 1, "overall": 1})
	later := r.clock.AddDate(0, 0, 20)
	r.clock = &later
	back := r.submit(t, "recover-2", map[string]int{"main": 5, "overall": 5}, "")
	r.submitAs(t, "recover-anon-2", "", map[string]int{"main": 5, "overall": 5})
	if back.VisitDate <= complaint.VisitDate {
		t.Fatalf("visit days: got %s then %s, want a later second visit", complaint.VisitDate, back.VisitDate)
	}

	ev := r.env.StreamEvent(t)
	want := insight.Counters{casework.NRecoverable: 1, casework.NRecovered: 1, casework.NRecoveredScored: 1,
		casework.NRecoveredComplaintOverall: 2, casework.NRecoveredLaterOverall: 5}
	for delivery := 1; delivery <= 2; delivery++ {
		if resp := r.handle(t, ev); len(resp.BatchItemFailures) != 0 {
			t.Fatalf("delivery %d: got failures %+v", delivery, resp.BatchItemFailures)
		}
		for p, got := range r.caseCounters(t, complaint.VisitDate) {
			if !got.Equal(want) {
				t.Errorf("delivery %d, %s: got %v, want %v", delivery, p, got, want)
			}
		}
	}
	rec, err := r.db.CaseRecord(context.Background(), casework.ID("S001", complaint.Diner.Key, complaint.ID, complaint.VisitDate))
	if err != nil {
		t.Fatal(err)
	}
	k := rec.Case
	if k.ComplaintOverall != 2 || k.Returned == nil || k.Returned.CardID != back.ID || k.Returned.Overall != 5 || k.Returned.VisitDate != back.VisitDate {
		t.Errorf("case: got complaint overall %d, return %+v; want 2 and card %s of %s with 5", k.ComplaintOverall, k.Returned, back.ID, back.VisitDate)
	}
	// A case change made after the return keeps it (the whole case is
	// written back with it).
	if _, err := r.cases.Act(context.Background(), k.ID, casework.Action{Kind: "acknowledge", By: "manager.s001@example.com", Version: k.Version}); err != nil {
		t.Fatal(err)
	}
	rec, _ = r.db.CaseRecord(context.Background(), k.ID)
	if rec.Case.Returned == nil || rec.Case.Returned.CardID != back.ID {
		t.Errorf("after acknowledging: got return %+v, want it kept", rec.Case.Returned)
	}
	// The InsightFunction counts the same cards from the same stream; then
	// `stats verify` finds every counter as the cards make it, the recovery
	// counters of the whole month equal to its days'.
	if resp, err := insights.NewTally(r.db, slog.New(slog.NewTextHandler(io.Discard, nil))).Handle(context.Background(), ev); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("insight counters: got %v, %+v", err, resp.BatchItemFailures)
	}
	first, _ := time.Parse(time.DateOnly, complaint.VisitDate[:8]+"01")
	last, _ := time.Parse(time.DateOnly, back.VisitDate)
	diffs, checked, err := insight.NewAudit(r.db, r.db).Verify(context.Background(), "S001", insight.Range{From: first, To: last})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("stats verify: %s", d)
	}
	if checked.Cards != 5 {
		t.Errorf("stats verify: got %d cards read, want 5", checked.Cards)
	}
	// A writer that read the case before the return was recorded is refused
	// and writes nothing.
	stale := k
	stale.Returned = nil
	if ok, err := r.db.SaveReturn(context.Background(), stale, casework.Return{CardID: "c_stale", VisitDate: back.VisitDate}, casework.Recovery{Recovered: 1}); ok || err != nil {
		t.Errorf("a stale return: got %v, %v; want refused", ok, err)
	}
	if got := r.caseCounters(t, complaint.VisitDate)[insight.PeriodsOf(first)[2]]; !got.Equal(want) {
		t.Errorf("after a stale return: got %v, want %v", got, want)
	}

	// A paper card of an earlier visit (5 days after the complaint, overall
	// 3) arriving now is the true first return: it replaces the later one,
	// moving only the later score, once however often it is delivered.
	d5, _ := time.Parse(time.DateOnly, complaint.VisitDate)
	res, err := r.cards.Submit(context.Background(), card.Submission{SubmissionID: "recover-paper", StoreID: "S001",
		VisitDate: d5.AddDate(0, 0, 5).Format(time.DateOnly), Ratings: map[string]int{"main": 4, "overall": 3},
		Diner: card.DinerInput{Name: "林小姐", Phone: r.phone}}, card.Meta{Source: card.SourceScan})
	if err != nil {
		t.Fatal(err)
	}
	ev = r.env.StreamEvent(t)
	r.handle(t, ev)
	r.handle(t, ev)
	want[casework.NRecoveredLaterOverall] = 3
	for p, got := range r.caseCounters(t, complaint.VisitDate) {
		if !got.Equal(want) {
			t.Errorf("after the earlier card, %s: got %v, want %v", p, got, want)
		}
	}
	if rec, _ := r.db.CaseRecord(context.Background(), k.ID); rec.Case.Returned == nil || rec.Case.Returned.CardID != res.Card.ID {
		t.Errorf("return after the earlier card: got %+v, want %s", rec.Case.Returned, res.Card.ID)
	}

	// Nothing was counted on the return's own day.
	for p, got := range r.caseCounters(t, back.VisitDate) {
		if p.Level == insight.Day && len(got) != 0 {
			t.Errorf("%s (the return's day): got %v, want no recovery counters", p, got)
		}
	}
}
