package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/breakerlab/breakerlab/bench/gate"
)

const gateUsage = `Usage: breakerlab gate --baseline OLD.txt --current NEW.txt [--max-regression 10%] [--alpha 0.05]

Compare two files of Go benchmark results (go test -bench or breakerlab bench
output) like benchstat: the median of each benchmark's samples and the
Mann-Whitney U test. Prints a table and fails when a benchmark is slower than
the baseline by more than --max-regression with p < --alpha. A benchmark with
fewer than 4 samples on a side cannot show significance at 0.05: it is
reported as "too few samples" and does not fail the gate (use --count 5).
A gate that decided nothing does not pass: when no benchmark is in both
files it ends "NOTHING COMPARED" and names the benchmarks of each; when
every benchmark compared has too few samples it ends "UNDECIDED".

Exit 0 no regression, 1 a regression, 2 bad flags, an unreadable file,
nothing compared or undecided.

Flags:
  --baseline FILE         results to compare against (e.g. bench/baseline/linux-amd64-2core.txt)
  --current FILE          the new results
  --max-regression PCT    largest tolerated slowdown, as 10% or 0.1 (default 10%)
  --alpha P               significance level (default 0.05)

Examples:
  breakerlab gate --baseline bench/baseline/linux-amd64-2core.txt --current out/bench/bench.txt
  breakerlab gate --baseline old.txt --current new.txt --max-regression 5% --alpha 0.01
`

// gateCmd compares two benchmark result files.
func gateCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("gate", gateUsage, stderr)
	baseline := fs.String("baseline", "", "baseline results file")
	current := fs.String("current", "", "current results file")
	maxReg := fs.String("max-regression", "10%", "largest tolerated slowdown")
	alpha := fs.Float64("alpha", 0.05, "significance level")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("gate", pos, " (files are given with --baseline and --current)"); err != nil {
		return err
	}
	switch {
	case *baseline == "":
		return usagef("gate: --baseline FILE is required")
	case *current == "":
		return usagef("gate: --current FILE is required")
	}
	reg, err := gate.ParseFraction(*maxReg)
	if err == nil && reg == 0 {
		err = fmt.Errorf("%q: want more than 0 (a small value like 1%% fails on almost any significant slowdown)", *maxReg)
	}
	if err != nil {
		return usagef("gate: --max-regression %v", err)
	}
	if *alpha <= 0 || *alpha >= 1 {
		return usagef("gate: --alpha %v: want a value between 0 and 1, e.g. 0.05", *alpha)
	}
	rep, err := gate.CompareFiles(*baseline, *current, gate.Options{MaxRegression: reg, Alpha: *alpha})
	if err != nil {
		return usagef("%v", err)
	}
	if err := rep.WriteTable(stdout); err != nil {
		return err
	}
	switch rep.Outcome() {
	case gate.Fail:
		return fmt.Errorf("%w: %d benchmark(s) regressed beyond %s", errChecksFailed, rep.Count(gate.Regressed), *maxReg)
	case gate.NothingCompared:
		return usagef("gate: nothing compared: no benchmark is in both files; %s has %s, %s has %s "+
			"(names must match, -GOMAXPROCS suffix included: measure with the baseline's --cpu and --bench)",
			*baseline, someNames(rep.OnlyBaseline), *current, someNames(rep.OnlyCurrent))
	case gate.Undecided:
		return usagef("gate: undecided: each of the %d benchmarks compared has fewer than %d samples on a side; measure with --count 5 or more",
			len(rep.Rows), gate.MinSamples)
	}
	return nil
}

// someNames lists the first few names, and how many more there are.
func someNames(names []string) string {
	const shown = 3
	if len(names) <= shown {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:shown], ", "), len(names)-shown)
}
