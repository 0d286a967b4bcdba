package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeCheckout is a stand-in breakerlab checkout in which go test runs in
// seconds: one case passes, one fails its check (testdata/checkout).
const fakeCheckout = "testdata/checkout"

func TestFindSource(t *testing.T) {
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	for _, dir := range []string{".", "..", "seedport", "peers"} { // bench/peers is a module of its own
		got, err := FindSource(dir)
		require.NoError(t, err, dir)
		assert.Equal(t, root, got, dir)
	}
	fake, err := filepath.Abs(fakeCheckout)
	require.NoError(t, err)
	got, err := FindSource(filepath.Join(fakeCheckout, "bench", "peers"))
	require.NoError(t, err)
	assert.Equal(t, fake, got, "the nearest checkout")

	other := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(other, "go.mod"), []byte("module example.com/other\n"), 0o644))
	for _, dir := range []string{t.TempDir(), other} {
		_, err := FindSource(dir)
		require.ErrorIs(t, err, ErrNoSource, dir)
		assert.Contains(t, err.Error(), dir)
	}
}

func TestGoTestArgs(t *testing.T) {
	assert.Equal(t, []string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-timeout", "0", "./bench/"},
		GoTest{}.Args(MainPackage))
	assert.Equal(t, []string{"test", "-run", "^$", "-bench", "Breaker/path=storm/", "-benchmem", "-timeout", "0",
		"-cpu", "1,2", "-count", "5", "-benchtime", "200ms", "."},
		GoTest{Bench: "Breaker/path=storm/", CPU: "1,2", Count: 5, Benchtime: "200ms"}.Args("."))
}

func TestGoTestValidate(t *testing.T) {
	assert.NoError(t, GoTest{}.Validate())
	assert.NoError(t, GoTest{Bench: "Breaker/path=(a|b)/", CPU: "1, 2,4", Count: 3, Benchtime: "100x"}.Validate())
	for _, tc := range []struct {
		g    GoTest
		want string
	}{
		{GoTest{Bench: "("}, `bench "(": error parsing regexp`},
		{GoTest{CPU: "0"}, `cpu "0": want positive integers`},
		{GoTest{CPU: "1,two"}, `cpu "1,two"`},
		{GoTest{Count: -1}, "count -1"},
		{GoTest{Benchtime: "fast"}, `benchtime "fast"`},
	} {
		assert.ErrorContains(t, tc.g.Validate(), tc.want, tc.g)
	}
}

func TestCheckBenchtime(t *testing.T) {
	for _, ok := range []string{"1s", "200ms", "100x", "1x"} {
		assert.NoError(t, checkBenchtime(ok), ok)
	}
	for _, bad := range []string{"", "0s", "-1s", "0x", "x", "fast", "10"} {
		assert.Error(t, checkBenchtime(bad), bad)
	}
}

func TestFailureScanner(t *testing.T) {
	out := `goos: linux
BenchmarkBreaker/path=closed-success/impl=reference/par=serial-2 	 100	 10.0 ns/op
--- FAIL: BenchmarkBreaker/path=open-reject/impl=never-opens/par=serial
    cases.go:70: after 5 failures the breaker is closed, want [open]
BenchmarkBreaker/path=open-reject/impl=reference/par=serial-2 	 100	 30.0 ns/op
--- FAIL: BenchmarkBreaker/path=open-reject/impl=never-opens/par=serial
    cases.go:70: after 5 failures the breaker is closed, want [open]
--- FAIL: BenchmarkOther
    --- FAIL: BenchmarkOther/case
        x_test.go:9: first line
        x_test.go:10: second line
    --- FAIL: BenchmarkOther/silent
--- FAIL: BenchmarkBreaker
FAIL
exit status 1
`
	var s failureScanner
	for i := range len(out) { // byte by byte: lines split across writes
		n, err := s.Write([]byte{out[i]})
		require.NoError(t, err)
		require.Equal(t, 1, n)
	}
	assert.Equal(t, []Failure{
		{Name: "BenchmarkBreaker/path=open-reject/impl=never-opens/par=serial", Message: "after 5 failures the breaker is closed, want [open]"},
		{Name: "BenchmarkOther/case", Message: "first line"},
		{Name: "BenchmarkOther/silent"},
	}, s.leaves(), "the cases, once each, not their parents")
	assert.Equal(t, `bench: 3 benchmark(s) failed:
  BenchmarkBreaker/path=open-reject/impl=never-opens/par=serial: after 5 failures the breaker is closed, want [open]
  BenchmarkOther/case: first line
  BenchmarkOther/silent`, (&FailedError{Failures: s.leaves()}).Error())
}

// TestGoTestRun runs go test for real in the stand-in checkout.
func TestGoTestRun(t *testing.T) {
	var stdout, stderr strings.Builder
	err := GoTest{Bench: "Breaker/path=/impl=reference", Benchtime: "1x"}.Run(context.Background(), fakeCheckout, MainPackage, &stdout, &stderr)
	require.NoError(t, err, stderr.String())
	assert.Contains(t, stdout.String(), "pkg: github.com/breakerlab/breakerlab/bench\n", "go test's own header")
	// One iteration (-benchtime 1x) may carry a first call's allocations:
	// the format is what matters here, -benchmem's columns included.
	assert.Regexp(t, `BenchmarkBreaker/path=open-reject/impl=reference/par=serial(-\d+)?\s+1\s+[\d.]+ ns/op\s+\d+ B/op\s+\d+ allocs/op`, stdout.String())

	stdout.Reset()
	err = GoTest{Bench: "Breaker", Benchtime: "1x"}.Run(context.Background(), fakeCheckout, MainPackage, &stdout, &stderr)
	var failed *FailedError
	require.ErrorAs(t, err, &failed)
	assert.Equal(t, []Failure{{Name: "BenchmarkBreaker/path=open-reject/impl=never-opens/par=serial",
		Message: "after 5 failures the breaker is closed, want [open]"}}, failed.Failures)
	assert.Contains(t, stdout.String(), "impl=reference/par=serial", "the other case still ran and streamed")

	err = GoTest{Bench: "Breaker", Benchtime: "1x"}.Run(context.Background(), fakeCheckout, "./nonexistent/", &stdout, &stderr)
	require.Error(t, err)
	assert.NotErrorAs(t, err, &failed, "a build error is not a failed case")
	assert.Contains(t, err.Error(), "go test -run ^$ -bench Breaker -benchmem -timeout 0 -benchtime 1x ./nonexistent/ in testdata/checkout")
}
