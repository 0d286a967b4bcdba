package bench

import (
	"bytes"
	"context"
	"errors"
	"regexp"
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

// run runs the cases of impls matching filter for a fixed number of
// iterations and returns the output and error.
func run(t *testing.T, impls []Impl, filter string, cpus ...int) (string, []Result, error) {
	t.Helper()
	var out bytes.Buffer
	results, err := Run(context.Background(), Options{
		CPUs: cpus, Benchtime: "200x", Impls: impls, Filter: regexp.MustCompile(filter),
	}, &out)
	return out.String(), results, err
}

func TestRunWritesBenchmarkFormat(t *testing.T) {
	out, results, err := run(t, Builtin(), `path=(closed-success|open-reject)/impl=(reference|seedport)/par=(serial|2)$`, 1, 2)
	require.NoError(t, err)
	require.Len(t, results, 2*2*2*2, "2 paths × 2 impls × 2 modes × 2 cpus")
	assert.Contains(t, out, "goos: ")
	assert.Contains(t, out, "goarch: ")
	assert.Contains(t, out, "pkg: github.com/breakerlab/breakerlab/bench\n")
	assert.Contains(t, out, "BenchmarkBreaker/path=open-reject/impl=reference/par=serial ")
	assert.Contains(t, out, "BenchmarkBreaker/path=open-reject/impl=reference/par=serial-2 ")
	assert.Regexp(t, `BenchmarkBreaker/path=closed-success/impl=seedport/par=2-2\s+\d+\s+[\d.]+ ns/op\s+\d+ B/op\s+\d+ allocs/op`, out)

	parsed, err := ParseResults(strings.NewReader(out), "run.txt")
	require.NoError(t, err)
	require.Len(t, parsed, len(results))
	for i := range parsed {
		assert.Equal(t, results[i].Name, parsed[i].Name)
		assert.Equal(t, results[i].Path, parsed[i].Path)
		assert.Equal(t, results[i].Impl, parsed[i].Impl)
		assert.Equal(t, results[i].Par, parsed[i].Par)
		assert.Equal(t, results[i].CPU, parsed[i].CPU)
		assert.InEpsilon(t, results[i].NsPerOp, parsed[i].NsPerOp, 0.01)
	}
	assert.Equal(t, 4, parsed[len(parsed)-1].Goroutines(), "par=2 at -cpu 2")
}

// rejectAll is a broken breaker: it rejects every call and claims to be closed.
type rejectAll struct{}

func (rejectAll) Bind(func() error) func() error {
	return func() error { return errors.New("rejected") }
}
func (rejectAll) State() breaker.State { return breaker.Closed }

func TestRunFailsCasesWhoseBreakerMisbehaves(t *testing.T) {
	impls := []Impl{
		{Name: "never-opens", New: func(Settings) (Breaker, error) { return bare{}, nil }},
		{Name: "rejects-all", New: func(Settings) (Breaker, error) { return rejectAll{}, nil }},
	}
	_, results, err := run(t, impls, `par=serial$`, 1)
	require.ErrorIs(t, err, ErrCheckFailed)
	msg := err.Error()
	assert.Contains(t, msg, "path=open-reject/impl=never-opens/par=serial: after 5 failures the breaker is closed")
	assert.Contains(t, msg, "path=closed-success/impl=rejects-all/par=serial: want: every call runs")
	assert.Contains(t, msg, "path=closed-1pct/impl=rejects-all/par=serial")
	var passed []string
	for _, r := range results {
		passed = append(passed, r.Path+"/"+r.Impl)
	}
	// The storm path judges the breaker only on runs of 50 ms or more (see
	// Paths); 200 iterations are too short, so both pass it here.
	assert.ElementsMatch(t, []string{"closed-success/never-opens", "closed-1pct/never-opens", "storm/never-opens", "storm/rejects-all"}, passed,
		"only a breaker that behaves gets a result line")
}

func TestRunRejectsBadOptions(t *testing.T) {
	var out bytes.Buffer
	_, err := Run(context.Background(), Options{Benchtime: "fast"}, &out)
	assert.ErrorContains(t, err, `benchtime "fast"`)
	_, err = Run(context.Background(), Options{CPUs: []int{0}, Benchtime: "1x"}, &out)
	assert.ErrorContains(t, err, "cpu count 0")
	_, err = Run(context.Background(), Options{Filter: regexp.MustCompile("nothing-matches"), Benchtime: "1x"}, &out)
	assert.ErrorContains(t, err, "no benchmark matches")
}

func TestRunStopsWhenCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	results, err := Run(ctx, Options{Benchtime: "1x"}, &out)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, results)
}

func TestCheckBenchtime(t *testing.T) {
	for _, ok := range []string{"1s", "200ms", "100x", "1x"} {
		assert.NoError(t, CheckBenchtime(ok), ok)
	}
	for _, bad := range []string{"", "0s", "-1s", "0x", "x", "fast", "10"} {
		assert.Error(t, CheckBenchtime(bad), bad)
	}
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
	impls := []Impl{{Name: "never-opens", New: func(Settings) (Breaker, error) { return bare{}, nil }}}
	var out bytes.Buffer
	_, err := Run(context.Background(), Options{
		CPUs: []int{1}, Benchtime: "60ms", Impls: impls, Filter: regexp.MustCompile(`path=storm/.*/par=serial$`),
	}, &out)
	require.ErrorIs(t, err, ErrCheckFailed)
	assert.Contains(t, err.Error(), "want: successes, failures and rejections all occur")
}
