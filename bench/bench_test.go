package bench_test

import (
	"testing"

	"github.com/breakerlab/breakerlab/bench"
)

// BenchmarkBreaker runs every path against the main module's implementations.
// The peers run from the nested module bench/peers.
func BenchmarkBreaker(b *testing.B) { bench.Benchmark(b, bench.Builtin()) }
