package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/breakerlab/breakerlab/reports"
	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

const runUsage = `Usage: breakerlab run [flags] SCENARIO...

Run scenarios — built-in names (see 'breakerlab list') or scenario files —
record every call, transition and dependency request under OUT/<name>/
(OUT/<name>@<breaker>/ for a breaker other than the reference one),
check the invariants I1–I11 and the scenario's expectations (verdict.json),
and write the reports: per run in its directory, and OUT/summary.md and
OUT/junit.xml over all of them. On a terminal a progress line shows the
elapsed time, the call rate and each breaker's state; a summary table
follows.

A run directory belongs to its run: what an earlier run recorded there is
replaced, and a directory holding other files (no meta.json) is refused.
Two scenarios that would record into one directory are refused before
anything runs.

--record windows keeps, per dependency, only the calls near each change
of result (the first and last N of every run of successes or of
rejections; every failure and cancellation but short streaks of them
among successes) and aggregates of the rest in
omitted.jsonl: for soaks of hours, in sim and live mode. The checks and
reports account for the omitted calls (docs/run-directory.md says which
stay exact). --check windows keeps every call on disk but judges the run
as the windows level would have recorded it, streamed from the files: the
checker's memory then stays flat however long the run.

Ctrl-C stops the load, then records, checks and reports what ran: that
run is INCOMPLETE, and the scenarios not yet started are listed as
SKIPPED, in the table, OUT/summary.md and OUT/junit.xml. A live run whose
load generator fell short of the scenario's rate is incomplete too.

A run whose setup does not work is not run, and not judged: SETUP ERROR
in the table, "setup error" in OUT/summary.md and an error (not a
failure) in OUT/junit.xml; its directory keeps nothing of it.

Exit status: 0 every run passed; 1 a run did not pass (a check failed,
the run was incomplete, or nothing was checked) or could not run; 2 bad
input: a scenario file, a flag, an unusable --out, two scenarios for one
directory, a run directory holding other files, a run whose setup does
not work (the breaker refuses the scenario's config, a fake cannot
listen, a mode the breaker cannot run in; in external mode a listen
address taken, a target that does not answer, a service that never calls
its fakes).

External mode drives your own service: breakerlab serves its dependencies'
fakes where the service calls them (dependencies[].listen, --listen) and
sends the load at it (target, --target); it judges the service's breaker
from what the service answered and what reached the fakes.

Flags:
  --out DIR         parent directory of the run directories (default "out")
  --seed N          replace every scenario's seed (0: keep the scenario's)
  --mode MODE       replace every scenario's mode: sim, live, stress or external
  --breaker NAMES   the breaker implementations to drive, comma-separated:
                    reference (default) or seedport (the seed's single-mutex
                    design); each scenario runs once per implementation
  --no-report       skip the HTML/Markdown/JUnit reports and plots
  --metrics ADDR    serve Prometheus metrics at http://ADDR/metrics while
                    live, stress and external runs go (breakers, fakes,
                    answers): a loopback address, 127.0.0.1:PORT, [::1]:PORT
                    or localhost:PORT
  --allow-non-loopback  let --metrics listen beyond this machine
  --target URL      external mode: the service's URL, replacing the
                    scenario's target (dependencies' target paths are
                    taken relative to it)
  --listen NAME=ADDR  external mode: where dependency NAME's fake listens,
                    replacing the scenario's (repeatable)

Examples:
  breakerlab run nfr6-iam-outage
  breakerlab run --out results --seed 7 nfr6-iam-outage nfr6-eris-outage
  breakerlab run --mode live live-iam-outage
  breakerlab run ./my-scenario.yaml
  breakerlab run --breaker reference,seedport contention-sweep-live
  breakerlab run --metrics 127.0.0.1:9464 live-iam-outage
  breakerlab run --target http://127.0.0.1:8080 --listen iam=127.0.0.1:9001 examples/nfr6-service/nfr6-external.yaml
  go run -race ./cmd/breakerlab run race-stress
`

// job is one scenario run against one implementation.
type job struct {
	arg  string // the scenario as given on the command line
	sc   *scenarios.Scenario
	opts runner.Options
	dir  string // its run directory
}

