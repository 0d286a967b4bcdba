// Package bench stands in for breakerlab's suite: one case that passes and
// one whose outcome check fails, with b.Fatal as bench.Case.Run does.
package bench

import (
	"os"
	"strconv"
	"testing"
	"time"
)

func BenchmarkBreaker(b *testing.B) {
	b.Run("path=open-reject/impl=reference/par=serial", func(b *testing.B) {
		for range b.N {
		}
	})
	b.Run("path=open-reject/impl=never-opens/par=serial", func(b *testing.B) {
		b.Fatal("after 5 failures the breaker is closed, want [open]")
	})
}

// BenchmarkSlow runs until it is interrupted (at -benchtime 1h), after
// writing its process id to $BREAKERLAB_FAKE_PID_FILE.
func BenchmarkSlow(b *testing.B) {
	if f := os.Getenv("BREAKERLAB_FAKE_PID_FILE"); f != "" {
		_ = os.WriteFile(f+".tmp", []byte(strconv.Itoa(os.Getpid())), 0o644)
		_ = os.Rename(f+".tmp", f)
	}
	for range b.N {
		time.Sleep(time.Millisecond)
	}
}
