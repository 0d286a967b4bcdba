package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/breakerlab/breakerlab/bench"
)

const benchUsage = `Usage: breakerlab bench [--cpu 1,2] [--count N] [--out DIR] [--bench REGEXP] [--benchtime D] [--with FILE]... [--plot-only]

Run the lock-contention benchmarks in this process: every path (closed-success,
closed-1pct, open-reject, half-open-probe, storm) against the bare call, the
reference breaker, the seed-style port and its RWMutex variant, serial and with
b.RunParallel over SetParallelism 1..256. Each case checks its own outcome (the
right rejections, the final state); a case whose check fails is reported and
gets no result line.

Writes, under --out:
  bench.txt        the results in Go benchmark format (benchstat and 'breakerlab gate' read it)
  summary.md       ns/op and allocs/op per implementation and path, and how the reference compares
  contention.svg   ns/op against goroutines, one line per implementation, one panel per
                   path and -cpu value (and contention.png)

The peers (gobreaker, failsafe-go, eapache) live in the nested module
bench/peers so the main module never depends on them; run them there with
go test and pass their output with --with to add them to the summary and plot.

Exit 0 every check held, 1 a benchmark's check failed, 2 bad flags.

Flags:
  --cpu LIST       GOMAXPROCS values, like go test -cpu (default 1,2)
  --count N        runs of each case, like go test -count (default 1; use 5+ for the gate)
  --out DIR        output directory (default out/bench)
  --bench REGEXP   run only cases whose name matches, e.g. 'path=open-reject' or 'par=(serial|1)$'
  --benchtime D    time or iterations per case, like go test -benchtime (default 200ms)
  --with FILE      also summarise and plot results from FILE (repeatable)
  --plot-only      run nothing: summarise and plot the --with files only

Examples:
  breakerlab bench
  breakerlab bench --cpu 1,2 --count 5 --out out/bench
  breakerlab bench --bench 'path=closed-success/.*/par=(serial|1)$' --benchtime 1s
  (cd bench/peers && go test -run '^$' -bench . -benchmem -cpu 1,2 > ../../out/peers.txt)
  breakerlab bench --bench 'impl=reference' --with out/peers.txt
  breakerlab bench --plot-only --with bench/baseline/linux-amd64-2core.txt --with out/peers.txt
`

// benchCmd runs the benchmark suite in-process.
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", benchUsage, stderr)
	cpuList := fs.String("cpu", "1,2", "GOMAXPROCS values")
	count := fs.Int("count", 1, "runs of each case")
	out := fs.String("out", filepath.Join("out", "bench"), "output directory")
	filter := fs.String("bench", "", "regexp selecting cases")
	benchtime := fs.String("benchtime", "200ms", "time or iterations per case")
	var with []string
	fs.Func("with", "also summarise and plot results from `FILE`", func(s string) error {
		with = append(with, s)
		return nil
	})
	plotOnly := fs.Bool("plot-only", false, "summarise and plot the --with files only")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("bench", pos, ""); err != nil {
		return err
	}
	if *plotOnly && len(with) == 0 {
		return usagef("bench: --plot-only needs at least one --with FILE")
	}
	opts := bench.Options{Count: *count, Benchtime: *benchtime}
	cpus, err := parseCPUs(*cpuList)
	if err != nil {
		return usagef("bench: --cpu %v", err)
	}
	opts.CPUs = cpus
	if *count <= 0 {
		return usagef("bench: --count %d: want a positive number of runs", *count)
	}
	if err := bench.CheckBenchtime(*benchtime); err != nil {
		return usagef("bench: --%v", err)
	}
	if *filter != "" {
		re, err := regexp.Compile(*filter)
		if err != nil {
			return usagef("bench: --bench %q: %v", *filter, err)
		}
		opts.Filter = re
	}
	var extra []bench.Result
	for _, file := range with {
		rs, err := readResults(file)
		if err != nil {
			return usagef("bench: --with %v", err)
		}
		extra = append(extra, rs...)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	var results []bench.Result
	var runErr error
	wrote := []string{}
	if !*plotOnly {
		if results, runErr = runSuite(ctx, opts, *out, stdout); runErr != nil && !errors.Is(runErr, bench.ErrCheckFailed) {
			return runErr
		}
		wrote = append(wrote, filepath.Join(*out, "bench.txt"))
	}
	all := append(results, extra...)
	var summary strings.Builder
	if err := bench.WriteSummary(&summary, all); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "summary.md"), []byte(summary.String()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%s", summary.String())
	written, err := writeContentionPlot(*out, all)
	if err != nil {
		return err
	}
	wrote = append(wrote, filepath.Join(*out, "summary.md"), written)
	fmt.Fprintf(stdout, "wrote %s\n", strings.Join(wrote, ", "))
	if runErr != nil {
		return fmt.Errorf("%w: %w", errChecksFailed, runErr)
	}
	return nil
}

// runSuite runs the suite, streaming results to DIR/bench.txt and stdout.
func runSuite(ctx context.Context, opts bench.Options, dir string, stdout io.Writer) ([]bench.Result, error) {
	txt, err := os.Create(filepath.Join(dir, "bench.txt"))
	if err != nil {
		return nil, err
	}
	results, runErr := bench.Run(ctx, opts, io.MultiWriter(txt, stdout))
	if err := txt.Close(); err != nil {
		return nil, err
	}
	return results, runErr
}

// parseCPUs reads a comma-separated list of positive GOMAXPROCS values.
func parseCPUs(s string) ([]int, error) {
	var cpus []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q: want positive integers separated by commas, e.g. 1,2,4", s)
		}
		cpus = append(cpus, n)
	}
	return cpus, nil
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
