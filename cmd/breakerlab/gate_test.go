package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// benchFile writes a benchmark result file with one line per value.
func benchFile(t *testing.T, name string, values ...float64) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("goos: linux\ngoarch: amd64\n")
	for _, v := range values {
		fmt.Fprintf(&b, "BenchmarkBreaker/path=open-reject/impl=reference/par=1-2 \t 1000000\t %.2f ns/op\t 0 B/op\t 0 allocs/op\n", v)
	}
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

func runGate(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut strings.Builder
	err := run(context.Background(), append([]string{"gate"}, args...), &out, &errOut)
	var msg strings.Builder
	code := exitCode(err, &msg)
	return out.String() + errOut.String() + msg.String(), code
}

func TestGateCommand(t *testing.T) {
	base := benchFile(t, "base.txt", 50, 50.6, 49.7, 50.2, 49.9)
	same := benchFile(t, "same.txt", 50.1, 49.8, 50.4, 50.0, 49.6)
	slow := benchFile(t, "slow.txt", 65, 65.8, 64.6, 65.3, 64.9)
	few := benchFile(t, "few.txt", 65, 65.8, 64.6)
	fewBase := benchFile(t, "fewbase.txt", 50, 50.6, 49.7)

	out, code := runGate(t, "--baseline", base, "--current", same)
	assert.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "Breaker/path=open-reject/impl=reference/par=1-2")
	assert.Contains(t, out, "PASS")

	out, code = runGate(t, "--baseline", base, "--current", slow)
	assert.Equal(t, exitFailed, code, out)
	assert.Contains(t, out, "REGRESSION")
	assert.Contains(t, out, "1 benchmark(s) regressed beyond 10%")

	out, code = runGate(t, "--baseline", base, "--current", slow, "--max-regression", "40%")
	assert.Equal(t, exitOK, code, "a 30%% slowdown is within 40%%: %s", out)

	out, code = runGate(t, "--baseline", fewBase, "--current", few)
	assert.Equal(t, exitUsage, code, "a gate that decided nothing does not pass: %s", out)
	assert.Contains(t, out, "too few samples")
	assert.Contains(t, out, ": UNDECIDED\n")
	assert.Contains(t, out, "gate: undecided: each of the 1 benchmarks compared has fewer than 4 samples on a side; measure with --count 5 or more")
	assert.NotContains(t, out, "PASS")
}

// A current file that shares no benchmark with the baseline compares
// nothing: exit 2, naming what each file has.
func TestGateCommandNothingCompared(t *testing.T) {
	base := benchFile(t, "base.txt", 50, 50.6, 49.7, 50.2, 49.9)
	other := filepath.Join(t.TempDir(), "other.txt")
	require.NoError(t, os.WriteFile(other, []byte(
		"BenchmarkBreaker/path=open-reject/impl=reference/par=1-8 1000000 50 ns/op\n"), 0o644))
	out, code := runGate(t, "--baseline", base, "--current", other)
	assert.Equal(t, exitUsage, code, out)
	assert.Contains(t, out, "gate: 0 compared")
	assert.Contains(t, out, ": NOTHING COMPARED\n")
	assert.Contains(t, out, "nothing compared: no benchmark is in both files; "+base+" has Breaker/path=open-reject/impl=reference/par=1-2, "+
		other+" has Breaker/path=open-reject/impl=reference/par=1-8")
	assert.NotContains(t, out, "PASS")
}

func TestGateCommandBadInput(t *testing.T) {
	base := benchFile(t, "base.txt", 50, 51, 49, 50, 50)
	garbage := filepath.Join(t.TempDir(), "garbage.txt")
	require.NoError(t, os.WriteFile(garbage, []byte("BenchmarkX-2 12 quick ns/op\n"), 0o644))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--current", base}, "--baseline FILE is required"},
		{[]string{"--baseline", base}, "--current FILE is required"},
		{[]string{"--baseline", base, "--current", garbage}, "garbage.txt:1"},
		{[]string{"--baseline", base, "--current", "/nonexistent/new.txt"}, "/nonexistent/new.txt"},
		{[]string{"--baseline", base, "--current", base, "--max-regression", "lots"}, "--max-regression"},
		{[]string{"--baseline", base, "--current", base, "--max-regression", "0%"}, "want more than 0"},
		{[]string{"--baseline", base, "--current", base, "--alpha", "1.5"}, "--alpha"},
		{[]string{"--baseline", base, "--current", base, "extra"}, `unexpected argument "extra"`},
	} {
		var out, errOut strings.Builder
		err := run(context.Background(), append([]string{"gate"}, tc.args...), &out, &errOut)
		require.Error(t, err, tc.args)
		assert.Equal(t, exitUsage, exitCode(err, io.Discard), tc.args)
		assert.Contains(t, err.Error(), tc.want, tc.args)
	}
}
