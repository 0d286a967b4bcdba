package gate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// base are five samples of one benchmark, in ns/op.
var base = []float64{100, 101.5, 99.2, 100.8, 100.3}

// scaled returns values multiplied by f.
func scaled(values []float64, f float64) []float64 {
	out := make([]float64, len(values))
	for i, v := range values {
		out[i] = v * f
	}
	return out
}

// file writes a benchmark result file: for each name, one line per value.
func file(t *testing.T, results map[string][]float64) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("goos: linux\ngoarch: amd64\npkg: example\n")
	for _, name := range []string{"BenchmarkA/path=x-2", "BenchmarkB-2"} {
		for _, v := range results[name] {
			fmt.Fprintf(&b, "%s \t 1000000\t %.2f ns/op\t 0 B/op\t 0 allocs/op\n", name, v)
		}
	}
	path := filepath.Join(t.TempDir(), "bench.txt")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

func compareFiles(t *testing.T, old, cur map[string][]float64) *Report {
	t.Helper()
	rep, err := CompareFiles(file(t, old), file(t, cur), Options{})
	require.NoError(t, err)
	return rep
}

func TestUnchangedPairPasses(t *testing.T) {
	rep := compareFiles(t,
		map[string][]float64{"BenchmarkA/path=x-2": base, "BenchmarkB-2": base},
		map[string][]float64{"BenchmarkA/path=x-2": {100.4, 99.6, 101.1, 100.1, 100.9}, "BenchmarkB-2": base})
	require.Len(t, rep.Rows, 2)
	for _, row := range rep.Rows {
		assert.Equal(t, Unchanged, row.Verdict, row.Name)
		assert.Greater(t, row.P, 0.05, row.Name)
	}
	assert.False(t, rep.Failed())
	assert.Contains(t, rep.Summary(), "PASS")
}

func TestThirtyPercentSlowdownFails(t *testing.T) {
	rep := compareFiles(t,
		map[string][]float64{"BenchmarkA/path=x-2": base, "BenchmarkB-2": base},
		map[string][]float64{"BenchmarkA/path=x-2": scaled(base, 1.3), "BenchmarkB-2": base})
	require.Len(t, rep.Rows, 2)
	assert.Equal(t, Regressed, rep.Rows[0].Verdict)
	assert.InDelta(t, 0.30, rep.Rows[0].Delta, 0.001)
	assert.Less(t, rep.Rows[0].P, 0.05)
	assert.Equal(t, Unchanged, rep.Rows[1].Verdict, "the other benchmark did not change")
	assert.True(t, rep.Failed())

	var out strings.Builder
	require.NoError(t, rep.WriteTable(&out))
	assert.Contains(t, out.String(), "A/path=x-2")
	assert.Contains(t, out.String(), "+30.0%")
	assert.Contains(t, out.String(), "REGRESSION")
	assert.Contains(t, out.String(), "FAIL")
}

func TestThreeSamplesPerSideAreUndecidable(t *testing.T) {
	rep := compareFiles(t,
		map[string][]float64{"BenchmarkA/path=x-2": base[:3]},
		map[string][]float64{"BenchmarkA/path=x-2": scaled(base[:3], 1.3)})
	require.Len(t, rep.Rows, 1)
	assert.Equal(t, TooFewSamples, rep.Rows[0].Verdict)
	assert.False(t, rep.Failed(), "too few samples must not fail the gate")
	assert.Equal(t, Undecided, rep.Outcome(), "nor pass it: nothing was decided")

	var out strings.Builder
	require.NoError(t, rep.WriteTable(&out))
	assert.Contains(t, out.String(), "too few samples")
	assert.Contains(t, out.String(), "(n=3+3)")
	assert.Contains(t, out.String(), ": UNDECIDED\n")
	assert.NotContains(t, out.String(), "PASS")
}

// One decided benchmark is enough to pass; the undecidable one is named.
func TestOneDecidedBenchmarkPasses(t *testing.T) {
	rep := compareFiles(t,
		map[string][]float64{"BenchmarkA/path=x-2": base, "BenchmarkB-2": base[:3]},
		map[string][]float64{"BenchmarkA/path=x-2": base, "BenchmarkB-2": base[:3]})
	require.Len(t, rep.Rows, 2)
	assert.Equal(t, TooFewSamples, rep.Rows[1].Verdict)
	assert.Equal(t, Pass, rep.Outcome())
	assert.Contains(t, rep.Summary(), "1 undecidable")
	assert.True(t, strings.HasSuffix(rep.Summary(), ": PASS"), rep.Summary())
}

