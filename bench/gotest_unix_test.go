//go:build unix

package bench

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGoTestRunInterruptsTheTestBinary: go test ignores an interrupt and
// waits for its test binary, so canceling must reach the binary too.
func TestGoTestRunInterruptsTheTestBinary(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	t.Setenv("BREAKERLAB_FAKE_PID_FILE", pidFile)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- GoTest{Bench: "Slow", Benchtime: "1h"}.Run(ctx, fakeCheckout, MainPackage, io.Discard, io.Discard)
	}()
	var pid int
	for range 600 { // up to a minute for go test to build and start the binary
		if data, err := os.ReadFile(pidFile); err == nil {
			pid, err = strconv.Atoi(string(data))
			require.NoError(t, err)
			break
		}
		select {
		case err := <-done:
			t.Fatalf("go test ended before the benchmark started: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	require.NotZero(t, pid, "the benchmark never started")
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	if !assert.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "the test binary must not outlive the run") {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}
