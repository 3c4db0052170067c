// Package testenv gives integration tests an isolated copy of the project's
// resources in the AWS emulator: template.yaml provisioned under a unique
// prefix, with the demo brand and stores seeded.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/provision"
	"github.com/cardloop/cardloop/infra/sam"
	"github.com/cardloop/cardloop/infra/seed"
)

// Env is one test's copy of the resources.
type Env struct {
	Config    aws.Config
	Resources map[string]provision.Resource
}

// Table returns the physical name of the template's Table.
func (e Env) Table() string { return e.Resources["Table"].Name }

// New provisions template.yaml in the emulator (started if need be) under a
// prefix of its own and seeds the demo data. Slow: skipped under -short.
func New(t testing.TB) Env {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test against the AWS emulator; skipped with -short")
	}
	cfg := emulator.Ensure(t)
	tpl, err := sam.Load(TemplatePath())
	if err != nil {
		t.Fatalf("load template: %v", err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	ctx := context.Background()
	res, err := provision.Resources(ctx, cfg, tpl, "t"+hex.EncodeToString(b))
	if err != nil {
		t.Fatalf("provision template: %v", err)
	}
	env := Env{Config: cfg, Resources: res}
	if err := seed.Write(ctx, cfg, env.Table()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return env
}

// TemplatePath is the absolute path of the project's template.yaml.
func TemplatePath() string {
	return filepath.Join(Root(), "template.yaml")
}

// Root is the project's root directory.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}
