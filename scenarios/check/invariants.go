package check

import (
	"fmt"
	"strings"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// The invariants I2–I7 are judged by the inference (infer.go,
// mismatch.go), which files its violations as findings; the functions here
// report them and say what was judged. A check whose window never came — no
// trip, no half-open episode, no late result — is not checked (skipped),
// never passed on nothing.

// emit adds the findings of check id to col and returns how many there were.
func (c *checker) emit(col *collector, id string) int {
	n := 0
	for _, f := range c.findings {
		if f.id == id {
			col.addRule(f.d, f.at, f.gen, f.event, f.rule, "%s", f.msg)
			n++
		}
	}
	return n
}

// found reports whether the inference filed a violation of check id.
func (c *checker) found(id string) bool {
	for _, f := range c.findings {
		if f.id == id {
			return true
		}
	}
	return false
}

// judged sums, over the dependencies, what count says each one offers a
// check; with nothing at all the check is not checked.
func (c *checker) judged(col *collector, count func(d *dep) int, none string) (n int, detail string) {
	for _, d := range c.deps {
		n += count(d)
	}
	if n == 0 && !c.found(col.id) {
		col.skipped = true
		return 0, "not checked: " + none
	}
	return n, ""
}

// checkI1: the transitions the breaker reports are legal and in order (the
// inferred ones are legal by construction).
func (c *checker) checkI1(col *collector) string {
	n, reporting := 0, false
	for _, d := range c.deps {
		if !d.reported.Transitions {
			continue
		}
		reporting = true
		prevState, prevGen, prevAt := record.StateClosed, uint64(0), int64(0)
		for k, ti := range d.trans {
			t := &c.run.Transitions[ti]
			n++
			ev := transitionEvent(k, t)
			if !legal(t) {
				col.add(d, t.AtNs, -1, ev, "illegal transition %s→%s (reason %q)", t.From, t.To, t.Reason)
			}
			if t.From != prevState {
				col.add(d, t.AtNs, -1, ev, "transition from %s, but the circuit was %s", t.From, prevState)
			}
			if d.reported.Generations && k > 0 && t.Gen <= prevGen {
				col.add(d, t.AtNs, -1, ev, "generation %d does not follow generation %d", t.Gen, prevGen)
			}
			if t.AtNs < prevAt {
				col.add(d, t.AtNs, -1, ev, "at %s, before the previous transition at %s", fmtNs(t.AtNs), fmtNs(prevAt))
			}
			prevState, prevGen, prevAt = t.To, t.Gen, t.AtNs
		}
	}
	if !reporting {
		col.skipped = true
		return "not checked: the breaker reports no transitions (the inferred ones are legal by construction)"
	}
	return plural(n, "reported transition", "reported transitions") + " legal and in order"
}

// Reasons the reference breaker gives for transitions the rules exempt.
const (
	reasonReset  = "reset"
	reasonForced = "forced open"
)

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

// checkI2: each trip comes exactly at the FailureThreshold-th consecutive
// failure, as far as the calls in flight let the records tell.
func (c *checker) checkI2(col *collector) string {
	trips, none := c.judged(col, func(d *dep) int {
		n := 0
		for i := 1; i < len(d.gens); i++ {
			if d.gens[i].state == record.StateOpen && d.gens[i-1].state == record.StateClosed {
				n++
			}
		}
		if n == 0 && d.sawFailure() {
			return 1 // failures that never reached the threshold were judged too
		}
		return n
	}, "no call failed while the circuit was closed")
	if none != "" {
		return none
	}
	c.emit(col, "I2")
	return c.paramSummary(record.ParamFailureStreak, plural(trips, "trip", "trips")+" judged")
}

// sawFailure reports whether a closed generation of d took a failure: a
// recorded one, or a fold's (a streak that stayed short of the threshold).
func (d *dep) sawFailure() bool {
	if d.omitted.foldedFailures > 0 {
		return true
	}
	for i := range d.tries {
		t := &d.tries[i]
		if t.outcome == record.OutcomeFailure && t.gen >= 0 && d.gens[t.gen].state == record.StateClosed {
			return true
		}
	}
	return false
}

// checkI4: each open period lasts exactly the recovery timeout: the first
// probe comes no earlier, and none is refused once it has passed (plus the
// tolerance).
func (c *checker) checkI4(col *collector) string {
	n, none := c.judged(col, func(d *dep) int { o, _ := d.count(record.StateOpen); return o },
		"the circuit never opened")
	if none != "" {
		return none
	}
	c.emit(col, "I4")
	return c.paramSummary(record.ParamOpenFor, plural(n, "open period", "open periods")+" judged")
}

// checkI5: half-open admits at most HalfOpenMaxCalls probes at once, and
// gives a slot back when a probe ends, cancelled or not.
func (c *checker) checkI5(col *collector) string {
	n, none := c.judged(col, func(d *dep) int { h, _ := d.count(record.StateHalfOpen); return h },
		"the circuit never half-opened")
	if none != "" {
		return none
	}
	c.emit(col, "I5")
	return c.paramSummary(record.ParamProbes, plural(n, "half-open period", "half-open periods")+" judged")
}

// checkI6: each half-open period ends as its probes say.
func (c *checker) checkI6(col *collector) string {
	n, none := c.judged(col, func(d *dep) int { _, e := d.count(record.StateHalfOpen); return e },
		"no half-open period ended")
	if none != "" {
		return none
	}
	c.emit(col, "I6")
	return c.paramSummary(record.ParamSuccessesToClose, plural(n, "half-open period", "half-open periods")+" judged")
}

// checkI7: results from an earlier generation change nothing.
func (c *checker) checkI7(col *collector) string {
	n, none := c.judged(col, func(d *dep) int { return len(d.late) }, "no result came back after its generation ended")
	if none != "" {
		return none
	}
	if c.emit(col, "I7") > 0 {
		return plural(n, "late result", "late results")
	}
	return plural(n, "late result", "late results") + " from earlier generations changed nothing"
}

// checkI3: nothing reaches the dependency while the circuit is open: no
// request from a rejected call, none while open by the inferred timeline.
func (c *checker) checkI3(col *collector) string {
	calls, reqs := c.run.Calls, c.run.DepRequests
	opens := 0
	for _, d := range c.deps {
		o, _ := d.count(record.StateOpen)
		opens += o
	}
	if opens == 0 {
		col.skipped = true
		return "not checked: the circuit never opened"
	}
	if c.run.Meta.Mode == record.ModeExternal {
		// The fake's requests are how the service's breaker shows an
		// admission: one while open is the breaker admitting a call then.
		col.skipped = true
		return "not checked on its own in external mode: a request reaching the dependency is the service's admission, and one while open is filed under the rule it breaks (I2, I4, I5, I6)"
	}
	n := 0
	for _, d := range c.deps {
		for _, qi := range d.requests {
			q := &reqs[qi]
			n++
			ci, ok := d.bySeq.get(q.Seq)
			if ok && c.run.Meta.Mode != record.ModeExternal {
				if r := &calls[ci]; r.Outcome == record.OutcomeRejected && r.Reject != record.RejectProbeLimit {
					col.addRule(d, q.AtNs, int32(d.genAt(q.AtNs)), reqEvent(q), 2, "%s was rejected at %s, yet reached the dependency at %s",
						callEvent(r), fmtNs(r.StartNs), fmtNs(q.AtNs))
				}
				continue
			}
			if ok {
				continue
			}
			g := &d.gens[d.genAt(q.AtNs)]
			if g.state == record.StateOpen && q.AtNs > g.hi+c.tol && q.AtNs < g.end-c.tol && c.run.Meta.Mode != record.ModeExternal {
				col.addRule(d, q.AtNs, int32(d.genAt(q.AtNs)), reqEvent(q), 2,
					"reached the dependency at %s while the circuit was open (since %s) and no call admitted it", fmtNs(q.AtNs), fmtNs(g.at))
			}
		}
	}
	var omitted int64
	for _, d := range c.deps {
		for _, r := range d.omitted.requests {
			omitted += r
		}
	}
	if omitted > 0 {
		return fmt.Sprintf("%s (and %d of omitted calls, counted in I8), none while open", plural(n, "dependency request", "dependency requests"), omitted)
	}
	return plural(n, "dependency request", "dependency requests") + ", none while open"
}

// paramSummary is a check's detail: what was judged, and the parameter the
// breaker showed against the expected one.
func (c *checker) paramSummary(param, judged string) string {
	var parts []string
	for _, o := range c.observed() {
		if o.Param == param {
			parts = append(parts, describeObserved(o))
		}
	}
	if len(parts) == 0 {
		return judged
	}
	return judged + "; " + strings.Join(parts, "; ")
}
