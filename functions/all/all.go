// Package all is every function's wiring by name, for what runs them all
// in one process: the local runner's executable (infra/localfunctions) and
// the fixture tests (test/events). A Lambda function's own main package
// imports only its own wiring.
package all

import (
	"context"
	"slices"

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

// Builds maps a function's code directory (functions/<name>) to its wiring.
var Builds = map[string]func(context.Context, *setup.App) (any, error){
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

// Names lists the functions of Builds, sorted.
func Names() []string {
	var ns []string
	for n := range Builds {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}
