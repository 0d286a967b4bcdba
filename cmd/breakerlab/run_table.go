package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// printSummary writes one row per job, then what the rows cannot hold.
func printSummary(w io.Writer, outcomes []outcome) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tMODE\tRUN TIME\tWALL\tCALLS\tSUCCESS\tFAILURE\tIGNORED\tREJECTED\tTRANSITIONS\tRESULT\tDIR")
	for _, o := range outcomes {
		r := o.res
		if r == nil {
			result := "ERROR"
			switch {
			case o.skipped:
				result = "SKIPPED"
			case o.setup:
				result = "SETUP ERROR"
			}
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t-\t-\t-\t-\t%s\t%s\n", filepath.Base(o.dir), o.sc.Mode.OrDefault(), result, o.dir)
			continue
		}
		s := r.Stats
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n",
			r.Label, r.Mode, r.Elapsed.Round(time.Millisecond), r.Wall.Round(time.Millisecond),
			s.Calls, s.Success, s.Failure, s.Ignored, s.Rejected, s.Transitions, resultWord(r.Verdict), r.Dir)
	}
	tw.Flush()
	for _, o := range outcomes {
		if o.res != nil {
			printNotes(w, o.res)
		}
	}
}

// resultWord is a run's RESULT column: PASS, FAIL and the checks that
// failed, INCOMPLETE (the reason follows the table) or NOT CHECKED.
func resultWord(v *record.Verdict) string {
	if v == nil {
		return "NOT CHECKED"
	}
	var failed []string
	skipped := 0
	for _, c := range v.Checks {
		switch {
		case c.Skipped:
			skipped++
		case !c.Passed:
			failed = append(failed, c.ID)
		}
	}
	switch v.Status() {
	case record.StatusPassed:
		if skipped > 0 {
			return fmt.Sprintf("PASS (%d not checked)", skipped)
		}
		return "PASS"
	case record.StatusFailed:
		word := strings.TrimSpace("FAIL " + strings.Join(failed, ","))
		if v.Incomplete != "" {
			word += " (incomplete)"
		}
		return word
	case record.StatusIncomplete:
		return "INCOMPLETE"
	}
	return "NOT CHECKED"
}

// printNotes writes what a run's row cannot hold: why it is incomplete,
// and the load generator's or the stress callers' view.
func printNotes(w io.Writer, r *runner.Result) {
	if v := r.Verdict; v != nil && v.Incomplete != "" {
		fmt.Fprintf(w, "%s: incomplete: %s; the checks cover only what ran\n", r.Label, v.Incomplete)
	}
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
