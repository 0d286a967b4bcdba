package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/breakerlab/breakerlab/bench"
)

const benchUsage = `Usage: breakerlab bench [--cpu 1,2] [--count N] [--out DIR] [--bench REGEXP] [--benchtime D] [--peers] [--with FILE]... [--plot-only]

Run the lock-contention benchmarks with go test and summarise and plot them:
every path (closed-success, closed-1pct, open-reject, half-open-probe, storm)
against the bare call, the reference breaker, the seed-style port and its
RWMutex variant, serial and with b.RunParallel over SetParallelism 1..256.
It runs, in the breakerlab checkout around the current directory,

  go test -run '^$' -bench REGEXP -benchmem -timeout 0 -cpu LIST -count N -benchtime D ./bench/

and with --peers the same in the nested module bench/peers (gobreaker,
failsafe-go, eapache), streaming the output to the terminal and to files.
Each case checks its own outcome (the right rejections, the final state); a
case whose check fails fails its benchmark (b.Fatal) and gets no result line.

Writes, under --out:
  bench.txt        go test's output for ./bench/ (benchstat and 'breakerlab gate' read it)
  peers.txt        the same for bench/peers, with --peers
  summary.md       ns/op and allocs/op per implementation and path, and how the reference compares
  contention.svg   ns/op against goroutines, one line per implementation, one panel per
                   path and -cpu value (and contention.png)

Exit 0 every check held, 1 a benchmark failed (named) or go test failed,
2 bad flags, a --bench that matches no benchmark, or no breakerlab checkout
(outside one, run go test -bench directly, or use --plot-only).

Flags:
  --cpu LIST       GOMAXPROCS values, go test -cpu (default 1,2)
  --count N        runs of each case, go test -count (default 1; use 5+ for the gate)
  --out DIR        output directory (default out/bench)
  --bench REGEXP   go test -bench: split at '/', one part per level of
                   BenchmarkBreaker/path=P/impl=I/par=N (default: every case)
  --benchtime D    time or iterations per case, go test -benchtime (default 200ms)
  --peers          also run the peers in bench/peers, into peers.txt
  --with FILE      also summarise and plot results from FILE (repeatable)
  --plot-only      run nothing: summarise and plot the --with files only

Examples:
  breakerlab bench
  breakerlab bench --peers --out out/bench
  breakerlab bench --cpu 1,2 --count 5 --bench 'Breaker/path=.*/impl=reference/par=(serial|1)$' --out out/gate
  breakerlab bench --bench 'Breaker/path=open-reject/impl=(reference|seedport)/par=(serial|1)$' --benchtime 1s
  breakerlab bench --plot-only --with bench/baseline/linux-amd64-2core.txt --with bench/baseline/peers-linux-amd64-2core.txt
`

// benchFlags are the parsed flags of breakerlab bench.
type benchFlags struct {
	run      bench.GoTest
	out      string
	peers    bool
	with     []string
	plotOnly bool
}

// parseBenchFlags parses and checks the flags (after -h, flag.ErrHelp).
func parseBenchFlags(args []string, stderr io.Writer) (*benchFlags, error) {
	fs := newFlags("bench", benchUsage, stderr)
	f := &benchFlags{}
	fs.StringVar(&f.run.CPU, "cpu", "1,2", "GOMAXPROCS values")
	fs.IntVar(&f.run.Count, "count", 1, "runs of each case")
	fs.StringVar(&f.out, "out", filepath.Join("out", "bench"), "output directory")
	fs.StringVar(&f.run.Bench, "bench", ".", "go test -bench regexp")
	fs.StringVar(&f.run.Benchtime, "benchtime", "200ms", "time or iterations per case")
	fs.BoolVar(&f.peers, "peers", false, "also run the peers in bench/peers")
	fs.Func("with", "also summarise and plot results from `FILE`", func(s string) error {
		f.with = append(f.with, s)
		return nil
	})
	fs.BoolVar(&f.plotOnly, "plot-only", false, "summarise and plot the --with files only")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if err := noArgs("bench", pos, ""); err != nil {
		return nil, err
	}
	switch {
	case f.plotOnly && len(f.with) == 0:
		return nil, usagef("bench: --plot-only needs at least one --with FILE")
	case f.run.Count <= 0:
		return nil, usagef("bench: --count %d: want a positive number of runs", f.run.Count)
	}
	if err := f.run.Validate(); err != nil {
		return nil, usagef("bench: --%v", err)
	}
	return f, nil
}

