package runner

import (
	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/fakes"
	"github.com/breakerlab/breakerlab/scenarios"
)

// View is a read-only window on a run while it goes, given to
// [Options].Observe: what runs, and one [DepView] per dependency.
type View struct {
	Scenario string         // the scenario's name
	Label    string         // the run directory's name (see [Result].Label)
	Mode     scenarios.Mode // live or stress
	Breaker  string         // the implementation's name
	Deps     []DepView      // in scenario order
}

// DepView reads one dependency of a run while it goes: its breaker and its
// fake. Its methods are safe for concurrent use by multiple goroutines, and
// may be called from Observe until the function Observe returned has
// returned.
type DepView struct {
	Name string // the dependency's name, which is also its breaker's
	d    *driven
	fake *fakes.Fake // nil when the fake does not count its requests
	// state is the state as the run knows it: for now the breaker's own
	// report; a mode that infers the state from behaviour sets its own.
	state func() (breaker.State, bool)
}

// Snapshot returns the breaker's report of itself, if it makes one (a
// [Snapshotter]).
func (v DepView) Snapshot() (breaker.Snapshot, bool) {
	if s, ok := v.d.b.(Snapshotter); ok {
		return s.Snapshot(), true
	}
	return breaker.Snapshot{}, false
}

// State returns the breaker's state as the run knows it — in live and
// stress mode, as the breaker reports it ([Snapshotter] or [StateReader]) —
// or false if the run does not know it.
func (v DepView) State() (breaker.State, bool) { return v.state() }

// Fake returns the request counts of the dependency's fake — requests
// decided, by fault, and in flight — or false in stress mode, where the
// callers ask the fake for decisions that it does not count (they share
// nothing but the breaker).
func (v DepView) Fake() (fakes.Counters, bool) {
	if v.fake == nil {
		return fakes.Counters{}, false
	}
	return v.fake.Counters(), true
}

// observe hands [Options].Observe a view of the run's breakers and fakes,
// and returns what to call once the load has stopped (never nil).
func (r *runner) observe() (end func()) {
	if r.opts.Observe == nil {
		return func() {}
	}
	v := &View{Scenario: r.sc.Name, Label: r.label, Mode: r.mode, Breaker: r.opts.Breaker.Name}
	for i, d := range r.breakers {
		dv := DepView{Name: d.name, d: d, state: d.state}
		if r.mode != scenarios.ModeStress {
			dv.fake = r.fakes[i]
		}
		v.Deps = append(v.Deps, dv)
	}
	if end = r.opts.Observe(v); end == nil {
		end = func() {}
	}
	return end
}
