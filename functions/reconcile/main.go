// Command reconcile is the ReconcileFunction Lambda: every few minutes it
// triages the cards still awaiting triage, whose stream records were lost,
// so every low card reaches a manager whatever the stream does.
package main

import (
	"github.com/cardloop/cardloop/functions/reconcile/wire"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(wire.Build)
}
