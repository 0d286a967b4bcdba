package check

import (
	"fmt"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// finding is a transition that I2 or I6 cannot explain from its own
// generation's results. I7 then looks for late results from earlier
// generations that would explain it: the mark of a missing generation check.
type finding struct {
	id    string
	d     *dep
	g     *generation
	at    int64
	gen   uint64
	event string
	msg   string
	stale record.Outcome // the kind of late result that would explain it; 0 if none would
	to    int64          // the end of the window for late results
}

func legal(t *record.Transition) bool {
	switch {
	case t.To == record.StateClosed && t.Reason == reasonReset:
		return true
	case t.To == record.StateOpen && t.Reason == reasonForced:
		return true
	}
	switch t.From {
	case record.StateClosed:
		return t.To == record.StateOpen
	case record.StateOpen:
		return t.To == record.StateHalfOpen
	case record.StateHalfOpen:
		return t.To == record.StateClosed || t.To == record.StateOpen
	}
	return false
}

// checkI1: every transition is legal, starts from the state the previous one
// entered, at or after it, with a higher generation; the final snapshot
// agrees with the last transition.
func (c *checker) checkI1(col *collector) string {
	n := 0
	for _, d := range c.deps {
		if len(d.trans) == 0 {
			continue
		}
		prevState, prevGen, prevAt := record.StateClosed, d.gens[0].num, int64(0)
		for k, ti := range d.trans {
			t := &c.run.Transitions[ti]
			n++
			ev := transitionEvent(k, t)
			if !legal(t) {
				col.add(d, t.AtNs, t.Gen, ev, "illegal transition %s→%s (reason %q)", t.From, t.To, t.Reason)
			}
			if t.From != prevState {
				col.add(d, t.AtNs, t.Gen, ev, "transition from %s, but the circuit was %s", t.From, prevState)
			}
			if k > 0 && t.Gen <= prevGen {
				col.add(d, t.AtNs, t.Gen, ev, "generation %d does not follow generation %d", t.Gen, prevGen)
			}
			if t.AtNs < prevAt {
				col.add(d, t.AtNs, t.Gen, ev, "at %s, before the previous transition at %s", fmtNs(t.AtNs), fmtNs(prevAt))
			}
			prevState, prevGen, prevAt = t.To, t.Gen, t.AtNs
		}
		last := &d.gens[len(d.gens)-1]
		if s := d.lastSnapshot(); s != nil && s.AtNs >= last.start && (s.State != last.state || s.Gen != last.num) {
			col.add(d, s.AtNs, s.Gen, "final snapshot", "the breaker reports %s in generation %d; its transitions end in %s, generation %d",
				s.State, s.Gen, last.state, last.num)
		}
	}
	return plural(n, "transition", "transitions") + " legal and in order"
}

// analyse runs the counting analysis of I2 and I6 once.
func (c *checker) analyse() {
	if c.analysed {
		return
	}
	c.analysed = true
	for _, d := range c.deps {
		if c.noTransitions(d) {
			continue
		}
		for gi := range d.gens {
			g := &d.gens[gi]
			switch g.state {
			case record.StateClosed:
				c.analyseClosed(d, g)
			case record.StateHalfOpen:
				c.analyseHalfOpen(d, g)
			}
		}
	}
}

// analyseClosed finds where closed generation g should have opened (I2):
// at the FailureThreshold-th consecutive failure among its own results.
func (c *checker) analyseClosed(d *dep, g *generation) {
	calls, ft := c.run.Calls, d.cfg.FailureThreshold
	t := g.endingTransition(d)
	opens := t != nil && t.To == record.StateOpen && t.Reason != reasonForced
	consec, reached, streakFrom := 0, int32(-1), int64(0)
	for _, ci := range g.results {
		r := &calls[ci]
		if opens && r.EndNs > g.end+c.tol {
			break
		}
		switch r.Outcome {
		case record.OutcomeFailure:
			if consec == 0 {
				streakFrom = r.EndNs
			}
			consec++
		case record.OutcomeSuccess:
			if opens && r.EndNs > g.end-c.tol {
				continue // too close to the transition to order in real time
			}
			consec = 0
		default:
			continue
		}
		if consec >= ft {
			reached = ci
			break
		}
	}
	// In real time a success recorded close to the streak may have reached
	// the breaker inside it, so such a streak proves nothing.
	proven := reached >= 0 && (c.tol == 0 || !c.successNear(g, streakFrom-c.tol, calls[reached].EndNs+c.tol))
	switch {
	case opens && reached < 0:
		c.findings = append(c.findings, finding{id: "I2", d: d, g: g, at: t.AtNs, gen: t.Gen, event: transitionEvent(g.finish, t),
			msg:   fmt.Sprintf("closed→open after %d consecutive failures in generation %d, want %d", consec, g.num, ft),
			stale: record.OutcomeFailure, to: g.end + c.tol})
	case opens && proven && calls[reached].EndNs < g.end-c.tol:
		r := &calls[reached]
		c.findings = append(c.findings, finding{id: "I2", d: d, g: g, at: t.AtNs, gen: t.Gen, event: transitionEvent(g.finish, t),
			msg: fmt.Sprintf("failure %d in a row (call seq=%d at %s) should have opened the circuit; it opened only at %s",
				ft, r.Seq, fmtNs(r.EndNs), fmtNs(t.AtNs))})
	case !opens && proven && calls[reached].EndNs < g.end-c.tol:
		r := &calls[reached]
		c.findings = append(c.findings, finding{id: "I2", d: d, g: g, at: r.EndNs, gen: g.num, event: callEvent(r),
			msg: fmt.Sprintf("%d consecutive failures in generation %d, but the circuit stayed closed", ft, g.num)})
	}
}

// analyseHalfOpen checks how half-open generation g ended (I6): closed at
// the SuccessThreshold-th probe success, reopened at the first probe failure.
func (c *checker) analyseHalfOpen(d *dep, g *generation) {
	calls, st := c.run.Calls, d.cfg.SuccessThreshold
	t := g.endingTransition(d)
	toClosed := t != nil && t.To == record.StateClosed && t.Reason != reasonReset
	toOpen := t != nil && t.To == record.StateOpen && t.Reason != reasonForced
	ended := toClosed || toOpen
	succ, firstFail, closeAt := 0, int32(-1), int32(-1)
scan:
	for _, ci := range g.results {
		r := &calls[ci]
		if ended && r.EndNs > g.end+c.tol {
			break
		}
		ambiguous := ended && r.EndNs > g.end-c.tol
		switch r.Outcome {
		case record.OutcomeSuccess:
			if toOpen && ambiguous {
				continue
			}
			succ++
			if succ >= st {
				closeAt = ci
				break scan
			}
		case record.OutcomeFailure:
			if toClosed && ambiguous {
				continue
			}
			firstFail = ci
			break scan
		}
	}
	add := func(at int64, gen uint64, event string, stale record.Outcome, format string, args ...any) {
		c.findings = append(c.findings, finding{id: "I6", d: d, g: g, at: at, gen: gen, event: event,
			msg: fmt.Sprintf(format, args...), stale: stale, to: g.end + c.tol})
	}
	switch {
	case toClosed && firstFail >= 0:
		r := &calls[firstFail]
		add(t.AtNs, t.Gen, transitionEvent(g.finish, t), 0, "closed although probe call seq=%d failed at %s", r.Seq, fmtNs(r.EndNs))
	case toClosed && closeAt < 0:
		add(t.AtNs, t.Gen, transitionEvent(g.finish, t), record.OutcomeSuccess,
			"half-open→closed after %d probe successes in generation %d, want %d", succ, g.num, st)
	case toClosed && calls[closeAt].EndNs < g.end-c.tol:
		r := &calls[closeAt]
		add(t.AtNs, t.Gen, transitionEvent(g.finish, t), 0, "probe success %d (call seq=%d at %s) should have closed the circuit; it closed only at %s",
			st, r.Seq, fmtNs(r.EndNs), fmtNs(t.AtNs))
	case toOpen && closeAt >= 0:
		r := &calls[closeAt]
		add(t.AtNs, t.Gen, transitionEvent(g.finish, t), 0, "%d probe successes (the last call seq=%d at %s) should have closed the circuit; it reopened at %s",
			st, r.Seq, fmtNs(r.EndNs), fmtNs(t.AtNs))
	case toOpen && firstFail < 0:
		add(t.AtNs, t.Gen, transitionEvent(g.finish, t), record.OutcomeFailure, "half-open→open without a probe failure in generation %d", g.num)
	case toOpen && calls[firstFail].EndNs < g.end-c.tol:
		r := &calls[firstFail]
		add(t.AtNs, t.Gen, transitionEvent(g.finish, t), 0, "probe call seq=%d failed at %s; the circuit reopened only at %s", r.Seq, fmtNs(r.EndNs), fmtNs(t.AtNs))
	case !ended && closeAt >= 0 && calls[closeAt].EndNs < g.end-c.tol:
		r := &calls[closeAt]
		add(r.EndNs, g.num, callEvent(r), 0, "%d probe successes in generation %d, but the circuit stayed half-open", st, g.num)
	case !ended && firstFail >= 0 && calls[firstFail].EndNs < g.end-c.tol:
		r := &calls[firstFail]
		add(r.EndNs, g.num, callEvent(r), 0, "probe failed in generation %d, but the circuit stayed half-open", g.num)
	}
}

func (c *checker) emit(col *collector, id string) int {
	c.analyse()
	n := 0
	for _, f := range c.findings {
		if f.id == id {
			col.add(f.d, f.at, f.gen, f.event, "%s", f.msg)
			n++
		}
	}
	return n
}

// checkI2: closed→open exactly at the FailureThreshold-th consecutive failure.
func (c *checker) checkI2(col *collector) string {
	c.emit(col, "I2")
	return plural(c.countGens(record.StateClosed), "closed generation", "closed generations") + " checked"
}

// checkI6: half-open ends exactly as the probes say.
func (c *checker) checkI6(col *collector) string {
	c.emit(col, "I6")
	return plural(c.countGens(record.StateHalfOpen), "half-open generation", "half-open generations") + " checked"
}

func (c *checker) countGens(s record.State) int {
	n := 0
	for _, d := range c.deps {
		if c.noTransitions(d) {
			continue
		}
		for i := range d.gens {
			if d.gens[i].state == s {
				n++
			}
		}
	}
	return n
}

// checkI4: open→half-open exactly RecoveryTimeout after opening (within the
// tolerance in real time), and no call rejected as open after that.
func (c *checker) checkI4(col *collector) string {
	n := 0
	for _, d := range c.deps {
		if c.noTransitions(d) {
			continue
		}
		rt := d.cfg.RecoveryTimeoutNs
		for gi := range d.gens {
			g := &d.gens[gi]
			if g.state != record.StateOpen || g.forced(d) {
				continue
			}
			n++
			t := g.endingTransition(d)
			switch {
			case t != nil && t.To == record.StateHalfOpen:
				wait := t.AtNs - g.start
				if wait < rt {
					col.add(d, t.AtNs, t.Gen, transitionEvent(g.finish, t), "half-open %s after opening at %s, want the recovery timeout %s",
						fmtDur(wait), fmtNs(g.start), fmtDur(rt))
				} else if wait > rt+c.tol {
					col.add(d, t.AtNs, t.Gen, transitionEvent(g.finish, t), "half-open %s after opening at %s, want the recovery timeout %s (tolerance %s)",
						fmtDur(wait), fmtNs(g.start), fmtDur(rt), fmtDur(c.tol))
				}
			case t == nil && c.runEnd-g.start > rt+c.tol:
				col.add(d, g.start+rt, g.num, fmt.Sprintf("generation %d", g.num), "still open at the end of the run, %s after opening at %s; the recovery timeout is %s",
					fmtDur(c.runEnd-g.start), fmtNs(g.start), fmtDur(rt))
			}
		}
		for _, ci := range d.calls {
			r := &c.run.Calls[ci]
			if r.Outcome != record.OutcomeRejected {
				continue
			}
			gi, ok := d.genIdx[r.Gen]
			if !ok {
				continue
			}
			g := &d.gens[gi]
			if g.state == record.StateOpen && !g.forced(d) && r.StartNs > g.start+rt+c.tol {
				col.add(d, r.StartNs, r.Gen, callEvent(r), "rejected as open %s after opening at %s; the recovery timeout is %s",
					fmtDur(r.StartNs-g.start), fmtNs(g.start), fmtDur(rt))
			}
		}
	}
	return plural(n, "open generation", "open generations") + " checked"
}
