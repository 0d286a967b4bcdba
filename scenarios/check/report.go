package check

import (
	"fmt"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// What a breaker reports about itself is judged against what it did: the
// transitions it reports against the inferred ones (R1), and every snapshot
// against the inferred state at its moment (R2). A breaker that says one
// thing and does another fails. Only what meta.json's reports declares is
// judged.

// checkR1: the reported transitions are the inferred ones, in order, each
// within its inferred window (plus the tolerance); the generations the
// breaker reports agree with them.
func (c *checker) checkR1(col *collector) string {
	n, reporting := 0, false
	for _, d := range c.deps {
		if !d.reported.Transitions {
			continue
		}
		reporting = true
		n += c.matchTransitions(col, d)
	}
	if !reporting {
		col.skipped = true
		return "not checked: the breaker reports no transitions"
	}
	return plural(n, "reported transition", "reported transitions") + " matched to what the breaker did"
}

// matchTransitions walks d's reported and inferred transitions together.
func (c *checker) matchTransitions(col *collector, d *dep) (matched int) {
	rep := d.trans
	i, j := 1, 0 // d.gens[i] is the i-th inferred transition's generation
	for i < len(d.gens) || j < len(rep) {
		if i < len(d.gens) && (d.gens[i].adopted || d.disputed(d.gens[i].at)) {
			i++
			continue
		}
		if j < len(rep) && d.disputed(c.run.Transitions[rep[j]].AtNs) {
			j++
			continue
		}
		var t *record.Transition
		if j < len(rep) {
			t = &c.run.Transitions[rep[j]]
		}
		switch {
		case i < len(d.gens) && t != nil && c.sameTransition(d, i, t):
			matched++
			i++
			j++
		case t != nil && (i == len(d.gens) || t.AtNs < d.gens[i].lo-c.tol):
			col.addRule(d, t.AtNs, int32(d.genAt(t.AtNs)), transitionEvent(j, t), 0,
				"the breaker reports %s→%s at %s; what it did shows no such change (it was %s)",
				t.From, t.To, fmtNs(t.AtNs), d.gens[d.genAt(t.AtNs)].state)
			j++
		default:
			g := &d.gens[i]
			col.addRule(d, g.at, int32(i), fmt.Sprintf("generation %d", i), 0,
				"what the breaker did shows %s→%s at %s (%s), which it did not report%s",
				d.gens[i-1].state, g.state, fmtNs(g.at), g.reason, c.nextReported(d, t))
			i++
		}
	}
	return matched
}

// sameTransition reports whether reported transition t is inferred
// generation i's: the same states, within its window and the tolerance.
func (c *checker) sameTransition(d *dep, i int, t *record.Transition) bool {
	g := &d.gens[i]
	return t.From == d.gens[i-1].state && t.To == g.state && t.AtNs >= g.lo-c.tol && t.AtNs <= g.hi+c.tol
}

func (c *checker) nextReported(d *dep, t *record.Transition) string {
	if t == nil {
		return ""
	}
	return fmt.Sprintf(" (its next reported transition: %s→%s at %s)", t.From, t.To, fmtNs(t.AtNs))
}

// checkR2: every snapshot agrees with the inferred state at its moment (the
// engine judges them in turn); totals never go backwards.
func (c *checker) checkR2(col *collector) string {
	n, reporting := 0, false
	for _, d := range c.deps {
		if !d.reported.Snapshots && !d.reported.State {
			continue
		}
		reporting = true
		n += len(d.snaps)
	}
	if !reporting {
		col.skipped = true
		return "not checked: the breaker reports no state"
	}
	if n == 0 {
		col.skipped = true
		return "not checked: no snapshot was recorded"
	}
	for _, f := range c.findings {
		if f.id == "R2" && !f.d.disputed(f.at) {
			col.addRule(f.d, f.at, f.gen, f.event, f.rule, "%s", f.msg)
		}
	}
	return plural(n, "snapshot", "snapshots") + " judged"
}

// snapshot judges snapshot event i against the model: the state, and when
// nothing else happened within the tolerance of it, the counts.
func (e *engine) snapshot(i int32) {
	d, ev := e.d, &e.d.events[i]
	s := &d.run.Snapshots[ev.try]
	if e.trial {
		return
	}
	if d.reported.Snapshots {
		e.checkMonotone(s)
	}
	if e.follow {
		return
	}
	want, ok := e.m.state, s.State == e.m.state
	rt := e.cfg.RecoveryTimeoutNs
	if !ok && want == record.StateOpen && s.State == record.StateHalfOpen && ev.hi >= e.m.lo+rt-e.tol {
		ok = true // State() reports half-open once the timeout has passed, before any call
	}
	if !ok && e.beforeOK && ev.lo < e.beforeHi+e.tol && s.State == e.before.state {
		ok = true // taken just before the latest transition
	}
	if !ok && e.stateAhead(i, s.State) {
		ok = true // taken just after events that overlap it
	}
	if !ok {
		rule := 0
		if want == record.StateOpen && s.State == record.StateOpen && ev.lo > e.m.hi+rt+e.tol {
			rule = 3
		}
		e.find("R2", rule, s.AtNs, "snapshot", "the breaker reports %s at %s; what it did shows %s (generation %d, since %s)",
			s.State, fmtNs(s.AtNs), want, e.m.g, fmtNs(d.gens[e.m.g].at))
		return
	}
	if !d.reported.Snapshots || s.State != want || !e.quiet(i) {
		return
	}
	switch want {
	case record.StateClosed:
		if s.ConsecutiveFailures != e.m.fails {
			id, why := "R2", ""
			if e.m.lateFails > 0 && s.ConsecutiveFailures == e.m.fails+e.m.lateFails {
				id, why = "I7", fmt.Sprintf(": it counts %d late failures from earlier generations", e.m.lateFails)
			}
			e.find(id, 6*b2i(id == "I7"), s.AtNs, "snapshot", "the breaker reports %d consecutive failures at %s; its results since it closed give %d%s",
				s.ConsecutiveFailures, fmtNs(s.AtNs), e.m.fails, why)
		}
	case record.StateHalfOpen:
		if s.ConsecutiveSuccesses != e.m.succs {
			id, why := "R2", ""
			if e.m.lateSuccs > 0 && s.ConsecutiveSuccesses == e.m.succs+e.m.lateSuccs {
				id, why = "I7", fmt.Sprintf(": it counts %d late successes from earlier generations", e.m.lateSuccs)
			}
			e.find(id, 6*b2i(id == "I7"), s.AtNs, "snapshot", "the breaker reports %d consecutive probe successes at %s; its probes give %d%s",
				s.ConsecutiveSuccesses, fmtNs(s.AtNs), e.m.succs, why)
		}
		if s.ProbesInFlight != e.m.probes+e.m.leak {
			e.find("R2", 4, s.AtNs, "snapshot", "the breaker reports %d probes in flight at %s; %d were", s.ProbesInFlight, fmtNs(s.AtNs), e.m.probes)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// stateAhead reports whether the model reaches state want by taking events
// after snapshot i that overlap it.
func (e *engine) stateAhead(i int32, want record.State) bool {
	ev := &e.d.events[i]
	m := e.m
	for j := i + 1; int(j) < len(e.d.events) && j-i <= maxAhead; j++ {
		next := &e.d.events[j]
		if next.lo >= ev.hi+e.tol {
			break
		}
		if e.d.taken[j] || next.kind == evSnapshot {
			continue
		}
		var ok bool
		if m, ok = e.step(m, j); !ok {
			return false
		}
		if m.state == want {
			return true
		}
	}
	return false
}

// quiet reports whether no other event of the dependency lies within the
// tolerance of snapshot i, so its counts can be compared exactly.
func (e *engine) quiet(i int32) bool {
	if e.tol == 0 {
		return true // sim: the order is exact
	}
	ev := &e.d.events[i]
	for _, j := range []int32{i - 1, i + 1} {
		if j >= 0 && int(j) < len(e.d.events) {
			o := &e.d.events[j]
			if o.lo < ev.hi+e.tol && o.hi > ev.lo-e.tol {
				return false
			}
		}
	}
	return true
}

// checkMonotone: a breaker's totals never go backwards.
func (e *engine) checkMonotone(s *record.Snapshot) {
	p := e.d.prevTotals
	e.d.prevTotals = &s.Totals
	if p == nil {
		return
	}
	if s.Totals.Success < p.Success || s.Totals.Failure < p.Failure || s.Totals.Ignored < p.Ignored || s.Totals.Rejected < p.Rejected {
		e.find("R2", 0, s.AtNs, "snapshot", "totals went backwards at %s: success %d→%d, failure %d→%d, ignored %d→%d, rejected %d→%d",
			fmtNs(s.AtNs), p.Success, s.Totals.Success, p.Failure, s.Totals.Failure, p.Ignored, s.Totals.Ignored, p.Rejected, s.Totals.Rejected)
	}
}
