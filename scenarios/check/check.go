package check

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// DefaultLiveTolerance is Options.Tolerance's default in live, stress and
// external mode: how far a real-time event may sit from where the rules put it.
const DefaultLiveTolerance = 100 * time.Millisecond

// DefaultMaxRejectionP99 is I9's bound when the scenario sets none.
const DefaultMaxRejectionP99 = time.Millisecond

// Options tune the checker. The zero value is the default.
type Options struct {
	// Tolerance is the slack allowed between a recorded time and the moment
	// the rules require (I2–I6): 0 means the mode's default, none in sim
	// (virtual time is exact) and DefaultLiveTolerance in live, stress and
	// external.
	// Negative is an error.
	Tolerance time.Duration
	// ProbeAllowance is the probes' time in I10 (the circuit must close
	// within RecoveryTimeout + ProbeAllowance of the dependency healing). 0
	// derives it from the record: (SuccessThreshold+1) × the longest admitted
	// call, plus the longest gap between calls in the healthy phase, plus
	// Tolerance. Negative is an error.
	ProbeAllowance time.Duration
	// MaxViolations is how many violations each check keeps (all are
	// counted). 0 means 20; negative is an error.
	MaxViolations int
	// ContextEvents is how many events before a violation it quotes. 0
	// means 5; negative means none.
	ContextEvents int
}

// invariant is one row of DESIGN.md's table.
type invariant struct {
	id, name    string
	check       func(c *checker, col *collector) (detail string)
	needsStates bool // judged from the breaker's transitions
}

// invariants are I1–I11 in order.
var invariants = []invariant{
	{"I1", "only legal transitions", (*checker).checkI1, true},
	{"I2", "opens exactly at the failure threshold", (*checker).checkI2, true},
	{"I3", "nothing reaches the dependency while open", (*checker).checkI3, true},
	{"I4", "half-opens exactly when the recovery timeout has passed", (*checker).checkI4, true},
	{"I5", "never more than HalfOpenMaxCalls probes in flight", (*checker).checkI5, true},
	{"I6", "closes after SuccessThreshold probe successes, reopens on the first probe failure", (*checker).checkI6, true},
	{"I7", "results from an earlier generation change nothing", (*checker).checkI7, true},
	{"I8", "every call accounted for, client and breaker agree", (*checker).checkI8, false},
	{"I9", "rejections are fast", (*checker).checkI9, false},
	{"I10", "the circuit closes once the dependency is healthy", (*checker).checkI10, true},
	{"I11", "no goroutine outlives the run", (*checker).checkI11, false},
}

// checker holds one run being checked.
type checker struct {
	run    *record.Run
	opts   Options
	tol    int64
	runEnd int64
	deps   []*dep

	findings []finding // from I2 and I6, for I7; computed once
	analysed bool
	warnings []string
}

// Dir reads the run directory dir and checks it; see [Run]. It does not
// write verdict.json: call the verdict's Write for that.
func Dir(dir string, opts Options) (record.Verdict, error) {
	run, err := record.Read(dir)
	if err != nil {
		return record.Verdict{}, err
	}
	return Run(run, opts)
}

// Run checks the invariants that run.Meta.Expect.Invariants selects (all of
// I1–I11 when it is empty or says "all") and the thresholds the expect block
// sets, per dependency, and returns the verdict. The error is for input it
// cannot judge: bad options or an unknown invariant name.
func Run(run *record.Run, opts Options) (record.Verdict, error) {
	c, err := newChecker(run, opts)
	if err != nil {
		return record.Verdict{}, err
	}
	selected, err := selectInvariants(run.Meta.Expect.Invariants)
	if err != nil {
		return record.Verdict{}, err
	}
	v := record.Verdict{
		SchemaVersion: record.SchemaVersion,
		Scenario:      run.Meta.Scenario,
		Passed:        true,
		Stats:         c.stats(),
	}
	for _, inv := range invariants {
		if !selected[inv.id] {
			continue
		}
		col := c.collector(inv.id)
		if inv.needsStates && c.blind() {
			col.skipped = true
			v.Checks = append(v.Checks, c.result(col, record.KindInvariant, inv.name,
				"not judged: external mode and no transitions recorded, so the breaker's states are not visible"))
			continue
		}
		detail := inv.check(c, col)
		v.Checks = append(v.Checks, c.result(col, record.KindInvariant, inv.name, detail))
	}
	v.Checks = append(v.Checks, c.expectations()...)
	for _, ch := range v.Checks {
		v.Passed = v.Passed && ch.Passed
	}
	v.Warnings = append(slices.Clone(run.Warnings), c.warnings...)
	return v, nil
}

