//go:build !unix

package bench

import "os/exec"

// interruptOnCancel keeps exec's default: canceling kills go test (without
// process groups, its test binary may outlive it).
func interruptOnCancel(*exec.Cmd) {}
