// Package childproc starts the local runner's child processes (the AWS
// emulator, Lambda function binaries) so that they never outlive the runner:
// each gets its own process group, is killed if the runner dies, and is
// stopped with SIGTERM then SIGKILL.
package childproc

import (
	"errors"
	"os/exec"
	"syscall"
	"time"
)

// Prepare sets cmd up to run in its own process group and to be killed when
// the process that started it dies. Call it before cmd.Start.
func Prepare(cmd *exec.Cmd) {
	cmd.SysProcAttr = sysProcAttr()
}

// Stop sends SIGTERM to cmd's process group, waits up to grace for done to
// close (the caller's cmd.Wait finished), then sends SIGKILL and waits again.
func Stop(cmd *exec.Cmd, done <-chan struct{}, grace time.Duration) error {
	if cmd.Process == nil {
		return errors.New("stop process: not started")
	}
	select {
	case <-done:
		return nil
	default:
	}
	pid := cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-done:
		return nil
	case <-time.After(grace):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	<-done
	return nil
}
