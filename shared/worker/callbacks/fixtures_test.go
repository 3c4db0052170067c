package callbacks_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/worker/callbacks"
)

// TestTriageFixture runs events/triage/card-inserted.json through the stream
// handler: its card (PRODUCT.md's example) rates the main course 1 and
// three items 2 or less, so it opens an in-person-visit case, and both the
// store manager and the area manager are told.
func TestTriageFixture(t *testing.T) {
	r := newRig(t)
	var ev events.DynamoDBEvent
	testenv.Fixture(t, "triage/card-inserted.json", &ev)
	if resp := r.handle(t, ev); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures: got %+v", resp.BatchItemFailures)
	}
	id := casework.ID("S001", "tel:+886912345678", "c_fixture0000000000000000001", "2026-11-21")
	rec, err := r.db.CaseRecord(context.Background(), id)
	if err != nil {
		t.Fatalf("case of the fixture card: %v", err)
	}
	sent := map[string]bool{}
	for _, n := range rec.Notices {
		sent[n.Kind+" "+n.To] = n.Status == "sent"
	}
	if len(sent) != 2 || !sent["alert manager.s001@example.com"] || !sent["area_alert area.taiwan@example.com"] {
		t.Errorf("notices: got %+v, want the store and area managers' alerts sent", rec.Notices)
	}
}

func TestEscalateFixture(t *testing.T) {
	r := newRig(t)
	var ev events.EventBridgeEvent
	testenv.Fixture(t, "escalate/every-15-minutes.json", &ev)
	if ev.DetailType != "Scheduled Event" {
		t.Fatalf("detail-type: got %q", ev.DetailType)
	}
	h := callbacks.NewEscalate(r.cases, 100, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := h.Handle(context.Background(), ev); err != nil {
		t.Errorf("escalation pass on an empty table: %v", err)
	}
}
