package bench

import (
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/breaker"
)

func TestCasesCoverEveryPathImplAndMode(t *testing.T) {
	cases := Cases(Builtin())
	names := map[string]bool{}
	perImpl := map[string]int{}
	for _, c := range cases {
		assert.False(t, names[c.Name()], "duplicate case %s", c.Name())
		names[c.Name()] = true
		perImpl[c.Impl.Name]++
	}
	modes := 1 + len(Parallelism)
	assert.Equal(t, 5*modes, perImpl["reference"], "every path, serial and each parallelism")
	assert.Equal(t, 5*modes, perImpl["seedport"])
	assert.Equal(t, 5*modes, perImpl["rwmutex"])
	assert.Equal(t, 2*modes, perImpl["bare"], "bare runs the closed paths only")
	assert.True(t, names["path=open-reject/impl=reference/par=serial"])
	assert.True(t, names["path=storm/impl=seedport/par=256"])
	assert.False(t, names["path=open-reject/impl=bare/par=1"])
}

// measure runs case c with testing.Benchmark at benchtime (a duration or
// "100x") and returns the result and the error of its outcome check.
func measure(t *testing.T, c Case, benchtime string) (testing.BenchmarkResult, error) {
	t.Helper()
	f := flag.Lookup("test.benchtime")
	old := f.Value.String()
	require.NoError(t, f.Value.Set(benchtime))
	defer func() { _ = f.Value.Set(old) }()
	var err error
	r := testing.Benchmark(func(b *testing.B) {
		if err = c.Measure(b); err != nil {
			b.FailNow()
		}
	})
	return r, err
}

// pathNamed returns the path called name.
func pathNamed(t *testing.T, name string) Path {
	t.Helper()
	for _, p := range Paths() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no path %s", name)
	return Path{}
}

// rejectAll is a broken breaker: it rejects every call and claims to be closed.
type rejectAll struct{}

func (rejectAll) Bind(func() error) func() error {
	return func() error { return errors.New("rejected") }
}
func (rejectAll) State() breaker.State { return breaker.Closed }

func TestCasesFailWhenTheBreakerMisbehaves(t *testing.T) {
	impls := []Impl{
		{Name: "never-opens", New: func(Settings) (Breaker, error) { return bare{}, nil }},
		{Name: "rejects-all", New: func(Settings) (Breaker, error) { return rejectAll{}, nil }},
	}
	failed := map[string]string{}
	var passed []string
	for _, c := range Cases(impls) {
		if c.Par != 0 {
			continue
		}
		r, err := measure(t, c, "200x")
		if err != nil {
			assert.Zero(t, r.N, "%s: a failed check fails the benchmark", c.Name())
			failed[c.Name()] = err.Error()
			continue
		}
		assert.NotZero(t, r.N, c.Name())
		passed = append(passed, c.Path.Name+"/"+c.Impl.Name)
	}
	assert.Contains(t, failed["path=open-reject/impl=never-opens/par=serial"], "after 5 failures the breaker is closed")
	assert.Contains(t, failed["path=closed-success/impl=rejects-all/par=serial"], "want: every call runs")
	assert.Contains(t, failed, "path=closed-1pct/impl=rejects-all/par=serial")
	// The storm path judges the breaker only on runs of 50 ms or more (see
	// Paths); 200 iterations are too short, so both pass it here.
	assert.ElementsMatch(t, []string{"closed-success/never-opens", "closed-1pct/never-opens", "storm/never-opens", "storm/rejects-all"}, passed,
		"only a breaker that behaves passes")
}

// TestCaseRunFailsTheBenchmark: under go test a failed check is b.Fatal, so
// the benchmark, and go test, fail.
func TestCaseRunFailsTheBenchmark(t *testing.T) {
	f := flag.Lookup("test.benchtime")
	old := f.Value.String()
	require.NoError(t, f.Value.Set("100x"))
	defer func() { _ = f.Value.Set(old) }()
	broken := Case{Path: pathNamed(t, PathOpenReject), Impl: Impl{Name: "never-opens", New: func(Settings) (Breaker, error) { return bare{}, nil }}}
	assert.Zero(t, testing.Benchmark(broken.Run).N, "failed")
	good := Case{Path: pathNamed(t, PathOpenReject), Impl: Reference()}
	assert.Equal(t, 100, testing.Benchmark(good.Run).N)
}

