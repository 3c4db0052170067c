// Command escalate is the EscalateFunction Lambda: every 15 minutes it
// escalates overdue cases and reminds store managers.
package main

import (
	"github.com/cardloop/cardloop/functions/escalate/wire"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(wire.Build)
}
