package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/breakerlab/breakerlab/reports"
	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

const runUsage = `Usage: breakerlab run [flags] SCENARIO...

Run scenarios — built-in names (see 'breakerlab list') or scenario files —
record every call, transition and dependency request under OUT/<name>/
(OUT/<name>@<breaker>/ for a breaker other than the reference one),
check the invariants I1–I11 and the scenario's expectations (verdict.json),
and write the reports. On a terminal a progress line shows the elapsed
time, the call rate, each breaker's state and the violations so far; a
summary table follows. Ctrl-C stops the load, then records, checks and
reports what ran.

Exit status: 0 every check held, 1 a check failed (or the run failed),
2 bad input.

Flags:
  --out DIR         parent directory of the run directories (default "out")
  --seed N          replace every scenario's seed (0: keep the scenario's)
  --mode MODE       replace every scenario's mode: sim, live or stress
  --breaker NAMES   the breaker implementations to drive, comma-separated:
                    reference (default) or seedport (the seed's single-mutex
                    design); each scenario runs once per implementation
  --no-report       skip the HTML/Markdown/JUnit reports and plots
  --metrics ADDR    serve Prometheus metrics at http://ADDR/metrics while
                    live and stress runs go (breakers, fakes): a loopback
                    address, 127.0.0.1:PORT, [::1]:PORT or localhost:PORT
  --allow-non-loopback  let --metrics listen beyond this machine

Examples:
  breakerlab run nfr6-iam-outage
  breakerlab run --out results --seed 7 nfr6-iam-outage nfr6-eris-outage
  breakerlab run --mode live live-iam-outage
  breakerlab run ./my-scenario.yaml
  breakerlab run --breaker reference,seedport contention-sweep-live
  breakerlab run --metrics 127.0.0.1:9464 live-iam-outage
  go run -race ./cmd/breakerlab run race-stress
`

