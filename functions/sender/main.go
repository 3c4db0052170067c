// Command sender is the SenderFunction Lambda: it sends the greetings the
// planner queued, through SES, checking consent, suppression, the
// frequency cap, quiet hours and open cases first, never twice.
package main

import (
	"github.com/cardloop/cardloop/functions/sender/wire"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(wire.Build)
}