// outcome is what became of a job.
type outcome struct {
	job
	res     *runner.Result // nil when it did not run
	err     error          // from the run or its reports
	run     *reports.Run   // its reports, when written
	skipped bool           // never started: an earlier run was interrupted
	setup   bool           // not run: its setup does not work (err says why)
}

// runCmd runs scenarios, checks them and reports.
func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	plan, err := parseRunFlags(args, stderr)
	if err != nil {
		return err
	}
	jobs, out, noReport := plan.jobs, plan.out, plan.noReport
	if err := checkOut(out); err != nil {
		return err
	}
	if plan.metrics != "" {
		observe, stop, err := serveMetrics(plan.metrics, plan.allowNonLoopback, stderr)
		if err != nil {
			return err
		}
		defer stop()
		for i := range jobs {
			jobs[i].opts.Observe = observe
		}
	}
	var line *progressLine
	if f, ok := stderr.(*os.File); ok && isTerminal(f) {
		line = newProgressLine(f)
		for i := range jobs {
			jobs[i].opts.Progress = line.show
		}
	}
	outcomes := make([]outcome, len(jobs))
	for i, j := range jobs {
		outcomes[i] = runJob(ctx, j, noReport)
		line.clear()
	}
	var indexErr error
	if !noReport {
		indexErr = writeRunIndex(out, outcomes)
	}
	printSummary(stdout, outcomes)
	if !noReport {
		printReportPaths(stdout, out, outcomes)
	}
	return errors.Join(runErrors(outcomes), indexErr)
}

// runPlan is what the run command's flags and arguments ask for.
type runPlan struct {
	jobs             []job
	out              string
	noReport         bool
	metrics          string // --metrics: where to serve /metrics ("": nowhere)
	allowNonLoopback bool
}

// parseRunFlags reads the run command's flags and resolves its scenarios
// into jobs: a bad file, or two jobs recording into one directory, stops
// it before anything runs.
func parseRunFlags(args []string, stderr io.Writer) (runPlan, error) {
	var p runPlan
	fs := newFlags("run", runUsage, stderr)
	fs.StringVar(&p.out, "out", "out", "parent directory of the run directories")
	seed := fs.Uint64("seed", 0, "replace every scenario's seed")
	mode := fs.String("mode", "", "replace every scenario's mode: sim, live or stress")
	breakers := fs.String("breaker", "reference", "the breaker implementations to drive, comma-separated")
	fs.BoolVar(&p.noReport, "no-report", false, "skip the reports")
	fs.StringVar(&p.metrics, "metrics", "", "serve Prometheus metrics on this loopback address while runs go")
	target := fs.String("target", "", "external mode: the service's URL, replacing the scenario's target")
	listen := listenFlag{}
	fs.Var(listen, "listen", "external mode: NAME=ADDR, where dependency NAME's fake listens (repeatable)")
	fs.BoolVar(&p.allowNonLoopback, "allow-non-loopback", false, "let --metrics listen beyond this machine")
	recordLevel := fs.String("record", record.LevelFull, "how much to record: full, or windows[:N] (the first and last N calls of every run of successes or of rejections, every other call but short streaks of failures and cancellations among successes, and aggregates of the rest)")
	checkFlag := fs.String("check", record.LevelFull, "how to judge a run recorded in full: full (every call in memory), or windows[:N] (streamed through windows of N calls as --record windows keeps them: memory bounded by the changes of result, every call still on disk)")
	names, err := parseFlags(fs, args)
	if err != nil {
		return p, err
	}
	level, windowCalls, err := parseLevel("record", *recordLevel)
	if err != nil {
		return p, err
	}
	checkLevel, checkWindowCalls, err := parseLevel("check", *checkFlag)
	if err != nil {
		return p, err
	}
	if len(names) == 0 {
		fs.Usage()
		return p, usagef("run: no scenario given")
	}
	if *mode != "" && *mode != "sim" && *mode != "live" && *mode != "stress" && *mode != "external" {
		return p, usagef("run: --mode %q: want sim, live, stress or external", *mode)
	}
	impls, err := implementations().Lookup(*breakers)
	if err != nil {
		return p, usagef("run: --breaker: %v", err)
	}
	seen := map[string]string{} // run directory → the scenario argument recording there
	for _, arg := range names {
		sc, err := scenarios.Resolve(arg)
		if err != nil {
			return p, usageError{err}
		}
		if err := sc.Override(*target, listen); err != nil {
			return p, usagef("run: %s: %v", arg, err)
		}
		if err := sc.CanRun(scenarios.Mode(*mode)); err != nil {
			return p, usageError{err}
		}
		for _, l := range []struct {
			flag, value, level string
			k                  int
		}{{"record", *recordLevel, level, windowCalls}, {"check", *checkFlag, checkLevel, checkWindowCalls}} {
			if l.level != record.LevelWindows {
				continue
			}
			if why := runner.WindowsRefused(sc, cmp.Or(scenarios.Mode(*mode), sc.Mode.OrDefault()), l.k); why != "" {
				return p, usagef("run: --%s %s: %s: %s", l.flag, l.value, arg, why)
			}
		}
		for _, impl := range impls {
			j := job{arg: arg, sc: sc, opts: runner.Options{Out: p.out, Seed: *seed, Mode: scenarios.Mode(*mode), Breaker: impl,
				Record: level, WindowCalls: windowCalls, CheckWindowCalls: checkWindowCalls}}
			j.dir = j.opts.RunDir(sc)
			if prev, dup := seen[j.dir]; dup {
				return p, duplicateError(prev, arg, j.dir)
			}
			seen[j.dir] = arg
			p.jobs = append(p.jobs, j)
		}
	}
	return p, nil
}

