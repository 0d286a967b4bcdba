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

// matchTransitions pairs d's reported transitions with the inferred ones,
// in order: each reported one with the next inferred one of the same
// states whose window (plus the tolerance) holds it. What is left over on
// either side is a violation, unless it lies where the inference could not
// judge (see unclear).
func (c *checker) matchTransitions(col *collector, d *dep) (matched int) {
	used := make([]bool, len(d.gens))
	next := 1 // d.gens[next] is the first inferred transition after the last match
	for j, ti := range d.trans {
		t := &c.run.Transitions[ti]
		k := next
		for k < len(d.gens) && d.gens[k].lo-c.tol <= t.AtNs && !c.sameTransition(d, k, t) {
			k++
		}
		if k < len(d.gens) && c.sameTransition(d, k, t) {
			used[k], next = true, k+1
			matched++
			continue
		}
		if c.unclear(d, t.AtNs) || c.mayHalfOpenAtEnd(d, t) {
			continue
		}
		col.addRule(d, t.AtNs, int32(d.genAt(t.AtNs)), transitionEvent(j, t), 0,
			"the breaker reports %s→%s at %s; what it did shows no such change (it was %s)",
			t.From, t.To, fmtNs(t.AtNs), d.gens[d.genAt(t.AtNs)].state)
	}
	for k := 1; k < len(d.gens); k++ {
		g := &d.gens[k]
		if used[k] || g.adopted || c.unclear(d, g.at) {
			continue
		}
		col.addRule(d, g.at, int32(k), fmt.Sprintf("generation %d", k), 0,
			"what the breaker did shows %s→%s at %s (%s), which it did not report%s",
			d.gens[k-1].state, g.state, fmtNs(g.at), g.reason, c.nextReported(d, g.at))
	}
	return matched
}

// mayHalfOpenAtEnd reports whether reported transition t is a half-open
// that the rules allow after the last inferred generation though no call
// showed it: the circuit was open, its recovery timeout may have passed by
// t, and no call was rejected for an open circuit after t. (The inference
// adds that half-open itself only once the timeout has surely passed.)
func (c *checker) mayHalfOpenAtEnd(d *dep, t *record.Transition) bool {
	g := &d.gens[len(d.gens)-1]
	if t.From != record.StateOpen || t.To != record.StateHalfOpen || g.state != record.StateOpen ||
		t.AtNs < g.lo+d.cfg.RecoveryTimeoutNs-c.tol {
		return false
	}
	for i := range d.tries {
		if tr := &d.tries[i]; !tr.admitted && tr.reason != record.RejectProbeLimit && tr.aLo > t.AtNs+c.tol {
			return false
		}
	}
	return true
}

// unclear reports whether the inference of d could not judge at t: a
// stretch of contradictions or of windows it could not search, or events
// that span whole generations.
func (c *checker) unclear(d *dep, t int64) bool {
	return d.disputed(t) || inSpans(d.fuzzy, t)
}

// sameTransition reports whether reported transition t is inferred
// generation i's: the same states, within its window and the tolerance.
func (c *checker) sameTransition(d *dep, i int, t *record.Transition) bool {
	g := &d.gens[i]
	return t.From == d.gens[i-1].state && t.To == g.state && t.AtNs >= g.lo-c.tol && t.AtNs <= g.hi+c.tol
}

func (c *checker) nextReported(d *dep, at int64) string {
	for _, ti := range d.trans {
		if t := &c.run.Transitions[ti]; t.AtNs >= at {
			return fmt.Sprintf(" (its next reported transition: %s→%s at %s)", t.From, t.To, fmtNs(t.AtNs))
		}
	}
	return ""
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
		if f.id == "R2" && !c.unclear(f.d, f.at) {
			col.addRule(f.d, f.at, f.gen, f.event, f.rule, "%s", f.msg)
		}
	}
	return plural(n, "snapshot", "snapshots") + " judged"
}

