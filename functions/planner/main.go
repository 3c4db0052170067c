// Command planner is the PlannerFunction Lambda: every hour it finds, for
// each store whose local time has reached a campaign's send hour, the
// diners due a greeting, and queues them for the sender.
package main

import (
	"github.com/cardloop/cardloop/functions/planner/wire"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(wire.Build)
}
