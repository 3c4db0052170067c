// Package build builds a SAM template's functions the way `sam build` does
// for BuildMethod: makefile: by running the project Makefile's
// build-<LogicalId> target with ARTIFACTS_DIR, here for the host's
// architecture so the local runner can execute the bootstrap binary.
package build

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Function runs `make build-<logicalID> ARTIFACTS_DIR=<artifactsDir>
// GOARCH=<host>` in dir (the directory of template.yaml and the Makefile)
// and returns the path of the built bootstrap.
func Function(ctx context.Context, dir, logicalID, artifactsDir string) (string, error) {
	return FunctionFor(ctx, dir, logicalID, artifactsDir, runtime.GOARCH)
}

// FunctionFor is Function for the architecture goarch (arm64 is what
// Lambda runs).
func FunctionFor(ctx context.Context, dir, logicalID, artifactsDir, goarch string) (string, error) {
	abs, err := filepath.Abs(artifactsDir)
	if err != nil {
		return "", fmt.Errorf("build %s: %w", logicalID, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", fmt.Errorf("build %s: %w", logicalID, err)
	}
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "-C", dir,
		"build-"+logicalID, "ARTIFACTS_DIR="+abs, "GOARCH="+goarch)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s: %w\n%s", logicalID, err, strings.TrimSpace(out.String()))
	}
	bin := filepath.Join(abs, "bootstrap")
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("build %s: make succeeded but left no bootstrap: %w", logicalID, err)
	}
	return bin, nil
}

// CodeDir returns the directory name, under functions/ and events/, of the
// function logicalID: the project's convention is <Name>Function →
// functions/<name>.
func CodeDir(logicalID string) string {
	return strings.ToLower(strings.TrimSuffix(logicalID, "Function"))
}