// TestZeroAllocPaths holds issue 2's allocation targets: no allocation per call
// on the closed success path and the open rejection path.
func TestZeroAllocPaths(t *testing.T) {
	for _, impl := range []Impl{Reference(), SeedPort(), RWMutex()} {
		for _, path := range []string{PathClosedSuccess, PathOpenReject} {
			br, err := impl.New(NFR6())
			require.NoError(t, err)
			if path == PathOpenReject {
				require.NoError(t, trip(br, 5, breaker.Open))
			}
			call := br.Bind(func() error { return nil })
			allocs := testing.AllocsPerRun(1000, func() { _ = call() })
			assert.Zero(t, allocs, "%s on %s", impl.Name, path)
		}
	}
}

func TestParseResultsErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"no results", "goos: linux\n", "no BenchmarkBreaker results"},
		{"syntax", "BenchmarkBreaker/path=x/impl=y/par=1 100 fast ns/op\n", "in.txt:1"},
		{"not key=value", "BenchmarkBreaker/x/impl=y/par=1 100 5 ns/op\n", `sub-name "/x" is not key=value`},
		{"bad par", "BenchmarkBreaker/path=x/impl=y/par=-3 100 5 ns/op\n", "par=-3"},
		{"no path", "BenchmarkBreaker/impl=y/par=1 100 5 ns/op\n", "want path="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseResults(strings.NewReader(tc.in), "in.txt")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	rs, err := ParseResults(strings.NewReader("BenchmarkOther-2 10 5 ns/op\nBenchmarkBreaker/path=x/impl=y/par=serial-2 100 5 ns/op 0 B/op 0 allocs/op\n"), "in.txt")
	require.NoError(t, err)
	require.Len(t, rs, 1, "other benchmarks are skipped")
	assert.Equal(t, Result{Name: "BenchmarkBreaker/path=x/impl=y/par=serial-2", Path: "x", Impl: "y", CPU: 2, N: 100, NsPerOp: 5}, rs[0])
}

func TestMedianCurvesAndSummary(t *testing.T) {
	in := `BenchmarkBreaker/path=closed-success/impl=bare/par=serial-2 100 2 ns/op 0 B/op 0 allocs/op
BenchmarkBreaker/path=closed-success/impl=bare/par=1-2 100 1 ns/op 0 B/op 0 allocs/op
BenchmarkBreaker/path=closed-success/impl=reference/par=serial-2 100 6 ns/op 0 B/op 0 allocs/op
BenchmarkBreaker/path=closed-success/impl=reference/par=1-2 100 10 ns/op 0 B/op 0 allocs/op
BenchmarkBreaker/path=closed-success/impl=reference/par=1-2 100 12 ns/op 0 B/op 0 allocs/op
BenchmarkBreaker/path=closed-success/impl=reference/par=1-2 100 90 ns/op 0 B/op 0 allocs/op
BenchmarkBreaker/path=closed-success/impl=reference/par=4-2 100 8 ns/op 0 B/op 0 allocs/op
BenchmarkBreaker/path=closed-success/impl=seedport/par=1-2 100 60 ns/op 0 B/op 0 allocs/op
BenchmarkBreaker/path=open-reject/impl=seedport/par=1-2 100 50 ns/op 0 B/op 1 allocs/op
`
	rs, err := ParseResults(strings.NewReader(in), "in.txt")
	require.NoError(t, err)
	med := Median(rs)
	require.Len(t, med, 7)
	assert.Equal(t, 12.0, med[3].NsPerOp, "median of 10, 12, 90")

	curves := Curves(rs)
	require.Len(t, curves, 4, "parallel results only: bare, reference, seedport on closed-success; seedport on open-reject")
	assert.Equal(t, Curve{Path: PathClosedSuccess, Impl: "reference", CPU: 2,
		Points: []Point{{Goroutines: 2, NsPerOp: 12}, {Goroutines: 8, NsPerOp: 8}}}, curves[1])

	var sum strings.Builder
	require.NoError(t, WriteSummary(&sum, rs))
	s := sum.String()
	assert.Contains(t, s, "### -cpu 2")
	assert.Contains(t, s, "| reference | parallel | 12.0 (0) | – |")
	assert.Contains(t, s, "| seedport | parallel | 60.0 (0) | 50.0 (1) |")
	assert.Contains(t, s, "serial closed-success: reference costs 3.0x the bare call")
	assert.Contains(t, s, "parallel, reference vs seedport: closed-success 5.0x faster")
	assert.Contains(t, s, "- open-reject: open (60 s recovery timeout); every call is rejected\n")
	assert.NotContains(t, s, "- storm:", "only the paths in the results are described")
}

func TestStormFailsABreakerThatNeverOpens(t *testing.T) {
	never := Impl{Name: "never-opens", New: func(Settings) (Breaker, error) { return bare{}, nil }}
	_, err := measure(t, Case{Path: pathNamed(t, PathStorm), Impl: never}, "60ms")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "want: successes, failures and rejections all occur")
}
