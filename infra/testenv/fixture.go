package testenv

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Fixture decodes events/<name> (a function's sample event) into v, the
// exact type the function's handler takes.
func Fixture(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Root(), "events", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode events/%s: %v", name, err)
	}
}
