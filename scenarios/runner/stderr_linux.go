package runner

import "syscall"

// redirectFD makes fd to refer to what from refers to (dup3: linux/arm64
// has no dup2).
func redirectFD(from, to int) error { return syscall.Dup3(from, to, 0) }
