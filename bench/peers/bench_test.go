package peers_test

import (
	"testing"

	"github.com/breakerlab/breakerlab/bench"
	"github.com/breakerlab/breakerlab/bench/peers"
)

// BenchmarkBreaker runs every path against the peers. The main module's
// implementations run from bench/ (or breakerlab bench); 'make bench' merges
// both into one summary and plot with breakerlab bench --with.
func BenchmarkBreaker(b *testing.B) { bench.Benchmark(b, peers.Impls()) }
