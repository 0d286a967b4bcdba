package peers_test

import (
	"testing"

	"github.com/breakerlab/breakerlab/bench"
	"github.com/breakerlab/breakerlab/bench/peers"
)

// BenchmarkBreaker runs every path against the peers. The main module's
// implementations run from bench/; breakerlab bench --peers runs both and
// merges them into one summary and plot.
func BenchmarkBreaker(b *testing.B) { bench.Benchmark(b, peers.Impls()) }
