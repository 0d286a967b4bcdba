package check_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/check"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// nfr6 is the sim target: 10 minutes at 1 000 calls/s (600 000
// calls) against the NFR-6 breaker, the dependency failing from 30 s to
// 2 min, with 60 s recovery.
func nfr6() timeline {
	const n = 600_000
	calls := make([]tcall, n)
	for i := range calls {
		start := time.Duration(i) * time.Millisecond
		res := ok
		if start >= 30*s && start < 120*s {
			res = fail
		}
		calls[i] = tcall{start: start, end: start + 15*ms, res: res}
	}
	return timeline{
		cfg:   record.BreakerConfig{FailureThreshold: 5, SuccessThreshold: 2, RecoveryTimeoutNs: int64(60 * s), HalfOpenMaxCalls: 2},
		calls: calls,
		end:   600 * s,
		phases: []record.Phase{
			{AtNs: 0, Label: "healthy"},
			{AtNs: int64(30 * s), Label: "error_rate 100%"},
			{AtNs: int64(120 * s), Label: "healthy"},
		},
	}
}

// BenchmarkCheckNFR6 checks a 600 000-call run held in memory.
func BenchmarkCheckNFR6(b *testing.B) {
	run := drive(b, nfr6(), newReal)
	v, err := check.Run(run, check.Options{})
	require.NoError(b, err)
	require.True(b, v.Passed, explain(v))
	require.Equal(b, 600_000, v.Stats.Calls)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := check.Run(run, check.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/run")
}

// BenchmarkDirNFR6 reads the run directory back and checks it, as
// `breakerlab run` does after a run: every call in memory, and streamed
// through windows of 8 calls (`run --check windows`).
func BenchmarkDirNFR6(b *testing.B) {
	run := drive(b, nfr6(), newReal)
	for _, k := range []int{0, record.DefaultWindowCalls} {
		b.Run(fmt.Sprintf("window_calls=%d", k), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := check.Dir(run.Dir, check.Options{WindowCalls: k}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/run")
		})
	}
}
