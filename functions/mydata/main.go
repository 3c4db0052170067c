// Command mydata is the MyDataFunction Lambda: a diner's "My data" pages —
// asking for a one-time link by e-mail or phone, then seeing, downloading,
// correcting and erasing what the brand holds about them (docs/privacy.md).
// It is a function of its own so the case and preference pages do not link
// phone parsing, S3 and the erasure for it.
package main

import (
	"github.com/cardloop/cardloop/functions/mydata/wire"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(wire.Build)
}
