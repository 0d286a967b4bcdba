//go:build unix

package bench

import (
	"os/exec"
	"syscall"
)

// interruptOnCancel runs cmd in a process group of its own and makes
// canceling it interrupt the whole group. go test ignores an interrupt and
// waits for the test binary it started; the binary, in the same group,
// stops. A Ctrl-C on the terminal reaches breakerlab, which cancels.
func interruptOnCancel(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) }
}
