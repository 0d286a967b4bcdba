//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package runner

import "syscall"

// redirectFD makes fd to refer to what from refers to.
func redirectFD(from, to int) error { return syscall.Dup2(from, to) }
