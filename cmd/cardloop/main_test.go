package main

import (
	"bytes"
	"regexp"
	"testing"
)

// TestUsage checks that the usage names every subcommand, and each form of
// the ones with several.
func TestUsage(t *testing.T) {
	cmds := commands()
	var b bytes.Buffer
	usage(&b, cmds)
	out := b.String()
	want := []string{"scan mark", "scan import", "cards print", "cards layout"}
	for name := range cmds {
		want = append(want, name)
	}
	for _, w := range want {
		if !regexp.MustCompile(`(?m)^  cardloop ` + regexp.QuoteMeta(w) + `( |$)`).MatchString(out) {
			t.Errorf("usage: got no line starting %q in\n%s", "cardloop "+w, out)
		}
	}
}
