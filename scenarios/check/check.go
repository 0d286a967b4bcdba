package check

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// Default tolerances (Options.Tolerance): how far the breaker's own clock
// may sit from the records' beyond what the records' intervals already
// allow. In-process (live, stress) the breaker reads the clock the records
// are timed on, inside the calls the records bracket, so the intervals bound
// what it did: the tolerance is the clock's resolution, and events at one
// instant are unordered. (In sim mode, virtual time orders them.) In
// external mode the service reads its own clock, a process away.
const (
	DefaultLiveTolerance     = time.Nanosecond
	DefaultExternalTolerance = time.Millisecond
)

// ExternalHop bounds, in external mode, the service's own time between its
// breaker's decision and the request reaching the fake (and between the
// fake's answer and the breaker taking it in), for a request that carries
// no seq to match it to the client's call, whose times would bound it.
const ExternalHop = 5 * time.Millisecond

// DefaultMaxRejectionP99 is I9's bound when the scenario sets none.
const DefaultMaxRejectionP99 = time.Millisecond

// Options tune the checker. The zero value is the default.
type Options struct {
	// Tolerance is the slack allowed, on each side, between the interval in
	// which the records say something happened and the moment the rules
	// require (I2–I7, the recovery timeout, the reported transitions): 0
	// means the mode's default, none in sim (virtual time is exact),
	// DefaultLiveTolerance in live and stress, DefaultExternalTolerance in
	// external (plus meta.json's clock_error_ns, for a run merged from
	// several load generators). Negative is an error.
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
	// WindowCalls, when above 0, has [Dir] judge a run recorded in full
	// at the windows level, with windows of this many calls: its records
	// stream through the windows filter ([record.ReadWindows]), so the
	// checker's memory is bounded by the calls near each change of result
	// instead of growing with the run, and the windows level's exactness
	// applies. A run recorded at the windows level is judged as recorded.
	// Negative is an error.
	WindowCalls int
}

// check is one row of the verdict: an NFR-6 invariant or a
// cross-check of what the breaker reports.
type check struct {
	id, kind, name string
	run            func(c *checker, col *collector) (detail string)
}

// checks are I1–I11, then the cross-checks of the breaker's report.
var checks = []check{
	{"I1", record.KindInvariant, "only legal transitions", (*checker).checkI1},
	{"I2", record.KindInvariant, "opens exactly at the failure threshold", (*checker).checkI2},
	{"I3", record.KindInvariant, "nothing reaches the dependency while open", (*checker).checkI3},
	{"I4", record.KindInvariant, "half-opens exactly when the recovery timeout has passed", (*checker).checkI4},
	{"I5", record.KindInvariant, "never more than HalfOpenMaxCalls probes in flight, and no slot kept", (*checker).checkI5},
	{"I6", record.KindInvariant, "closes after SuccessThreshold probe successes, reopens on the first probe failure", (*checker).checkI6},
	{"I7", record.KindInvariant, "results from an earlier generation change nothing", (*checker).checkI7},
	{"I8", record.KindInvariant, "every call accounted for, client and breaker agree", (*checker).checkI8},
	{"I9", record.KindInvariant, "rejections are fast", (*checker).checkI9},
	{"I10", record.KindInvariant, "the circuit closes once the dependency is healthy", (*checker).checkI10},
	{"I11", record.KindInvariant, "no goroutine outlives the run", (*checker).checkI11},
	{"R1", record.KindReport, "the transitions the breaker reports are the ones it made", (*checker).checkR1},
	{"R2", record.KindReport, "the state and counts the breaker reports are the ones it has", (*checker).checkR2},
}

// checker holds one run being checked.
type checker struct {
	run    *record.Run
	opts   Options
	tol    int64
	runEnd int64
	deps   []*dep

	findings []finding // the inference's violations, by check id
	warnings []string
}

// Dir reads the run directory dir (at the windows level with
// Options.WindowCalls) and judges it; see [Judge]. It writes
// nothing: the verdict's Write writes verdict.json, [record.WriteInferred]
// inferred.jsonl.
func Dir(dir string, opts Options) (record.Verdict, []record.Transition, error) {
	read := record.Read
	switch {
	case opts.WindowCalls < 0:
		return record.Verdict{}, nil, fmt.Errorf("check: Options.WindowCalls %d is negative", opts.WindowCalls)
	case opts.WindowCalls > 0:
		read = func(dir string) (*record.Run, error) { return record.ReadWindows(dir, opts.WindowCalls) }
	}
	run, err := read(dir)
	if err != nil {
		return record.Verdict{}, nil, err
	}
	return Judge(run, opts)
}

