package digeststore_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/digeststore"
	"github.com/cardloop/cardloop/shared/digest"
	"github.com/cardloop/cardloop/shared/fault"
)

func newStore(t *testing.T) *digeststore.Store {
	env := testenv.New(t)
	return digeststore.New(dynamo.New(dynamodb.NewFromConfig(env.Config), env.Table()))
}

// TestClaimOnce: a claim is taken once; a second taker is refused while
// the lease runs and once it is sent; a released or expired lease may be
// taken again.
func TestClaimOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)
	c := digest.Claim{Kind: digest.Weekly, Scope: "S001", Period: "2026-11-23", To: "manager.s001@example.com"}
	conflict := func(err error) bool { return fault.CodeOf(err) == fault.Conflict }

	if err := s.Claim(ctx, c, now, time.Minute); err != nil {
		t.Fatalf("first claim: %v", err)
	}
	if err := s.Claim(ctx, c, now.Add(30*time.Second), time.Minute); !conflict(err) {
		t.Errorf("claim during the lease: got %v, want a conflict", err)
	}
	if err := s.Release(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.Claim(ctx, c, now.Add(40*time.Second), time.Minute); err != nil {
		t.Errorf("claim after release: got %v, want it taken", err)
	}
	if err := s.Claim(ctx, c, now.Add(2*time.Minute), time.Minute); err != nil {
		t.Errorf("claim after the lease ran out: got %v, want it taken", err)
	}
	sent, err := s.Sent(ctx, []digest.Claim{c})
	if err != nil || sent[c] {
		t.Errorf("Sent before marking: got %v, %v; want not sent", sent, err)
	}
	if err := s.MarkSent(ctx, c, "m-1", now); err != nil {
		t.Fatal(err)
	}
	if err := s.Claim(ctx, c, now.Add(time.Hour), time.Minute); !conflict(err) {
		t.Errorf("claim once sent: got %v, want a conflict", err)
	}
	if err := s.Release(ctx, c); err != nil {
		t.Errorf("release of a sent claim: %v, want nothing done", err)
	}
	other := c
	other.To = "area.taiwan@example.com"
	sent, err = s.Sent(ctx, []digest.Claim{c, other})
	if err != nil || !sent[c] || sent[other] || len(sent) != 1 {
		t.Errorf("Sent: got %v, %v; want only %v", sent, err, c)
	}
}

func TestPrefsAndSettings(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if p, err := s.PrefsOf(ctx, "manager.s001@example.com"); err != nil || p != (digest.Prefs{}) {
		t.Errorf("prefs never set: got %+v, %v; want the zero value", p, err)
	}
	want := digest.Prefs{NightlyOff: true}
	if err := s.PutPrefs(ctx, "Manager.S001@example.com", want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Prefs(ctx, []string{"manager.s001@example.com", "area.taiwan@example.com"})
	if err != nil || len(got) != 1 || got["manager.s001@example.com"] != want {
		t.Errorf("prefs: got %+v, %v; want %+v for the manager only", got, err, want)
	}
	if err := s.PutSettings(ctx, "S001", digest.Settings{ClosingTime: "23:00"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSettings(ctx, "S001", digest.Settings{ClosingTime: "late"}); fault.CodeOf(err) != fault.Invalid {
		t.Errorf("a bad closing time: got %v, want invalid", err)
	}
	set, err := s.Settings(ctx, []string{"S001", "S002"})
	if err != nil || len(set) != 1 || set["S001"].ClosingTime != "23:00" {
		t.Errorf("settings: got %+v, %v; want S001 closing at 23:00", set, err)
	}
}
