package build

import (
	"os/exec"
	"strings"
	"testing"
)

// TestProgressScript feeds progress.sh (what `make run` pipes its go build
// -v through) the lines of a build: packages are counted, not echoed; a
// build that prints nothing is up to date; anything else (an error) is
// passed on, with no summary that could read as success.
func TestProgressScript(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"up to date", "", "  up to date\n"},
		{"compiled", "internal/abi\ngithub.com/aws/smithy-go\nexample.com/m/cmd/cardloop\n", "  compiled 3 packages in 0 s\n"},
		{"an error", "example.com/m/shared/card\n# example.com/m/functions/card\nfunctions/card/main.go:3:2: undefined: x\n",
			"# example.com/m/functions/card\nfunctions/card/main.go:3:2: undefined: x\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command("bash", "progress.sh", "600")
			cmd.Stdin = strings.NewReader(tt.in)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("progress.sh: %v\n%s", err, out)
			}
			if string(out) != tt.want {
				t.Errorf("got %q, want %q", out, tt.want)
			}
		})
	}
}
