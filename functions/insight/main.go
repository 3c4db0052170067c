// Command insight is the InsightFunction Lambda: it adds each card stored in
// the table, from the table's stream, to its store's insight counters.
package main

import (
	"github.com/cardloop/cardloop/functions/insight/wire"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(wire.Build)
}
