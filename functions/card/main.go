// Command card is the CardFunction Lambda: the diner's feedback card, as an
// HTML form and a JSON API, behind the HTTP API.
package main

import (
	"github.com/cardloop/cardloop/functions/card/wire"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(wire.Build)
}