func TestSmallSlowdownAndSpeedupDoNotFail(t *testing.T) {
	rep := compareFiles(t,
		map[string][]float64{"BenchmarkA/path=x-2": base, "BenchmarkB-2": base},
		map[string][]float64{"BenchmarkA/path=x-2": scaled(base, 1.05), "BenchmarkB-2": scaled(base, 0.5)})
	require.Len(t, rep.Rows, 2)
	assert.Equal(t, Slower, rep.Rows[0].Verdict, "5% is within the 10% threshold")
	assert.Equal(t, Faster, rep.Rows[1].Verdict)
	assert.False(t, rep.Failed())

	strict, err := CompareFiles(file(t, map[string][]float64{"BenchmarkA/path=x-2": base}),
		file(t, map[string][]float64{"BenchmarkA/path=x-2": scaled(base, 1.05)}), Options{MaxRegression: 0.02})
	require.NoError(t, err)
	assert.True(t, strict.Failed(), "5% is beyond a 2% threshold")
}

func TestBenchmarksInOneFileOnlyAreListed(t *testing.T) {
	rep := compareFiles(t,
		map[string][]float64{"BenchmarkA/path=x-2": base},
		map[string][]float64{"BenchmarkB-2": base})
	assert.Empty(t, rep.Rows)
	assert.Equal(t, []string{"A/path=x-2"}, rep.OnlyBaseline)
	assert.Equal(t, []string{"B-2"}, rep.OnlyCurrent)
	assert.False(t, rep.Failed())
	assert.Equal(t, NothingCompared, rep.Outcome())
	assert.Contains(t, rep.Summary(), "0 compared")
	assert.True(t, strings.HasSuffix(rep.Summary(), ": NOTHING COMPARED"), rep.Summary())
}

func TestBadFilesAreClearErrors(t *testing.T) {
	good := file(t, map[string][]float64{"BenchmarkA/path=x-2": base})
	dir := t.TempDir()
	syntax := filepath.Join(dir, "syntax.txt")
	require.NoError(t, os.WriteFile(syntax, []byte("goos: linux\nBenchmarkA-2 1000 fast ns/op\n"), 0o644))
	empty := filepath.Join(dir, "empty.txt")
	require.NoError(t, os.WriteFile(empty, []byte("hello\n"), 0o644))

	for _, tc := range []struct {
		name, current string
		want          []string
	}{
		{"syntax error", syntax, []string{"syntax.txt:2"}},
		{"no results", empty, []string{"empty.txt", "no benchmark results"}},
		{"missing file", filepath.Join(dir, "nope.txt"), []string{"nope.txt", "no such file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CompareFiles(good, tc.current, Options{})
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestBadOptions(t *testing.T) {
	f := file(t, map[string][]float64{"BenchmarkA/path=x-2": base})
	for _, o := range []Options{{MaxRegression: -0.1}, {Alpha: 1}, {Alpha: -0.5}} {
		_, err := CompareFiles(f, f, o)
		assert.Error(t, err, "%+v", o)
	}
}

func TestDecidable(t *testing.T) {
	for _, tc := range []struct {
		n1, n2 int
		alpha  float64
		want   bool
	}{
		{3, 3, 0.05, false}, // min p = 0.1
		{4, 4, 0.05, true},  // min p = 2/70
		{3, 20, 0.05, false},
		{4, 4, 0.01, false},
		{6, 6, 0.01, true}, // min p = 2/924
		{5, 5, 0.05, true},
	} {
		assert.Equal(t, tc.want, decidable(tc.n1, tc.n2, tc.alpha), "%d+%d at %v", tc.n1, tc.n2, tc.alpha)
	}
}

func TestParseFraction(t *testing.T) {
	for in, want := range map[string]float64{"10%": 0.10, "0.1": 0.1, "2.5%": 0.025, " 0 ": 0} {
		got, err := ParseFraction(in)
		require.NoError(t, err, in)
		assert.InDelta(t, want, got, 1e-12, in)
	}
	for _, in := range []string{"", "ten", "-5%", "%"} {
		_, err := ParseFraction(in)
		assert.Error(t, err, in)
	}
}

func TestTableListsManyOneSidedBenchmarksBriefly(t *testing.T) {
	rep := &Report{Options: Options{MaxRegression: 0.1, Alpha: 0.05}}
	for i := range 12 {
		rep.OnlyBaseline = append(rep.OnlyBaseline, fmt.Sprintf("X/par=%d-2", i))
	}
	rep.OnlyCurrent = []string{"Y-2"}
	var out strings.Builder
	require.NoError(t, rep.WriteTable(&out))
	assert.Contains(t, out.String(), "only in baseline (not compared): 12 benchmarks, e.g. X/par=0-2\n")
	assert.Contains(t, out.String(), "only in current (not compared): Y-2\n")
}

func TestTableShowsConfidenceIntervalFromSixSamples(t *testing.T) {
	six := append([]float64{100.1}, base...)
	rep := compareFiles(t, map[string][]float64{"BenchmarkB-2": six}, map[string][]float64{"BenchmarkB-2": base})
	var out strings.Builder
	require.NoError(t, rep.WriteTable(&out))
	assert.Regexp(t, `B-2\s+100 ± \d+%\s+100\s+~`, out.String(), "6 samples have an interval, 5 do not")
	assert.Contains(t, out.String(), "(p=1.000 n=6+5)", "the normal approximation can exceed 1; shown clamped")
}