// benchCmd runs the suite with go test, then summarises and plots it.
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseBenchFlags(args, stderr)
	if err != nil {
		return err
	}
	var results []bench.Result
	for _, file := range f.with {
		rs, err := readResults(file)
		if err != nil {
			return usagef("bench: --with %v", err)
		}
		results = append(results, rs...)
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return err
	}
	var wrote []string
	var failed *bench.FailedError
	if !f.plotOnly {
		measured, files, err := runGoTest(ctx, f, stdout, stderr)
		if err != nil && !errors.As(err, &failed) {
			return err
		}
		results, wrote = append(measured, results...), files
	}
	written, err := writeBenchReports(f.out, results, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", strings.Join(append(wrote, written...), ", "))
	if failed != nil {
		return fmt.Errorf("%w: %w", errChecksFailed, failed)
	}
	return nil
}

// benchSuite is one go test run: the module directory, the package, and
// the file its output goes to.
type benchSuite struct{ dir, pkg, file string }

// runGoTest runs go test for the main module's suite and, with --peers, the
// peers', and returns their results and the files it wrote. Failed cases
// come as a *bench.FailedError after every suite has run.
func runGoTest(ctx context.Context, f *benchFlags, stdout, stderr io.Writer) ([]bench.Result, []string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, nil, err
	}
	root, err := bench.FindSource(wd)
	if err != nil {
		return nil, nil, usagef("%v; breakerlab bench runs go test -bench on the source: run it from a breakerlab checkout, "+
			"or run go test -run '^$' -bench . -benchmem ./bench/ in one directly (--plot-only needs no checkout)", err)
	}
	if _, err := exec.LookPath("go"); err != nil {
		return nil, nil, usagef("bench: breakerlab bench runs go test -bench: %v", err)
	}
	suites := []benchSuite{{root, bench.MainPackage, "bench.txt"}}
	if f.peers {
		suites = append(suites, benchSuite{filepath.Join(root, bench.PeersDir), ".", "peers.txt"})
	}
	var results []bench.Result
	var files []string
	var failures []bench.Failure
	for _, s := range suites {
		path := filepath.Join(f.out, s.file)
		rs, err := runSuite(ctx, f.run, s, path, stdout, stderr)
		var failed *bench.FailedError
		if err != nil && !errors.As(err, &failed) {
			return nil, nil, err
		}
		if failed != nil {
			failures = append(failures, failed.Failures...)
		}
		results, files = append(results, rs...), append(files, path)
	}
	switch {
	case len(failures) > 0:
		return results, files, &bench.FailedError{Failures: failures}
	case len(results) == 0:
		return nil, nil, usagef("bench: --bench %q matches no benchmark: go test matches each '/'-separated part against one level of "+
			"BenchmarkBreaker/path=P/impl=I/par=N, e.g. 'Breaker/path=open-reject/impl=reference/par=(serial|1)$'", f.run.Bench)
	}
	return results, files, nil
}

// runSuite runs go test for s, streaming its output to path and stdout, and
// reads the results back. A *bench.FailedError comes with the results of
// the cases that passed.
func runSuite(ctx context.Context, g bench.GoTest, s benchSuite, path string, stdout, stderr io.Writer) ([]bench.Result, error) {
	txt, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "$ cd %s && go %s\n", shellQuote(s.dir), shellJoin(g.Args(s.pkg)))
	runErr := g.Run(ctx, s.dir, s.pkg, io.MultiWriter(txt, stdout), stderr)
	if err := txt.Close(); err != nil {
		return nil, err
	}
	var failed *bench.FailedError
	if runErr != nil && !errors.As(runErr, &failed) {
		return nil, runErr
	}
	results, err := readResults(path)
	if err != nil && !errors.Is(err, bench.ErrNoResults) {
		return nil, err
	}
	return results, runErr
}

// writeBenchReports writes DIR/summary.md (also to stdout) and the
// contention plot, and returns the files it wrote.
func writeBenchReports(dir string, results []bench.Result, stdout io.Writer) ([]string, error) {
	var summary strings.Builder
	if err := bench.WriteSummary(&summary, results); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "summary.md")
	if err := os.WriteFile(path, []byte(summary.String()), 0o644); err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "\n%s", summary.String())
	plotted, err := writeContentionPlot(dir, results)
	if err != nil {
		return nil, err
	}
	return []string{path, plotted}, nil
}

// readResults reads benchmark results from a file.
func readResults(path string) ([]bench.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return bench.ParseResults(f, path)
}

// shellSafe matches words a POSIX shell reads as they are.
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./,=:+-]+$`)

// shellQuote quotes s for a POSIX shell, so that a printed command can be
// pasted.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellJoin(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	return strings.Join(quoted, " ")
}
