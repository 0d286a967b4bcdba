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
// and for an hour of run time: recorded and judged in full, recorded in
// full and judged streamed through windows (check=windows), and recorded
// at the windows level; and, at the windows level, the same soak against a
// dependency that fails only in its outages (dep=quiet; the IAM preset
// also fails one call in a thousand at random). It reports the bytes a
// call takes on disk (calls.bin, dependency.bin, omitted.jsonl).
//
//	go test -run '^$' -bench BenchmarkSoak -benchtime 1x ./scenarios/runner/
func BenchmarkSoak(b *testing.B) {
	quiet := "name: soak-quiet\nmode: sim\nseed: 42\nduration: 10m\ndependencies:\n  - name: iam\n    faults: {latency: {p50: 10ms}}\n" +
		"    phases:\n      - {at: 1m, error_rate: 1.0}\n      - {at: 3m}\n      - {at: 6m, error_rate: 1.0}\n      - {at: 7m}\nload: {rate: 1000/s}\n"
	for _, d := range []time.Duration{10 * time.Minute, time.Hour} {
		for _, c := range []struct {
			dep, level, check string
		}{
			{"iam", record.LevelFull, record.LevelFull}, {"iam", record.LevelFull, record.LevelWindows},
			{"iam", record.LevelWindows, record.LevelWindows}, {"quiet", record.LevelWindows, record.LevelWindows},
		} {
			b.Run(fmt.Sprintf("run=%s/dep=%s/record=%s/check=%s", d, c.dep, c.level, c.check), func(b *testing.B) {
				sc, err := scenarios.Resolve("nfr6-soak-10m")
				if c.dep == "quiet" {
					sc, err = scenarios.Parse("quiet.yaml", []byte(quiet))
				}
				require.NoError(b, err)
				sc.Duration = d
				opts := Options{Record: c.level}
				if c.check == record.LevelWindows && c.level == record.LevelFull {
					opts.CheckWindowCalls = record.DefaultWindowCalls
				}
				benchSoak(b, sc, opts)
			})
		}
	}
}

func benchSoak(b *testing.B, sc *scenarios.Scenario, opts Options) {
	opts.Out = b.TempDir()
	var res *Result
	var err error
	for b.Loop() {
		res, err = Run(context.Background(), sc, opts)
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
}