// parseLevel reads --record or --check: full, windows or windows:N.
func parseLevel(flag, v string) (level string, windowCalls int, err error) {
	name, n, hasN := strings.Cut(v, ":")
	switch {
	case name == record.LevelFull && !hasN:
		return record.LevelFull, 0, nil
	case name != record.LevelWindows:
		return "", 0, usagef("run: --%s %q: want full, windows or windows:N", flag, v)
	case !hasN:
		return record.LevelWindows, record.DefaultWindowCalls, nil
	}
	k, err := strconv.Atoi(n)
	if err != nil || k < 1 || k > 1<<20 {
		return "", 0, usagef("run: --%s %q: N must be a whole number of calls from 1 to 1048576", flag, v)
	}
	return record.LevelWindows, k, nil
}

// duplicateError refuses two runs that would record into one directory:
// the second would overwrite the first, and the table would show both.
func duplicateError(prev, arg, dir string) error {
	if prev == arg {
		return usagef("run: %q is given twice: both runs would record into %s", arg, dir)
	}
	return usagef("run: %q and %q are both scenario %q: both runs would record into %s; rename one (its name: key) or run them with different --out",
		prev, arg, filepath.Base(dir), dir)
}

// checkOut makes sure runs can be recorded under dir, before any runs.
func checkOut(dir string) error {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return usagef("run: --out %s: a file, want a directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usagef("run: --out %s: %v", dir, err)
	}
	f, err := os.CreateTemp(dir, ".breakerlab-write-test-*")
	if err != nil {
		return usagef("run: --out %s: not writable: %v", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// runJob runs j unless ctx is done, and writes its reports (or, with
// noReport, removes an earlier run's).
func runJob(ctx context.Context, j job, noReport bool) outcome {
	o := outcome{job: j}
	if ctx.Err() != nil {
		o.skipped = true
		return o
	}
	o.res, o.err = runner.Run(ctx, j.sc, j.opts)
	if setupError(o.err) {
		if o.res != nil {
			// The runner removed what it recorded: an earlier run's reports go too.
			o.err = errors.Join(o.err, reports.Remove(o.res.Dir))
		}
		o.res, o.setup = nil, true
		return o
	}
	if o.res == nil {
		return o
	}
	if noReport {
		o.err = errors.Join(o.err, reports.Remove(o.res.Dir))
		return o
	}
	run, err := reports.Load(o.res.Dir)
	if err == nil {
		_, err = reports.Write(o.res.Dir, run)
	}
	if err != nil {
		o.err = errors.Join(o.err, err)
		return o
	}
	o.run = run
	return o
}

// writeRunIndex writes OUT/summary.md and OUT/junit.xml over every job:
// those without a report (an error, or skipped after Ctrl-C) are listed too.
func writeRunIndex(out string, outcomes []outcome) error {
	var runs []*reports.Run
	var missing []reports.Missing
	for _, o := range outcomes {
		switch {
		case o.run != nil:
			runs = append(runs, o.run)
		case o.skipped:
			missing = append(missing, reports.Missing{Label: filepath.Base(o.dir), Dir: o.dir, Skipped: true,
				Reason: "not run: interrupted before it started"})
		case o.setup:
			missing = append(missing, reports.Missing{Label: filepath.Base(o.dir), Dir: o.dir, Setup: true,
				Reason: "not run: " + o.err.Error()})
		default:
			missing = append(missing, reports.Missing{Label: filepath.Base(o.dir), Dir: o.dir, Reason: o.err.Error()})
		}
	}
	_, err := reports.WriteIndex(out, runs, missing)
	return err
}

// printReportPaths says where the reports are: a run's own only for runs
// that have them (a run that could not run has none).
func printReportPaths(w io.Writer, out string, outcomes []outcome) {
	index := filepath.Join(out, reports.SummaryMDFile) + ", " + filepath.Join(out, reports.JUnitFile)
	var reported []*reports.Run
	for _, o := range outcomes {
		if o.run != nil && !o.setup {
			reported = append(reported, o.run)
		}
	}
	switch len(reported) {
	case 0:
		fmt.Fprintf(w, "reports: %s\n", index)
	case 1:
		fmt.Fprintf(w, "reports: %s; all runs: %s\n", filepath.Join(reported[0].Dir, reports.HTMLFile), index)
	default:
		fmt.Fprintf(w, "reports: %s; all runs: %s\n", filepath.Join(out, "<scenario>", reports.HTMLFile), index)
	}
}

// runErrors is the command's error: the runs' own errors, then how many
// runs did not pass and how many never ran.
func runErrors(outcomes []outcome) error {
	var errs []error
	count := map[string]int{}
	var skipped, notRun []string
	for _, o := range outcomes {
		if o.err != nil {
			if setupError(o.err) {
				o.err = usageError{o.err} // bad input, like a bad --out: the directory, or the run's setup
			}
			errs = append(errs, o.err)
		}
		switch {
		case o.skipped:
			skipped = append(skipped, filepath.Base(o.dir))
		case o.setup:
			notRun = append(notRun, filepath.Base(o.dir))
		case o.res == nil:
			count["error"]++
		case !o.res.Passed():
			count[status(o.res)]++
		}
	}
	if n := count[record.StatusFailed] + count[record.StatusIncomplete] + count[record.StatusNotChecked]; n > 0 {
		var parts []string
		for _, s := range []string{record.StatusFailed, record.StatusIncomplete, record.StatusNotChecked} {
			if count[s] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", count[s], s))
			}
		}
		errs = append(errs, fmt.Errorf("%w: %d of %d runs did not pass (%s)", errChecksFailed, n, len(outcomes), strings.Join(parts, ", ")))
	}
	if len(notRun) > 0 {
		errs = append(errs, fmt.Errorf("%d of %d runs not run, their setup does not work (setup error): %s", len(notRun), len(outcomes), strings.Join(notRun, ", ")))
	}
	if len(skipped) > 0 {
		errs = append(errs, fmt.Errorf("%d of %d runs skipped, interrupted before they started: %s", len(skipped), len(outcomes), strings.Join(skipped, ", ")))
	}
	return errors.Join(errs...)
}

// setupError reports whether err says a run could not go because of its
// setup, which is bad input: the runner's [runner.ErrSetup], a mode the
// scenario or the breaker cannot run in, a run directory holding other
// files.
func setupError(err error) bool {
	return errors.Is(err, runner.ErrSetup) || errors.Is(err, scenarios.ErrModeMismatch) || errors.Is(err, record.ErrNotRunDir)
}

// status is a run's status: its verdict's, or not checked without one.
func status(r *runner.Result) string {
	if r.Verdict == nil {
		return record.StatusNotChecked
	}
	return r.Verdict.Status()
}

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// listenFlag collects --listen NAME=ADDR.
type listenFlag map[string]string

func (l listenFlag) String() string { return "" }

func (l listenFlag) Set(v string) error {
	name, addr, ok := strings.Cut(v, "=")
	if !ok || name == "" || addr == "" {
		return fmt.Errorf("%q: want NAME=ADDR, e.g. iam=127.0.0.1:9001", v)
	}
	if _, dup := l[name]; dup {
		return fmt.Errorf("%s is given twice", name)
	}
	l[name] = addr
	return nil
}
