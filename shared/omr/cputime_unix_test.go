//go:build unix

package omr_test

import (
	"syscall"
	"time"
)

// cpuTime is the process's CPU time so far (user and system), so that the
// benchmark can report cards per CPU-second however busy the machine is.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
