// Command digest is the DigestFunction Lambda: every 15 minutes it sends
// the store managers' nightly summaries and, on Mondays, the store and area
// managers' weekly digests that have come due.
package main

import (
	"github.com/cardloop/cardloop/functions/digest/wire"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(wire.Build)
}
