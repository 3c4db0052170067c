// Command rollup is the RollupFunction Lambda: every 15 minutes it brings
// the brand roll-ups of the recent days, weeks and months up to date with
// the stores' insight counters.
package main

import (
	"github.com/cardloop/cardloop/functions/rollup/wire"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(wire.Build)
}
