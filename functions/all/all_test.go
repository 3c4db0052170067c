package all_test

import (
	"slices"
	"testing"

	"github.com/cardloop/cardloop/functions/all"
	"github.com/cardloop/cardloop/infra/build"
	"github.com/cardloop/cardloop/infra/sam"
)

// TestEveryTemplateFunction: Builds has every function of template.yaml,
// and nothing the template does not have, so `make run` cannot start a
// function it cannot find or keep a removed one.
func TestEveryTemplateFunction(t *testing.T) {
	tpl, err := sam.Load("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range fns {
		want = append(want, build.CodeDir(f.LogicalID))
	}
	slices.Sort(want)
	if got := all.Names(); !slices.Equal(got, want) {
		t.Errorf("all.Builds has %v; template.yaml has %v", got, want)
	}
}
