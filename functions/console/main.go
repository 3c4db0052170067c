// Command console is the ConsoleFunction Lambda: the staff console's static
// pages and the signed-in API behind them.
package main

import (
	"github.com/cardloop/cardloop/functions/console/wire"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(wire.Build)
}
