package emulator_test

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cardloop/cardloop/infra/emulator"
)

func TestEnsure(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the emulator")
	}
	cfg := emulator.Ensure(t)
	if _, err := sqs.NewFromConfig(cfg).ListQueues(context.Background(), &sqs.ListQueuesInput{}); err != nil {
		t.Errorf("list queues: %v", err)
	}
	if a, b := emulator.Prefix(t), emulator.Prefix(t); a == b {
		t.Errorf("prefixes: got %q twice, want distinct", a)
	}
}

// TestStartStop starts a private emulator as the runner does and stops it.
func TestStartStop(t *testing.T) {
	if testing.Short() {
		t.Skip("starts moto_server")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close()
	ctx := context.Background()
	s, err := emulator.Start(ctx, endpoint, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Started || !emulator.Reachable(ctx, endpoint) {
		t.Fatalf("got started=%v reachable=%v, want both", s.Started, emulator.Reachable(ctx, endpoint))
	}
	// A second Start finds it and resets it instead of starting another.
	again, err := emulator.Start(ctx, endpoint, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if again.Started {
		t.Errorf("second start: got a new emulator, want the running one reused")
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if emulator.Reachable(ctx, endpoint) {
		t.Errorf("after stop: emulator still answers")
	}
}
