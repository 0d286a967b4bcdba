package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/breakerlab/breakerlab/reports"
	"github.com/breakerlab/breakerlab/scenarios/check"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

const reportUsage = `Usage: breakerlab report DIR...

Rebuild the reports of recorded runs from their files: report.html (one
self-contained page), summary.md, summary.json, junit.xml and
plots/{timeline,throughput,latency}.{png,svg} (live and stress runs also
plots/contention.{png,svg}), written into the run directory.

DIR is a run directory (it holds meta.json) or an output directory holding
one per scenario, as 'breakerlab run --out OUT' writes them; for the latter
OUT/summary.md and OUT/junit.xml also combine every run in it, and
OUT/contention.{png,svg} compares its live and stress runs by implementation. A run cut
short (Ctrl-C, a crash) reports too: a half-written last line is skipped,
the plots end at the last event. A run without verdict.json (killed before
its check) is checked first, and verdict.json written; with --no-check
its checks are reported as "not checked" instead.

A run that cannot be read (a malformed file) does not stop the others:
they are reported, and the bad one is named on stderr and listed as an
error in OUT/summary.md and OUT/junit.xml.

Exit status: 0 every run passed, 1 a run did not pass — a recorded check
failed, the run was incomplete (interrupted, killed, short of its load) or
nothing was checked — or a report could not be written, 2 bad input: a DIR
that holds no run, or a malformed run file (the error names file and line).

Flags:
  --no-check    do not check runs that have no verdict.json

Examples:
  breakerlab report out/nfr6-iam-outage
  breakerlab report out
  breakerlab report out/a out/b
`

// reportCmd rebuilds the reports of recorded runs.
func reportCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", reportUsage, stderr)
	noCheck := fs.Bool("no-check", false, "do not check runs that have no verdict.json")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		fs.Usage()
		return usagef("report: no run directory given")
	}
	// Resolve every DIR first: one that holds no run stops before any writing.
	groups := make([][]string, len(args))
	for i, arg := range args {
		if groups[i], err = reports.FindRuns(arg); err != nil {
			return usageError{fmt.Errorf("report: %w", err)}
		}
	}
	// A run that cannot be loaded is listed as an error; the others are reported.
	var errs []error
	var notPassed []string
	for i, dirs := range groups {
		var runs []*reports.Run
		var missing []reports.Missing
		for _, dir := range dirs {
			run, err := reportRun(dir, !*noCheck, stdout, stderr)
			if err != nil {
				errs = append(errs, err)
				missing = append(missing, reports.Missing{Label: filepath.Base(dir), Dir: dir, Reason: err.Error()})
				continue
			}
			runs = append(runs, run)
			if st := run.Status(); st != record.StatusPassed {
				notPassed = append(notPassed, run.Label()+" ("+st+")")
			}
		}
		if len(dirs) > 1 || !reports.IsRunDir(args[i]) {
			written, err := reports.WriteIndex(args[i], runs, missing)
			if err != nil {
				errs = append(errs, fmt.Errorf("report: %w", err))
				continue
			}
			fmt.Fprintf(stdout, "all %d runs in %s: %s, %s%s\n", len(dirs), args[i],
				filepath.Base(written[0]), filepath.Base(written[1]), errorCount(len(missing)))
		}
	}
	if len(notPassed) > 0 {
		errs = append(errs, fmt.Errorf("%w: %d recorded run(s) did not pass: %s", errChecksFailed, len(notPassed), strings.Join(notPassed, ", ")))
	}
	return errors.Join(errs...)
}

// errorCount notes how many runs could not be reported.
func errorCount(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%s listed as errors)", plural(n, "run"))
}

// reportRun checks the run in dir if it has no verdict (and check is set),
// loads it and writes its reports. A run that cannot be loaded or checked
// is bad input.
func reportRun(dir string, check bool, stdout, stderr io.Writer) (*reports.Run, error) {
	if check {
		if err := checkIfUnchecked(dir, stderr); err != nil {
			return nil, err
		}
	}
	run, err := reports.Load(dir)
	if err != nil {
		return nil, usageError{fmt.Errorf("report: %w", err)}
	}
	written, err := reports.Write(run.Dir, run)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	st := run.Status()
	if why := run.Incomplete(); why != "" {
		st += " (" + why + ")"
	}
	fmt.Fprintf(stdout, "%s: %s, %d files; open %s\n", run.Label(), st, len(written), written[0])
	for _, w := range run.Warnings {
		fmt.Fprintf(stderr, "  warning: %s\n", w)
	}
	return run, nil
}

// checkIfUnchecked runs the invariant checker on the run in dir and writes
// its verdict.json, unless the run has one already.
func checkIfUnchecked(dir string, stderr io.Writer) error {
	if _, err := os.Stat(filepath.Join(dir, record.VerdictFile)); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	v, inferred, err := check.Dir(dir, check.Options{})
	if err != nil {
		return usageError{fmt.Errorf("report: checking %s: %w", dir, err)}
	}
	if err := errors.Join(v.Write(dir), record.WriteInferred(dir, inferred)); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	fmt.Fprintf(stderr, "%s: had no verdict.json; checked it now\n", dir)
	return nil
}
