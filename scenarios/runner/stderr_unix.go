//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package runner

import "syscall"

// canCaptureStderr reports whether this platform lets the runner read what
// the process writes to its stderr (file descriptor 2), where the race
// detector writes its reports.
const canCaptureStderr = true

// dupFD returns a new descriptor for what fd refers to.
func dupFD(fd int) (int, error) { return syscall.Dup(fd) }

// closeFD closes fd.
func closeFD(fd int) error { return syscall.Close(fd) }
