package mutants

import (
	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// bug is a defect planted in a seed breaker; none plants nothing.
type bug int

const (
	none bug = iota
	noGenerationCheck
	cancelledProbeKeepsSlot
	deadlineIgnored
	successesCarried
	opensEarly
	opensLate
	closesEarly
	closesLate
	noProbeLimit
	earlyProbe
	lateProbe
	neverCloses
	successNoReset
	cancelIsFailure
	unreportedTransition
	outOfOrder
	stateLies
	checkThenAct
)

// Mutant is one planted bug.
type Mutant struct {
	// Bug names it, e.g. "no-generation-check"; the implementation is
	// called "mutant-" + Bug.
	Bug string
	// Description says in a line what the breaker does wrong.
	Description string
	// StressOnly says that only concurrent callers can show the bug: sim
	// mode calls the breaker from one goroutine.
	StressOnly bool

	bug bug
}

// mutants are the planted bugs, in the order the matrix lists them.
var mutants = []Mutant{
	{Bug: "no-generation-check", bug: noGenerationCheck,
		Description: "a late result from an earlier generation changes the state and the counts (rule 6)"},
	{Bug: "cancelled-probe-keeps-slot", bug: cancelledProbeKeepsSlot,
		Description: "a probe that ends cancelled keeps its half-open slot forever (rules 4, 8)"},
	{Bug: "deadline-ignored", bug: deadlineIgnored,
		Description: "context.DeadlineExceeded is ignored instead of a failure (rule 8)"},
	{Bug: "successes-carried", bug: successesCarried,
		Description: "probe successes are carried across a reopen into the next half-open period (rule 5)"},
	{Bug: "opens-at-4", bug: opensEarly,
		Description: "opens one failure early: at FailureThreshold-1 consecutive failures (rule 1)"},
	{Bug: "opens-at-6", bug: opensLate,
		Description: "opens one failure late: at FailureThreshold+1 consecutive failures (rule 1)"},
	{Bug: "closes-one-early", bug: closesEarly,
		Description: "closes after SuccessThreshold-1 probe successes (rule 5)"},
	{Bug: "closes-one-late", bug: closesLate,
		Description: "closes after SuccessThreshold+1 probe successes (rule 5)"},
	{Bug: "no-probe-limit", bug: noProbeLimit,
		Description: "half-open admits every call: no HalfOpenMaxCalls limit (rule 4)"},
	{Bug: "early-probe", bug: earlyProbe,
		Description: "half-opens a tenth of the recovery timeout early (rule 3)"},
	{Bug: "late-probe", bug: lateProbe,
		Description: "half-opens a tenth of the recovery timeout late (rule 3)"},
	{Bug: "never-closes", bug: neverCloses,
		Description: "counts probe successes but never closes (rule 5)"},
	{Bug: "success-no-reset", bug: successNoReset,
		Description: "a success while closed does not reset the failure count (rule 1)"},
	{Bug: "cancel-is-failure", bug: cancelIsFailure,
		Description: "a cancelled call (context.Canceled) counts as a failure (rule 8)"},
	{Bug: "unreported-transition", bug: unreportedTransition,
		Description: "behaves right, but never reports its open→half-open transitions"},
	{Bug: "out-of-order-transitions", bug: outOfOrder,
		Description: "behaves right, but reports each open→half-open transition after the one that ends it"},
	{Bug: "state-lies", bug: stateLies,
		Description: "behaves right, but its snapshots say closed while it is open"},
	{Bug: "check-then-act", bug: checkThenAct, StressOnly: true,
		Description: "admits a half-open probe in two critical sections, so concurrent callers overrun the probe limit (rule 4)"},
}

// List returns every mutant, in a fixed order.
func List() []Mutant { return append([]Mutant(nil), mutants...) }

// Lookup returns the mutant whose Bug or implementation name is name.
func Lookup(name string) (Mutant, bool) {
	for _, m := range mutants {
		if m.Bug == name || m.Name() == name {
			return m, true
		}
	}
	return Mutant{}, false
}

// Name is the implementation's name: "mutant-" + m.Bug.
func (m Mutant) Name() string { return "mutant-" + m.Bug }

// Implementation returns m as a breaker the runner can drive. It declares
// Clock, Transitions and Generations, like the seed it copies.
func (m Mutant) Implementation() runner.Implementation {
	return implementation(m.Name(), m.bug)
}

// All returns every mutant as an implementation, named "mutant-<bug>".
func All() []runner.Implementation {
	out := make([]runner.Implementation, len(mutants))
	for i, m := range mutants {
		out[i] = m.Implementation()
	}
	return out
}

// Control is the seed breaker with no bug planted: it must pass every
// scenario, so that each mutant's failures are its bug's.
func Control() runner.Implementation { return implementation("mutant-none", none) }

func implementation(name string, b bug) runner.Implementation {
	return runner.Implementation{
		Name:  name,
		New:   func(cfg breaker.Config) (runner.Breaker, error) { return newSeed(cfg, b), nil },
		Clock: true, Transitions: true, Generations: true,
	}
}
