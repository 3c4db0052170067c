// Command scan is the ScanFunction Lambda: paper card scans uploaded under
// scans/ in the scan bucket are read into cards, or queued for review.
package main

import (
	"github.com/cardloop/cardloop/functions/scan/wire"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(wire.Build)
}