// Run infers, per dependency, the breaker's states from what it did, then
// checks the invariants that run.Meta.Expect.Invariants selects (all of
// I1–I11 when it is empty or says "all"), the cross-checks of what the
// breaker reports about itself (R1, R2: only what meta.json's reports
// declares), and the thresholds the expect block sets, and returns the
// verdict. The error is for input it cannot judge: bad options or an
// unknown invariant name.
func Run(run *record.Run, opts Options) (record.Verdict, error) {
	v, _, err := Judge(run, opts)
	return v, err
}

// Judge is [Run], and also returns the transitions it inferred (what
// inferred.jsonl holds: [record.WriteInferred]).
func Judge(run *record.Run, opts Options) (record.Verdict, []record.Transition, error) {
	c, err := newChecker(run, opts)
	if err != nil {
		return record.Verdict{}, nil, err
	}
	selected, err := selectInvariants(run.Meta.Expect.Invariants)
	if err != nil {
		return record.Verdict{}, nil, err
	}
	v := record.Verdict{
		SchemaVersion: record.SchemaVersion,
		Scenario:      run.Meta.Scenario,
		Passed:        true,
		Stats:         c.stats(),
	}
	for _, ch := range checks {
		if ch.kind == record.KindInvariant && !selected[ch.id] {
			continue
		}
		col := c.collector(ch.id)
		detail := ch.run(c, col)
		v.Checks = append(v.Checks, c.result(col, ch.kind, ch.name, detail))
	}
	v.Checks = append(v.Checks, c.expectations()...)
	judged := false
	for _, ch := range v.Checks {
		v.Passed = v.Passed && ch.Passed
		judged = judged || !ch.Skipped
	}
	v.Passed = v.Passed && judged // nothing judged is not a pass
	v.MarkIncomplete(run.Meta.Incomplete())
	v.AddProcessChecks(&run.Meta) // the race detector's reports, the leaked goroutines' stacks
	v.Warnings = slices.Concat(run.Meta.Warnings, run.Warnings, c.warnings)
	if note := c.windowsNote(); note != "" {
		v.Warnings = append(v.Warnings, note)
	}
	v.Observed = c.observed()
	return v, c.inferred(), nil
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
	if opts.Tolerance == 0 {
		switch run.Meta.Mode {
		case record.ModeSim:
		case record.ModeLive, record.ModeStress:
			opts.Tolerance = DefaultLiveTolerance
		case record.ModeExternal:
			// A run merged from load generators on other machines adds
			// their clocks' error.
			opts.Tolerance = DefaultExternalTolerance + time.Duration(run.Meta.ClockErrorNs)
		default:
			return nil, fmt.Errorf("check: meta.json: key \"mode\": got %q, want sim, live, stress or external", run.Meta.Mode)
		}
	}
	c := &checker{run: run, opts: opts, tol: int64(opts.Tolerance)}
	c.runEnd = c.findRunEnd()
	c.deps, c.warnings = buildDeps(run)
	for _, d := range c.deps {
		if run.Meta.Mode == record.ModeExternal {
			d.externalTries(c)
		} else {
			d.inProcessTries()
		}
		d.buildEvents(run.Meta.Mode == record.ModeExternal)
		c.infer(d)
		c.probeFloor(d)
		c.missedTrips(d)
		c.fuzzySpans(d)
		c.snapshotStates(d)
		if d.undecided > 0 {
			c.warnings = append(c.warnings, fmt.Sprintf("%s: %d windows of overlapping calls had too many possible orders to search; what the breaker did there was not judged", d.name, d.undecided))
		}
	}
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
		for _, ch := range checks {
			if ch.kind == record.KindInvariant && strings.EqualFold(id, ch.id) {
				sel[ch.id], found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("check: meta.json: key \"expect.invariants\": unknown invariant %q, want I1 … I11 or all", id)
		}
	}
	if all {
		for _, ch := range checks {
			sel[ch.id] = true
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
		Violations: col.list, ViolationsTotal: col.total, Skipped: col.skipped && col.total == 0,
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
	}
	for _, d := range c.deps {
		s.Transitions += len(d.gens) - 1 // inferred: what it did
		om := &d.omitted
		s.Calls += int(om.count())
		s.Success += int(om.calls.Success)
		s.Failure += int(om.calls.Failure)
		s.Ignored += int(om.calls.Ignored)
		s.Rejected += int(om.calls.Rejected)
		s.Fallback += int(om.fallback)
		for _, n := range om.requests {
			s.DependencyRequests += int(n)
		}
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
