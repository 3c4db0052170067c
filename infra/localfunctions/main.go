// Command localfunctions is every function of template.yaml in one
// executable, for the local runner only: `make run` compiles and links it
// once instead of linking sixteen binaries (the links were a fifth of a
// first start's build). The runner starts each function through a hard
// link named for the function's code directory (.run/bin/card,
// .run/bin/triage, …), so the file name it was started under says which
// function it runs. Lambda still gets one binary per function
// (build-<LogicalId> in the Makefile), each linking only what it uses.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cardloop/cardloop/functions/all"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	name := filepath.Base(os.Args[0])
	build, ok := all.Builds[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "localfunctions: started as %q, which names no function; link it as one of: %s\n", name, strings.Join(all.Names(), ", "))
		os.Exit(2)
	}
	setup.Start(build)
}
