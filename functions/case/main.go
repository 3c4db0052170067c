// Command case is the CaseFunction Lambda: the pages signed links open — the
// case page of case e-mails, where the store manager records the call, and
// the diner's confirm and unsubscribe pages of greetings.
package main

import (
	"github.com/cardloop/cardloop/functions/case/wire"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(wire.Build)
}
