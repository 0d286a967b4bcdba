package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/breakerlab/breakerlab/reports"
	"github.com/breakerlab/breakerlab/scenarios/check"
	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

const mergeUsage = `Usage: breakerlab merge [flags] SERVED_DIR FILE...

Build a run from the fakes' records that 'breakerlab serve' left in
SERVED_DIR and the load machines' files, check it and report, as
'breakerlab run' does. Each FILE is a vegeta results file (the output of
vegeta attack: gob, JSON or CSV) or a clock file (NAME.clock.json, from
'breakerlab clock'). A result belongs to the attacker its vegeta -name
names (else its file's name without the extension), whose clock file
gives the offset put on its times: the timeline is the fakes' clock.

The merged calls are sorted by start and numbered anew (each attacker's
seq starts at 0); a request at a fake is matched to the one call of its
attacker (X-Vegeta-Attack, when the service forwards it) and seq that can
have made it. A request that fits several calls, or attacks in step
(their calls in bunches the plan spaces), make the run incomplete. Each attacker's clock error bound is half the
measuring round trip plus the drift allowance (--drift-ppm of the time
since its nearest measurement); the largest is added to the timing
checks' tolerance. Before the breaker is judged, the merged load is
checked against the scenario's plan: under 90% of the planned calls in
all, or in a tenth of the run, and the run is incomplete.

Exit status: 0 the run passed; 1 it did not (a check failed, or the load
fell short of the plan); 2 bad input: a file that cannot be read, results
or a clock of another run, an attacker without a clock file, a clock file
of no attacker, a directory serve did not record.

Flags:
  --out DIR         parent directory of the merged run's directory (default "out")
  --drift-ppm N     clock drift allowance, parts per million (default 100)
  --no-report       skip the HTML/Markdown/JUnit reports and plots

Examples:
  breakerlab merge served/nfr6-service-external host-1.bin host-2.bin host-1.clock.json host-2.clock.json
  breakerlab merge --drift-ppm 10 --out results served/my-run host-*.bin host-*.clock.json
`

// mergeCmd merges load machines' vegeta files into a served run.
func mergeCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("merge", mergeUsage, stderr)
	var opts runner.MergeOptions
	fs.StringVar(&opts.Out, "out", "out", "parent directory of the merged run's directory")
	fs.Float64Var(&opts.DriftPPM, "drift-ppm", runner.DefaultDriftPPM, "clock drift allowance, parts per million")
	noReport := fs.Bool("no-report", false, "skip the reports")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		fs.Usage()
		return usagef("merge: want the served run's directory and the load machines' files, got %d arguments", len(pos))
	}
	if opts.DriftPPM <= 0 {
		return usagef("merge: --drift-ppm %v: want > 0: every clock drifts (an NTP-kept one by a few ppm)", opts.DriftPPM)
	}
	if err := checkOut(opts.Out); err != nil {
		return err
	}
	m, err := runner.Merge(pos[0], pos[1:], opts)
	if m == nil || m.Result == nil || errors.Is(err, record.ErrNotRunDir) {
		return usageError{fmt.Errorf("merge: %w", err)}
	}
	printMerge(stdout, m)
	o := outcome{job: job{arg: pos[0], dir: m.Result.Dir}, res: m.Result, err: err}
	if *noReport {
		o.err = errors.Join(o.err, reports.Remove(o.res.Dir))
	} else {
		run, err := reports.Load(o.res.Dir)
		if err == nil {
			_, err = reports.Write(o.res.Dir, run)
		}
		o.err = errors.Join(o.err, err)
		o.run = run
	}
	outcomes := []outcome{o}
	printSummary(stdout, outcomes)
	if !*noReport {
		printReportPaths(stdout, opts.Out, outcomes)
	}
	return runErrors(outcomes)
}

// printMerge shows each attacker's share and clock, the load against the
// plan, and the tolerance the checks used.
func printMerge(w io.Writer, m *runner.Merged) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ATTACKER\tCALLS\tOFFSET\tERROR BOUND\tMATCHED\tFILES")
	for _, a := range m.Attackers {
		files := make([]string, len(a.Files))
		for i, f := range a.Files {
			files[i] = filepath.Base(f)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t±%s\t%d\t%s\n", a.Name, a.Calls, fmtOffset(a.OffsetNs), time.Duration(a.ErrorNs), a.Matched, strings.Join(files, ", "))
	}
	tw.Flush()
	ar := m.Arrival
	fmt.Fprintf(w, "merged load: %d calls of %.0f planned (%.0f%%); the thinnest tenth %d of %.0f (%s to %s)\n",
		ar.Achieved, ar.Planned, 100*float64(ar.Achieved)/max(ar.Planned, 1), ar.Worst.Achieved, ar.Worst.Planned, ar.Worst.From, ar.Worst.To)
	fmt.Fprintf(w, "matched: %d of the fakes' %d requests to the calls that made them\n", m.Matched, m.Requests)
	fmt.Fprintf(w, "tolerance: %s + clock error %s\n", check.DefaultExternalTolerance, m.ClockError)
	for _, warn := range m.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
}
