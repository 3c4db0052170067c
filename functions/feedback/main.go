// Command feedback is the FeedbackFunction Lambda: SES's bounce, complaint
// and delivery events (configuration set → SNS → SQS) feed the suppression
// list and campaign results.
package main

import (
	"github.com/cardloop/cardloop/functions/feedback/wire"
	"github.com/cardloop/cardloop/shared/setup"
)

func main() {
	setup.Start(wire.Build)
}
