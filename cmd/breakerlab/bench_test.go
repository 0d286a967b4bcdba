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

func TestBenchCommand(t *testing.T) {
	dir := t.TempDir()
	peers := filepath.Join(dir, "peers.txt")
	require.NoError(t, os.WriteFile(peers, []byte(
		"BenchmarkBreaker/path=closed-success/impl=gobreaker/par=1-2 100 70 ns/op 0 B/op 0 allocs/op\n"+
			"BenchmarkBreaker/path=closed-success/impl=gobreaker/par=2-2 100 90 ns/op 0 B/op 0 allocs/op\n"), 0o644))
	out := filepath.Join(dir, "out")
	var stdout, stderr strings.Builder
	err := run(context.Background(), []string{"bench", "--cpu", "1,2", "--benchtime", "100x", "--out", out,
		"--bench", `path=(closed-success|open-reject)/impl=(bare|reference|seedport)/par=(serial|1|2)$`,
		"--with", peers}, &stdout, &stderr)
	require.NoError(t, err, stderr.String())

	f, err := os.Open(filepath.Join(out, "bench.txt"))
	require.NoError(t, err)
	defer f.Close()
	results, err := bench.ParseResults(f, "bench.txt")
	require.NoError(t, err)
	assert.Len(t, results, (1+2+2)*3*2, "bare runs closed-success only; 3 modes; 2 cpus")

	summary, err := os.ReadFile(filepath.Join(out, "summary.md"))
	require.NoError(t, err)
	assert.Contains(t, string(summary), "### -cpu 2")
	assert.Contains(t, string(summary), "reference costs")
	assert.Contains(t, string(summary), "| gobreaker | parallel | 70.0 (0) |", "results from --with are summarised")
	assert.Contains(t, stdout.String(), "BenchmarkBreaker/path=open-reject/impl=seedport/par=serial-2")

	svg, err := os.ReadFile(filepath.Join(out, "contention.svg"))
	require.NoError(t, err)
	assert.Contains(t, string(svg), "<svg")
	assert.Contains(t, string(svg), "gobreaker")
}

func TestBenchCommandPlotOnly(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	require.NoError(t, os.WriteFile(in, []byte(
		"BenchmarkBreaker/path=open-reject/impl=reference/par=1-2 100 30 ns/op 0 B/op 0 allocs/op\n"+
			"BenchmarkBreaker/path=open-reject/impl=reference/par=2-2 100 31 ns/op 0 B/op 0 allocs/op\n"), 0o644))
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
		{[]string{"--benchtime", "fast"}, `benchtime "fast"`},
		{[]string{"--bench", "("}, "--bench"},
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
