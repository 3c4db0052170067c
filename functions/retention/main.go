// Command retention is the RetentionFunction Lambda: once a day it removes
// personal data past the brand's retention and unconfirmed opt-ins, and
// resumes erasures that stopped.
package main

import (
	"github.com/cardloop/cardloop/functions/retention/wire"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(wire.Build)
}
