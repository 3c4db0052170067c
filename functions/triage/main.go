// Command triage is the TriageFunction Lambda: it triages each card stored in
// the table, from the table's stream, and e-mails the managers it concerns.
package main

import (
	"github.com/cardloop/cardloop/functions/triage/wire"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(wire.Build)
}
