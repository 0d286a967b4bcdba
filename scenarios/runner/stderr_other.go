//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package runner

import (
	"errors"
	"runtime"
)

// canCaptureStderr reports whether this platform lets the runner read what
// the process writes to its stderr, where the race detector writes its
// reports: not here (the race detector still counts them).
const canCaptureStderr = false

var errNoCapture = errors.New("stderr is not captured on " + runtime.GOOS)

func dupFD(int) (int, error)    { return 0, errNoCapture }
func closeFD(int) error         { return errNoCapture }
func redirectFD(int, int) error { return errNoCapture }
