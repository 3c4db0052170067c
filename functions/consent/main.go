// Command consent is the ConsentFunction Lambda: from the table's stream it
// keeps each diner's greeting consent and indexes in step and sends the
// confirmation e-mail of double opt-in.
package main

import (
	"github.com/cardloop/cardloop/functions/consent/wire"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(wire.Build)
}