func newChecker(run *record.Run, opts Options) (*checker, error) {
	if opts.Tolerance < 0 {
		return nil, fmt.Errorf("check: Options.Tolerance %v is negative", opts.Tolerance)
	}
	if opts.ProbeAllowance < 0 {
		return nil, fmt.Errorf("check: Options.ProbeAllowance %v is negative", opts.ProbeAllowance)
	}
	if opts.MaxViolations < 0 {
		return nil, fmt.Errorf("check: Options.MaxViolations %d is negative", opts.MaxViolations)
	}
	if opts.MaxViolations == 0 {
		opts.MaxViolations = 20
	}
	if opts.ContextEvents == 0 {
		opts.ContextEvents = 5
	}
	switch run.Meta.Mode {
	case record.ModeSim, record.ModeLive, record.ModeStress, record.ModeExternal:
	default:
		return nil, fmt.Errorf("check: meta.json: key \"mode\": got %q, want sim, live, stress or external", run.Meta.Mode)
	}
	if opts.Tolerance == 0 && run.Meta.Mode != record.ModeSim {
		opts.Tolerance = DefaultLiveTolerance
	}
	c := &checker{run: run, opts: opts, tol: int64(opts.Tolerance)}
	c.runEnd = c.findRunEnd()
	c.deps, c.warnings = buildDeps(run, c.runEnd)
	return c, nil
}

// selectInvariants parses expect.invariants.
func selectInvariants(ids []string) (map[string]bool, error) {
	sel := make(map[string]bool)
	all := len(ids) == 0
	for _, id := range ids {
		if strings.EqualFold(id, "all") {
			all = true
			continue
		}
		found := false
		for _, inv := range invariants {
			if strings.EqualFold(id, inv.id) {
				sel[inv.id], found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("check: meta.json: key \"expect.invariants\": unknown invariant %q, want I1 … I11 or all", id)
		}
	}
	if all {
		for _, inv := range invariants {
			sel[inv.id] = true
		}
	}
	return sel, nil
}

// findRunEnd is meta's ended_ns, or the last recorded time if the run did not
// get to write it.
func (c *checker) findRunEnd() int64 {
	end := c.run.Meta.EndedNs
	for i := range c.run.Calls {
		end = max(end, c.run.Calls[i].EndNs)
	}
	for i := range c.run.Transitions {
		end = max(end, c.run.Transitions[i].AtNs)
	}
	for i := range c.run.DepRequests {
		end = max(end, c.run.DepRequests[i].AtNs)
	}
	for i := range c.run.Snapshots {
		end = max(end, c.run.Snapshots[i].AtNs)
	}
	return end
}

func (c *checker) collector(id string) *collector {
	return &collector{id: id, max: c.opts.MaxViolations, context: c.opts.ContextEvents}
}

func (c *checker) result(col *collector, kind, name, detail string) record.Check {
	ch := record.Check{
		ID: col.id, Kind: kind, Name: name, Passed: col.total == 0,
		Violations: col.list, ViolationsTotal: col.total, Skipped: col.skipped,
	}
	if ch.Violations == nil {
		ch.Violations = []record.Violation{}
	}
	switch {
	case col.total == 0:
		ch.Detail = detail
	case col.total > len(col.list):
		ch.Detail = fmt.Sprintf("%d violations (first %d shown)", col.total, len(col.list))
	case col.total == 1:
		ch.Detail = "1 violation"
	default:
		ch.Detail = fmt.Sprintf("%d violations", col.total)
	}
	if col.total > 0 && detail != "" {
		ch.Detail += "; " + detail
	}
	return ch
}

func (c *checker) stats() record.Stats {
	s := record.Stats{
		Calls:              len(c.run.Calls),
		DependencyRequests: len(c.run.DepRequests),
		Transitions:        len(c.run.Transitions),
	}
	for i := range c.run.Calls {
		call := &c.run.Calls[i]
		switch call.Outcome {
		case record.OutcomeSuccess:
			s.Success++
		case record.OutcomeFailure:
			s.Failure++
		case record.OutcomeIgnored:
			s.Ignored++
		case record.OutcomeRejected:
			s.Rejected++
		}
		if call.Fallback {
			s.Fallback++
		}
	}
	return s
}

// noTransitions reports whether d's state machine is invisible: external mode
// with no transitions recorded (a black-box breaker that reports none). The
// state-based checks skip such a dependency.
func (c *checker) noTransitions(d *dep) bool {
	return c.run.Meta.Mode == record.ModeExternal && len(d.trans) == 0
}

// blind reports whether no dependency's states are visible: external mode
// with no transitions recorded at all.
func (c *checker) blind() bool {
	for _, d := range c.deps {
		if !c.noTransitions(d) {
			return false
		}
	}
	return c.run.Meta.Mode == record.ModeExternal
}
