package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/reports"
	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// BenchmarkSoak is the long-run target: nfr6-soak-10m (1 000 calls/s, two
// IAM outages) simulated, recorded, checked and reported, for ten minutes
// and for an hour of run time, at each record level. It reports the bytes
// a call takes on disk (calls.bin, dependency.bin, omitted.jsonl).
//
//	go test -run '^$' -bench BenchmarkSoak -benchtime 3x ./scenarios/runner/
func BenchmarkSoak(b *testing.B) {
	for _, d := range []time.Duration{10 * time.Minute, time.Hour} {
		for _, level := range []string{record.LevelFull, record.LevelWindows} {
			b.Run(fmt.Sprintf("run=%s/record=%s", d, level), func(b *testing.B) {
				sc, err := scenarios.Resolve("nfr6-soak-10m")
				require.NoError(b, err)
				sc.Duration = d
				out := b.TempDir()
				var res *Result
				for b.Loop() {
					res, err = Run(context.Background(), sc, Options{Out: out, Record: level})
					require.NoError(b, err)
					require.True(b, res.Verdict.Passed)
					require.NoError(b, reports.WriteDir(res.Dir))
				}
				var size int64
				for _, f := range []string{record.CallsFile, record.DependencyFile, record.OmittedFile} {
					if st, err := os.Stat(filepath.Join(res.Dir, f)); err == nil {
						size += st.Size()
					}
				}
				calls := res.Verdict.Stats.Calls
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/run")
				b.ReportMetric(float64(size)/float64(calls), "B/call")
				b.ReportMetric(float64(calls), "calls")
			})
		}
	}
}
