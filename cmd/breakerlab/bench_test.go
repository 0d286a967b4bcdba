package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/bench"
)

// fakeCheckout is a stand-in breakerlab checkout in which go test runs in
// seconds: one case passes and one fails its outcome check, and a peers
// module has one passing case.
const fakeCheckout = "../../bench/testdata/checkout"

// TestBenchCommand runs go test on this repository's suite, a few cases at
// 100 iterations.
func TestBenchCommand(t *testing.T) {
	dir := t.TempDir()
	peers := filepath.Join(dir, "peers.txt")
	require.NoError(t, os.WriteFile(peers, []byte(
		"BenchmarkBreaker/path=closed-success/impl=gobreaker/par=1-2 100 70 ns/op 0 B/op 0 allocs/op\n"+
			"BenchmarkBreaker/path=closed-success/impl=gobreaker/par=2-2 100 90 ns/op 0 B/op 0 allocs/op\n"), 0o644))
	out := filepath.Join(dir, "out")
	var stdout, stderr strings.Builder
	err := run(context.Background(), []string{"bench", "--cpu", "1,2", "--benchtime", "100x", "--out", out,
		"--bench", `Breaker/path=(closed-success|open-reject)/impl=(bare|reference|seedport)/par=(serial|1|2)$`,
		"--with", peers}, &stdout, &stderr)
	require.NoError(t, err, stderr.String())
	assert.Contains(t, stderr.String(), "go test -run '^$' -bench 'Breaker/path=(closed-success|open-reject)/impl=(bare|reference|seedport)/par=(serial|1|2)$' -benchmem -timeout 0 -cpu 1,2 -count 1 -benchtime 100x ./bench/\n",
		"the command, ready to paste")

	txt, err := os.ReadFile(filepath.Join(out, "bench.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(txt), "pkg: github.com/breakerlab/breakerlab/bench\n", "go test's own header")
	results, err := bench.ParseResults(strings.NewReader(string(txt)), "bench.txt")
	require.NoError(t, err)
	assert.Len(t, results, (1+2+2)*3*2, "bare runs closed-success only; 3 modes; 2 cpus")
	for _, r := range results {
		assert.Equal(t, 100, r.N, r.Name)
	}

	summary, err := os.ReadFile(filepath.Join(out, "summary.md"))
	require.NoError(t, err)
	assert.Contains(t, string(summary), "### -cpu 2")
	assert.Contains(t, string(summary), "reference costs")
	assert.Contains(t, string(summary), "| gobreaker | parallel | 70.0 (0) |", "results from --with are summarised")
	assert.Contains(t, stdout.String(), "BenchmarkBreaker/path=open-reject/impl=seedport/par=serial-2", "go test's output streams")
	assert.Contains(t, stdout.String(), "wrote "+filepath.Join(out, "bench.txt")+", "+filepath.Join(out, "summary.md"))

	svg, err := os.ReadFile(filepath.Join(out, "contention.svg"))
	require.NoError(t, err)
	assert.Contains(t, string(svg), "<svg")
	assert.Contains(t, string(svg), "gobreaker")
}

// TestBenchCommandFailedCheck: a case whose outcome check fails fails go
// test, and breakerlab bench exits 1 naming it; the passing cases, of both
// modules, are still summarised.
func TestBenchCommandFailedCheck(t *testing.T) {
	out := t.TempDir()
	t.Chdir(filepath.Join(fakeCheckout, "bench"))
	var stdout strings.Builder
	err := run(context.Background(), []string{"bench", "--cpu", "1", "--benchtime", "1x", "--peers", "--out", out}, &stdout, io.Discard)
	require.Error(t, err)
	assert.Equal(t, exitFailed, exitCode(err, io.Discard))
	assert.Contains(t, err.Error(), "1 benchmark(s) failed:\n  BenchmarkBreaker/path=open-reject/impl=never-opens/par=serial: after 5 failures the breaker is closed, want [open]")
	assert.NotContains(t, err.Error(), "impl=reference")

	summary, err := os.ReadFile(filepath.Join(out, "summary.md"))
	require.NoError(t, err)
	assert.Contains(t, string(summary), "| reference | serial |")
	assert.Contains(t, string(summary), "| gobreaker | serial |", "--peers ran bench/peers into peers.txt")
	assert.NotContains(t, string(summary), "never-opens")
	peers, err := os.ReadFile(filepath.Join(out, "peers.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(peers), "pkg: github.com/breakerlab/breakerlab/bench/peers\n")
}

// TestBenchCommandNeedsACheckout: outside a checkout there is no source to
// run go test on; --plot-only needs none.
func TestBenchCommandNeedsACheckout(t *testing.T) {
	out := t.TempDir()
	t.Chdir(t.TempDir())
	err := run(context.Background(), []string{"bench", "--out", out}, io.Discard, io.Discard)
	require.Error(t, err)
	assert.Equal(t, exitUsage, exitCode(err, io.Discard))
	assert.Contains(t, err.Error(), "not inside a breakerlab checkout")
	assert.Contains(t, err.Error(), "run it from a breakerlab checkout, or run go test -run '^$' -bench . -benchmem ./bench/")
	assert.NoFileExists(t, filepath.Join(out, "bench.txt"))
}

// TestBenchCommandNoMatch: a --bench that selects nothing is bad input, for
// example a pattern written for the whole name rather than go test's levels.
func TestBenchCommandNoMatch(t *testing.T) {
	t.Chdir(fakeCheckout)
	for _, re := range []string{"nomatch", "impl=reference", "Breaker/path=storm/"} {
		err := run(context.Background(), []string{"bench", "--bench", re, "--benchtime", "1x", "--out", t.TempDir()}, io.Discard, io.Discard)
		require.Error(t, err, re)
		assert.Equal(t, exitUsage, exitCode(err, io.Discard), re)
		assert.Contains(t, err.Error(), "--bench \""+re+"\" matches no benchmark", re)
		assert.Contains(t, err.Error(), "e.g. 'Breaker/path=open-reject/impl=reference/par=(serial|1)$'")
	}
}

func TestBenchCommandPlotOnly(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	require.NoError(t, os.WriteFile(in, []byte(
		"BenchmarkBreaker/path=open-reject/impl=reference/par=1-2 100 30 ns/op 0 B/op 0 allocs/op\n"+
			"BenchmarkBreaker/path=open-reject/impl=reference/par=2-2 100 31 ns/op 0 B/op 0 allocs/op\n"), 0o644))
	t.Chdir(t.TempDir()) // no checkout needed
	var stdout strings.Builder
	require.NoError(t, run(context.Background(), []string{"bench", "--plot-only", "--with", in, "--out", dir}, &stdout, io.Discard))
	assert.NotContains(t, stdout.String(), "bench.txt", "nothing ran")
	assert.NoFileExists(t, filepath.Join(dir, "bench.txt"))
	summary, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	require.NoError(t, err)
	assert.Contains(t, string(summary), "| reference | parallel | 30.0 (0) |")
	assert.FileExists(t, filepath.Join(dir, "contention.svg"))
	assert.FileExists(t, filepath.Join(dir, "contention.png"))
}

func TestBenchCommandBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--cpu", "0"}, "--cpu"},
		{[]string{"--cpu", "1,two"}, "--cpu"},
		{[]string{"--count", "0"}, "--count 0"},
		{[]string{"--benchtime", "fast"}, `--benchtime "fast"`},
		{[]string{"--bench", "("}, `--bench "("`},
		{[]string{"--with", "/nonexistent/peers.txt"}, "/nonexistent/peers.txt"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--plot-only"}, "--plot-only needs at least one --with FILE"},
	} {
		err := run(context.Background(), append([]string{"bench", "--out", t.TempDir()}, tc.args...), io.Discard, io.Discard)
		require.Error(t, err, tc.args)
		assert.Equal(t, exitUsage, exitCode(err, io.Discard), tc.args)
		assert.Contains(t, err.Error(), tc.want, tc.args)
	}
}

func TestShellQuote(t *testing.T) {
	assert.Equal(t, `go test -run '^$' -bench 'Breaker/par=(serial|1)$' -cpu 1,2 ./bench/ 'it'\''s'`,
		"go "+shellJoin([]string{"test", "-run", "^$", "-bench", "Breaker/par=(serial|1)$", "-cpu", "1,2", "./bench/", "it's"}))
}
