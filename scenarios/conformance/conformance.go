package conformance

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// Options tune [Run]. The zero value runs [Default] scenarios into a
// temporary directory per test.
type Options struct {
	// Scenarios are built-in names or scenario files. Empty means
	// Default(impl).
	Scenarios []string
	// Mode, if not empty, runs every scenario in this mode. Sim mode needs
	// an implementation that declares Clock.
	Mode scenarios.Mode
	// Seed, if not 0, replaces every scenario's seed.
	Seed uint64
	// Out is where the runs are recorded, one directory each
	// (<scenario>@<implementation>). Empty means a temporary directory that
	// the test removes.
	Out string
	// Report, if not nil, writes each run's reports into its directory;
	// reports.WriteDir does (package reports draws plots, so this package
	// does not import it: a test that wants reports imports it).
	Report func(dir string) error
	// Record, WindowCalls and CheckWindowCalls are runner.Options': how
	// much of each run to record (record.LevelWindows keeps the calls near
	// each change of result), and whether to judge a full record streamed
	// through windows of calls. For soaks of hours, whose calls would not
	// fit in memory (docs/run-directory.md, "Record levels").
	Record           string
	WindowCalls      int
	CheckWindowCalls int
}

// Run runs every scenario against impl, each as a subtest of t named after
// it, with one subtest per check: a check that failed reports its
// violations with their evidence, a check whose window the run never
// reached is skipped, saying why. A scenario that cannot run (a bad file,
// a mode the implementation cannot do) fails its subtest.
func Run(t *testing.T, impl runner.Implementation, opts Options) {
	t.Helper()
	names := opts.Scenarios
	if len(names) == 0 {
		names = Default(impl)
	}
	out := opts.Out
	if out == "" {
		out = t.TempDir()
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			sc, err := scenarios.Resolve(name)
			if err != nil {
				t.Fatal(err)
			}
			res, err := runner.Run(context.Background(), sc, runner.Options{Out: out, Seed: opts.Seed, Mode: opts.Mode, Breaker: impl,
				Record: opts.Record, WindowCalls: opts.WindowCalls, CheckWindowCalls: opts.CheckWindowCalls})
			if res == nil || res.Verdict == nil {
				t.Fatal(err) // it could not run: a setup error, not judged
			}
			if err != nil {
				t.Error(err)
			}
			if opts.Report != nil {
				if err := opts.Report(res.Dir); err != nil {
					t.Errorf("writing the reports of %s: %v", res.Dir, err)
				}
			}
			report(t, res)
		})
	}
}

// report turns a verdict into subtests.
func report(t *testing.T, res *runner.Result) {
	t.Helper()
	if res.Verdict == nil {
		t.Fatalf("%s: no verdict", res.Dir)
	}
	for _, w := range res.Verdict.Warnings {
		t.Log("warning:", w)
	}
	for _, c := range res.Verdict.Checks {
		t.Run(c.ID, func(t *testing.T) {
			switch {
			case c.Skipped:
				t.Skip(c.Detail)
			case !c.Passed:
				t.Errorf("%s (%s): %s\n%s", c.ID, c.Name, c.Detail, evidence(c))
			default:
				t.Log(c.Detail)
			}
		})
	}
	if reason := res.Verdict.Incomplete; reason != "" {
		t.Errorf("the run is incomplete: %s", reason)
	}
}

// evidence renders a check's violations: each with its rule, moment and the
// events that led to it.
func evidence(c record.Check) string {
	var b strings.Builder
	for _, v := range c.Violations {
		fmt.Fprintf(&b, "  %s at %.6fs", v.Dep, float64(v.AtNs)/1e9)
		if v.Rule != 0 {
			fmt.Fprintf(&b, " (rule %d)", v.Rule)
		}
		fmt.Fprintf(&b, " [%s]: %s\n", v.Event, v.Message)
		for _, line := range v.Context {
			fmt.Fprintf(&b, "      %s\n", line)
		}
	}
	if c.ViolationsTotal > len(c.Violations) {
		fmt.Fprintf(&b, "  … %d more\n", c.ViolationsTotal-len(c.Violations))
	}
	return b.String()
}

// Default returns the built-in scenarios impl can run: the simulated ones
// (the whole NFR-6 library, in virtual time) when it declares Clock; the
// real-time ones (stress and live: seconds each; live not with -short)
// when it does not.
func Default(impl runner.Implementation) []string {
	all, err := scenarios.Builtins()
	if err != nil {
		panic(err) // the library is embedded and tested
	}
	var names []string
	for _, sc := range all {
		switch mode := sc.Mode.OrDefault(); {
		case sc.Name == "nfr6-soak-10m" && testing.Short():
		case mode == scenarios.ModeSim && impl.Clock,
			mode == scenarios.ModeStress && !impl.Clock,
			mode == scenarios.ModeLive && !impl.Clock && !testing.Short():
			names = append(names, sc.Name)
		}
	}
	return names
}