// runCmd runs scenarios, checks them and reports.
func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, runUsage) }
	out := fs.String("out", "out", "parent directory of the run directories")
	seed := fs.Uint64("seed", 0, "replace every scenario's seed")
	mode := fs.String("mode", "", "replace every scenario's mode: sim, live or stress")
	breakers := fs.String("breaker", "reference", "the breaker implementations to drive, comma-separated")
	noReport := fs.Bool("no-report", false, "skip the reports")
	metrics := fs.String("metrics", "", "serve Prometheus metrics on this loopback address while runs go")
	allowNonLoopback := fs.Bool("allow-non-loopback", false, "let --metrics listen beyond this machine")
	if err := fs.Parse(args); err != nil {
		return usagef("run: %v", err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usagef("run: no scenario given")
	}
	if *mode != "" && *mode != "sim" && *mode != "live" && *mode != "stress" {
		return usagef("run: --mode %q: want sim, live or stress", *mode)
	}
	impls, err := implementations().Lookup(*breakers)
	if err != nil {
		return usagef("run: --breaker: %v", err)
	}
	// Load every scenario first: a bad file stops the run before any load.
	var all []*scenarios.Scenario
	for _, arg := range fs.Args() {
		sc, err := scenarios.Resolve(arg)
		if err != nil {
			return usageError{err}
		}
		if err := sc.CanRun(scenarios.Mode(*mode)); err != nil {
			return usageError{err}
		}
		all = append(all, sc)
	}
	opts := runner.Options{Out: *out, Seed: *seed, Mode: scenarios.Mode(*mode)}
	if *metrics != "" {
		observe, stop, err := serveMetrics(*metrics, *allowNonLoopback, stderr)
		if err != nil {
			return err
		}
		defer stop()
		opts.Observe = observe
	}
	var line *progressLine
	if isTerminal(stderr) {
		line = &progressLine{w: stderr}
		opts.Progress = line.show
	}
	type job struct {
		sc   *scenarios.Scenario
		opts runner.Options
	}
	var jobs []job
	for _, sc := range all {
		for _, impl := range impls {
			o := opts
			o.Breaker = impl
			jobs = append(jobs, job{sc, o})
		}
	}
	var results []*runner.Result
	var reported []*reports.Run
	var runErrs []error
	for _, j := range jobs {
		res, err := runner.Run(ctx, j.sc, j.opts)
		line.clear()
		if err != nil {
			runErrs = append(runErrs, err)
		}
		if res == nil {
			continue
		}
		results = append(results, res)
		if !*noReport {
			run, err := writeReports(res.Dir)
			if err != nil {
				runErrs = append(runErrs, err)
			} else {
				reported = append(reported, run)
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	if len(reported) > 1 {
		if _, err := reports.WriteIndex(*out, reported); err != nil {
			runErrs = append(runErrs, err)
		}
	}
	printSummary(stdout, results)
	if len(reported) > 0 {
		where := filepath.Join(reported[0].Dir, "report.html")
		if len(reported) > 1 {
			where = filepath.Join(*out, "<scenario>", "report.html") + "; all runs: " + filepath.Join(*out, "summary.md") + ", " + filepath.Join(*out, "junit.xml")
		}
		fmt.Fprintln(stdout, "reports:", where)
	}
	failed := 0
	for _, r := range results {
		if !r.Passed() {
			failed++
		}
	}
	if failed > 0 {
		runErrs = append(runErrs, fmt.Errorf("%w: %d of %d scenarios", errChecksFailed, failed, len(results)))
	}
	return errors.Join(runErrs...)
}

// writeReports writes the reports of the run in dir.
func writeReports(dir string) (*reports.Run, error) {
	run, err := reports.Load(dir)
	if err != nil {
		return nil, err
	}
	_, err = reports.Write(dir, run)
	return run, err
}

// printSummary writes one row per run.
func printSummary(w io.Writer, results []*runner.Result) {
	if len(results) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tMODE\tRUN TIME\tWALL\tCALLS\tSUCCESS\tFAILURE\tIGNORED\tREJECTED\tTRANSITIONS\tRESULT\tDIR")
	for _, r := range results {
		s := r.Stats
		result := "PASS"
		if !r.Passed() {
			result = "FAIL " + strings.Join(failedChecks(r), ",")
		}
		if r.Interrupted {
			result += " (interrupted)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n",
			r.Label, r.Mode, r.Elapsed.Round(time.Millisecond), r.Wall.Round(time.Millisecond),
			s.Calls, s.Success, s.Failure, s.Ignored, s.Rejected, s.Transitions, result, r.Dir)
	}
	tw.Flush()
	for _, r := range results {
		if l := r.Live; l != nil {
			fmt.Fprintf(w, "%s: vegeta %d requests, %.1f/s of %.1f/s target, latency p50 %s p90 %s p99 %s max %s, %.1f%% 2xx\n",
				r.Label, l.Requests, l.AchievedRate, l.TargetRate, l.P50, l.P90, l.P99, l.Max, 100*l.Success)
		}
		if s := r.Stress; s != nil {
			race, note := "off", ""
			if s.Race {
				race = "on"
			}
			if s.TimeBound {
				note = " (stopped by the duration)"
			}
			fmt.Fprintf(w, "%s: stress %d goroutines × %d calls, %d made, %.0f calls/s, race detector %s%s\n",
				r.Label, s.Goroutines, s.Iterations, s.Calls, s.Rate, race, note)
		}
	}
}

// failedChecks lists the ids of the checks that failed.
func failedChecks(r *runner.Result) []string {
	var ids []string
	if r.Verdict == nil {
		return []string{"unchecked"}
	}
	for _, c := range r.Verdict.Checks {
		if !c.Passed {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// progressLine redraws one line on a terminal.
type progressLine struct {
	w     io.Writer
	shown bool
}

// show redraws the line with p.
func (l *progressLine) show(p runner.Progress) {
	var b strings.Builder
	fmt.Fprintf(&b, "\r\033[K%s %s/%s %.0f calls/s", p.Label, p.Elapsed.Truncate(100*time.Millisecond), p.Duration, p.Rate)
	for _, s := range p.States {
		fmt.Fprintf(&b, " %s=%s", s.Dep, s.State)
	}
	io.WriteString(l.w, b.String())
	l.shown = true
}

// clear erases the line, if one is shown.
func (l *progressLine) clear() {
	if l == nil || !l.shown {
		return
	}
	io.WriteString(l.w, "\r\033[K")
	l.shown = false
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
