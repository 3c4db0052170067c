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
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	cardwire "github.com/cardloop/cardloop/functions/card/wire"
	casewire "github.com/cardloop/cardloop/functions/case/wire"
	consentwire "github.com/cardloop/cardloop/functions/consent/wire"
	consolewire "github.com/cardloop/cardloop/functions/console/wire"
	digestwire "github.com/cardloop/cardloop/functions/digest/wire"
	escalatewire "github.com/cardloop/cardloop/functions/escalate/wire"
	feedbackwire "github.com/cardloop/cardloop/functions/feedback/wire"
	insightwire "github.com/cardloop/cardloop/functions/insight/wire"
	mydatawire "github.com/cardloop/cardloop/functions/mydata/wire"
	plannerwire "github.com/cardloop/cardloop/functions/planner/wire"
	reconcilewire "github.com/cardloop/cardloop/functions/reconcile/wire"
	retentionwire "github.com/cardloop/cardloop/functions/retention/wire"
	rollupwire "github.com/cardloop/cardloop/functions/rollup/wire"
	scanwire "github.com/cardloop/cardloop/functions/scan/wire"
	senderwire "github.com/cardloop/cardloop/functions/sender/wire"
	triagewire "github.com/cardloop/cardloop/functions/triage/wire"
	"github.com/cardloop/cardloop/shared/setup"
)

// builds maps a function's code directory (functions/<name>) to its wiring.
var builds = map[string]func(context.Context, *setup.App) (any, error){
	"card":      cardwire.Build,
	"case":      casewire.Build,
	"consent":   consentwire.Build,
	"console":   consolewire.Build,
	"digest":    digestwire.Build,
	"escalate":  escalatewire.Build,
	"feedback":  feedbackwire.Build,
	"insight":   insightwire.Build,
	"mydata":    mydatawire.Build,
	"planner":   plannerwire.Build,
	"reconcile": reconcilewire.Build,
	"retention": retentionwire.Build,
	"rollup":    rollupwire.Build,
	"scan":      scanwire.Build,
	"sender":    senderwire.Build,
	"triage":    triagewire.Build,
}

func main() {
	name := filepath.Base(os.Args[0])
	build, ok := builds[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "localfunctions: started as %q, which names no function; link it as one of: %s\n", name, strings.Join(names(), ", "))
		os.Exit(2)
	}
	setup.Start(build)
}

// names lists the functions this executable runs, sorted.
func names() []string {
	var ns []string
	for n := range builds {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}
