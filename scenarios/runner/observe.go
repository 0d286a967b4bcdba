package runner

import (
	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/fakes"
	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// View is a read-only window on a run while it goes, given to
// [Options].Observe: what runs, and one [DepView] per dependency.
type View struct {
	Scenario string         // the scenario's name
	Label    string         // the run directory's name (see [Result].Label)
	Mode     scenarios.Mode // live, stress or external
	Breaker  string         // the implementation's name; "" in external mode (the service's own)
	Deps     []DepView      // in scenario order
}

// DepView reads one dependency of a run while it goes: its breaker and its
// fake. Its methods are safe for concurrent use by multiple goroutines, and
// may be called from Observe until the function Observe returned has
// returned.
type DepView struct {
	Name string      // the dependency's name, which is also its breaker's
	d    *driven     // nil in external mode: the breaker is the service's
	fake *fakes.Fake // nil when the fake does not count its requests
	// state is the breaker's own report of its state.
	state func() (breaker.State, bool)
	calls *tally // external mode: the answers so far; nil in the others
}

// Snapshot returns the breaker's report of itself, if it makes one (a
// [Snapshotter]; never in external mode).
func (v DepView) Snapshot() (breaker.Snapshot, bool) {
	if v.d == nil {
		return breaker.Snapshot{}, false
	}
	if s, ok := v.d.b.(Snapshotter); ok {
		return s.Snapshot(), true
	}
	return breaker.Snapshot{}, false
}

// State returns the breaker's state as it reports it — in live and stress
// mode through [Snapshotter] or [StateReader], in external mode as the
// service's state endpoint said at its last read (the scenario's state:)
// — or false if it reports none.
func (v DepView) State() (breaker.State, bool) { return v.state() }

// Calls returns the client's calls so far by outcome, as calls.bin will
// hold them: in live mode the guarded endpoint's calls through the breaker,
// in stress mode the callers' (counted as they write them out, a chunk at
// a time), in external mode the service's answers as the scenario
// classifies them. The breaker's own counts are in its Snapshot.
func (v DepView) Calls() (record.Totals, bool) {
	switch {
	case v.calls != nil:
		return v.calls.counts(), true
	case v.d != nil:
		return v.d.calls.totals(), true
	}
	return record.Totals{}, false
}

// Estimate returns the breaker's state as estimated live from its
// decisions in external mode — open while the latest call was rejected,
// half-open once it admits calls again until the success threshold's
// number were admitted in a row, closed after that or before any
// rejection — or false in the other modes and before the first answer.
// It lags by the calls in flight and reads a half-open breaker whose probe
// slots are all taken as open; the checker's inference after the run
// (inferred.jsonl) is what judges the breaker.
func (v DepView) Estimate() (breaker.State, bool) {
	if v.calls == nil {
		return 0, false
	}
	return v.calls.estimate()
}

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

// observeExternal is observe for an external run: the service's breakers
// report only what its state endpoint says, and the answers are tallied.
func (r *runner) observeExternal(deps []*extDep) (end func()) {
	if r.opts.Observe == nil {
		return func() {}
	}
	v := &View{Scenario: r.sc.Name, Label: r.label, Mode: r.mode}
	for _, d := range deps {
		v.Deps = append(v.Deps, DepView{Name: d.name, fake: d.fake, state: d.reported.get, calls: d.tally})
	}
	if end = r.opts.Observe(v); end == nil {
		end = func() {}
	}
	return end
}