// snapshot judges snapshot event i's counts against the model when its
// state is the model's and nothing else happened during it; its state is
// judged once the timeline is whole (snapshotStates).
func (e *engine) snapshot(i int32) {
	d, ev := e.d, &e.d.events[i]
	s := &d.run.Snapshots[ev.try]
	if e.trial {
		return
	}
	if d.reported.Snapshots {
		e.checkMonotone(s)
	}
	if e.follow || !d.reported.Snapshots || s.State != e.m.state || !e.quiet(i) || d.omitted.folded(s.AtNs) {
		return // (a fold's failures, omitted, counted until the success after them)
	}
	switch s.State {
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

// snapshotStates judges the state each snapshot reports against the
// inferred timeline: some generation that may have been current while the
// snapshot was taken (from the earliest it can have begun to the latest the
// next can have) must be in that state. A breaker may report half-open once
// the recovery timeout has passed, before any call shows it.
func (c *checker) snapshotStates(d *dep) {
	if !d.reported.Snapshots && !d.reported.State {
		return
	}
	rt := d.cfg.RecoveryTimeoutNs
	k := 0 // the first generation that may still be current
	for _, si := range d.snaps {
		s := &c.run.Snapshots[si]
		lo, hi := s.AtNs-c.tol, s.AtNs+s.SpanNs+c.tol
		for k+1 < len(d.gens) && d.gens[k+1].lo <= lo && c.genEnd(d, k+1) < lo {
			k++
		}
		ok := false
		for g := k; g < len(d.gens) && d.gens[g].lo <= hi && !ok; g++ {
			if c.genEnd(d, g) < lo {
				continue
			}
			st := d.gens[g].state
			ok = st == s.State || st == record.StateOpen && s.State == record.StateHalfOpen && d.gens[g].lo+rt <= hi
		}
		if ok {
			continue
		}
		g := d.genAt(s.AtNs)
		c.findings = append(c.findings, finding{id: "R2", d: d, at: s.AtNs, gen: int32(g), event: "snapshot",
			msg: fmt.Sprintf("the breaker reports %s at %s; what it did shows %s (generation %d, since %s)",
				s.State, fmtNs(s.AtNs), d.gens[g].state, g, fmtNs(d.gens[g].at))})
	}
}

// fuzzySpans finds the stretches where the order of d's events is a guess:
// the intervals of events that span a whole inferred generation, or are
// longer than the recovery timeout (a call whose goroutine stalled while
// the breaker changed state and back). What the breaker reports there is
// not cross-checked.
func (c *checker) fuzzySpans(d *dep) {
	if len(d.gens) < 2 {
		return
	}
	for i := range d.events {
		ev := &d.events[i]
		if ev.hi-ev.lo <= c.tol {
			continue
		}
		if ev.hi-ev.lo > d.cfg.RecoveryTimeoutNs {
			// Longer than an open period: a whole generation may hide in
			// it, inferred or not.
			d.fuzzy = append(d.fuzzy, [2]int64{ev.lo, ev.hi})
			continue
		}
		for k := max(d.genAt(ev.lo)-1, 1); k+1 < len(d.gens) && d.gens[k].at <= ev.hi; k++ {
			if d.gens[k].lo >= ev.lo && d.gens[k+1].hi <= ev.hi {
				d.fuzzy = append(d.fuzzy, [2]int64{ev.lo, ev.hi})
				break
			}
		}
	}
}

// genEnd is the latest generation g of d can have lasted to: the latest
// the next one can have begun, or the run's end.
func (c *checker) genEnd(d *dep, g int) int64 {
	if g+1 < len(d.gens) {
		return d.gens[g+1].hi
	}
	return c.runEnd
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// quiet reports whether no other event of the dependency overlaps
// snapshot i (within the tolerance), so its counts can be compared exactly.
func (e *engine) quiet(i int32) bool {
	d := e.d
	if e.tol == 0 && d.maxHalfWidth == 0 {
		return true // sim: the order is exact
	}
	ev := &d.events[i]
	overlaps := func(j int) bool {
		o := &d.events[j]
		return o.kind != evSnapshot && o.lo < ev.hi+e.tol && o.hi > ev.lo-e.tol
	}
	for j := int(i) - 1; j >= 0 && int(i)-j <= maxCauseScan; j-- {
		if overlaps(j) {
			return false
		}
	}
	for j := int(i) + 1; j < len(d.events) && d.minLo[j] < ev.hi+e.tol && j-int(i) <= maxCauseScan; j++ {
		if overlaps(j) {
			return false
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
