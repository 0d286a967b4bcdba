package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/breakerlab/breakerlab/reports"
	"github.com/breakerlab/breakerlab/scenarios/check"
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

Exit status: 0 reports written and no recorded check failed, 1 a recorded
check failed (or a report could not be written), 2 bad input: a DIR that
holds no run, or a malformed run file (the error names file and line).

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
	dirs, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		fs.Usage()
		return usagef("report: no run directory given")
	}
	// Resolve and load everything first: a bad DIR stops before any writing.
	type group struct {
		dir  string
		runs []*reports.Run
	}
	var groups []group
	for _, arg := range dirs {
		dirs, err := reports.FindRuns(arg)
		if err != nil {
			return usageError{fmt.Errorf("report: %w", err)}
		}
		g := group{dir: arg}
		for _, dir := range dirs {
			if !*noCheck {
				if err := checkIfUnchecked(dir, stderr); err != nil {
					return err
				}
			}
			run, err := reports.Load(dir)
			if err != nil {
				return usageError{fmt.Errorf("report: %w", err)}
			}
			g.runs = append(g.runs, run)
		}
		groups = append(groups, g)
	}

	var failed []string
	for _, g := range groups {
		for _, run := range g.runs {
			written, err := reports.Write(run.Dir, run)
			if err != nil {
				return fmt.Errorf("report: %w", err)
			}
			fmt.Fprintf(stdout, "%s: %s, %d files; open %s\n", run.Label(), run.Status(), len(written), written[0])
			for _, w := range run.Warnings {
				fmt.Fprintf(stderr, "  warning: %s\n", w)
			}
			if run.Status() == reports.StatusFailed {
				failed = append(failed, run.Label())
			}
		}
		if len(g.runs) > 1 || !reports.IsRunDir(g.dir) {
			written, err := reports.WriteIndex(g.dir, g.runs)
			if err != nil {
				return fmt.Errorf("report: %w", err)
			}
			fmt.Fprintf(stdout, "all %d runs in %s: %s, %s\n", len(g.runs), g.dir,
				filepath.Base(written[0]), filepath.Base(written[1]))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%w: %d recorded run(s) failed: %v", errChecksFailed, len(failed), failed)
	}
	return nil
}

// checkIfUnchecked runs the invariant checker on the run in dir and writes
// its verdict.json, unless the run has one already.
func checkIfUnchecked(dir string, stderr io.Writer) error {
	if _, err := os.Stat(filepath.Join(dir, reports.VerdictFile)); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	v, err := check.Dir(dir, check.Options{})
	if err != nil {
		return usageError{fmt.Errorf("report: checking %s: %w", dir, err)}
	}
	if err := v.Write(dir); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	fmt.Fprintf(stderr, "%s: had no verdict.json; checked it now\n", dir)
	return nil
}
