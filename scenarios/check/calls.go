package check

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// openAt returns the open generation t lies strictly inside (by more than
// the tolerance on each side), or nil. At a transition's exact instant the
// order of events is unknown, so such calls get the benefit of the doubt.
func (c *checker) openAt(d *dep, t int64) *generation {
	g := &d.gens[d.genAt(t)]
	if g.state == record.StateOpen && t > g.start+c.tol && t < g.end-c.tol {
		return g
	}
	return nil
}

// checkI3: no call admitted by an open generation, none admitted while the
// circuit was open, and no request reached the dependency while it was open.
func (c *checker) checkI3(col *collector) string {
	calls, reqs := c.run.Calls, c.run.DepRequests
	n := 0
	for _, d := range c.deps {
		if c.noTransitions(d) {
			continue
		}
		for _, ci := range d.calls {
			r := &calls[ci]
			if r.Outcome == record.OutcomeRejected {
				continue
			}
			gi, ok := d.genIdx[r.Gen]
			if ok && d.gens[gi].state == record.StateOpen {
				col.add(d, r.StartNs, r.Gen, callEvent(r), "admitted (%s) by open generation %d", r.Outcome, r.Gen)
				continue
			}
			if g := c.openAt(d, r.StartNs); g != nil {
				col.add(d, r.StartNs, r.Gen, callEvent(r), "started at %s while the circuit was open (generation %d, since %s) and ran (%s)",
					fmtNs(r.StartNs), g.num, fmtNs(g.start), r.Outcome)
			}
		}
		for _, qi := range d.requests {
			q := &reqs[qi]
			n++
			ci, ok := d.bySeq.get(q.Seq)
			if !ok {
				if g := c.openAt(d, q.AtNs); g != nil {
					col.add(d, q.AtNs, g.num, reqEvent(q),
						"reached the dependency at %s while the circuit was open (generation %d, since %s)", fmtNs(q.AtNs), g.num, fmtNs(g.start))
				}
				continue
			}
			r := &calls[ci]
			if r.Outcome == record.OutcomeRejected && r.Reject != record.RejectProbeLimit {
				col.add(d, q.AtNs, r.Gen, callEvent(r), "rejected as open (generation %d) yet reached the dependency at %s", r.Gen, fmtNs(q.AtNs))
			}
		}
	}
	return plural(n, "dependency request", "dependency requests") + ", none while open"
}

// checkI5: within each half-open generation, the calls it admitted never
// overlap more than HalfOpenMaxCalls at once. Intervals are half-open
// [start, end): a probe ending when another starts frees its slot. A probe
// whose interval trims to nothing in real time does not count.
func (c *checker) checkI5(col *collector) string {
	type edge struct {
		at   int64
		open bool
		ci   int32
	}
	calls := c.run.Calls
	// In real time the recorded interval wraps the breaker's own (Allow …
	// Done) by the recording delay: trim it by a hundredth of the tolerance
	// (1 ms by default) on each side. A stress run records an admitted call
	// inside the breaker's view of it (from Allow's return to the call of
	// Done), so there is nothing to trim.
	trim := c.tol / 100
	if c.run.Meta.Mode == record.ModeStress {
		trim = 0
	}
	maxSeen := 0
	var edges []edge
	var active []int32
	for _, d := range c.deps {
		limit := d.cfg.HalfOpenMaxCalls
		for gi := range d.gens {
			g := &d.gens[gi]
			if g.state != record.StateHalfOpen {
				continue
			}
			edges = edges[:0]
			for _, ci := range g.admitted {
				start, end := calls[ci].StartNs+trim, calls[ci].EndNs-trim
				if end <= start {
					// Empty: it overlaps nothing. (Kept, its end would sort
					// before its start and leave it in flight for good.)
					continue
				}
				edges = append(edges, edge{start, true, ci}, edge{end, false, ci})
			}
			slices.SortFunc(edges, func(a, b edge) int {
				if c := cmp.Compare(a.at, b.at); c != 0 {
					return c
				}
				if a.open != b.open {
					if a.open {
						return 1 // ends first
					}
					return -1
				}
				return cmp.Compare(a.ci, b.ci)
			})
			active = active[:0]
			peak, first, firstActive := 0, int32(-1), ""
			for _, e := range edges {
				if !e.open {
					if i := slices.Index(active, e.ci); i >= 0 {
						active = slices.Delete(active, i, i+1)
					}
					continue
				}
				active = append(active, e.ci)
				peak = max(peak, len(active))
				if len(active) > limit && first < 0 {
					first, firstActive = e.ci, seqList(calls, active, 6)
				}
			}
			maxSeen = max(maxSeen, peak)
			if first >= 0 {
				r := &calls[first]
				col.add(d, r.StartNs, g.num, callEvent(r), "%d probes in flight in generation %d, at most %d allowed (in flight: %s); the peak was %d",
					limit+1, g.num, limit, firstActive, peak)
			}
		}
	}
	return fmt.Sprintf("at most %d probes in flight", maxSeen)
}

func seqList(calls []record.Call, idx []int32, n int) string {
	s := ""
	for i, ci := range idx {
		if i == n {
			return s + fmt.Sprintf(", … %d more", len(idx)-n)
		}
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("seq=%d", calls[ci].Seq)
	}
	return s
}

// checkI8: every call has one consistent outcome, every admitted call
// reached the dependency once and nothing else did, and the client's totals
// equal the breaker's.
func (c *checker) checkI8(col *collector) string {
	calls, reqs := c.run.Calls, c.run.DepRequests
	for _, d := range c.deps {
		for _, ci := range d.dupSeq {
			r := &calls[ci]
			col.add(d, r.EndNs, r.Gen, callEvent(r), "seq %d recorded more than once", r.Seq)
		}
		for _, ci := range d.unknownGen {
			r := &calls[ci]
			if c.noTransitions(d) {
				continue
			}
			col.add(d, r.EndNs, r.Gen, callEvent(r), "names generation %d, which no transition started", r.Gen)
		}
		for _, ci := range d.calls {
			c.checkCallRecord(col, d, &calls[ci])
		}

		if c.unmatchable(d) {
			c.warnings = append(c.warnings, fmt.Sprintf("%s: no dependency request carries the seq of a recorded call (a black-box service that does not forward it?); requests were not matched to calls", d.name))
		} else {
			c.matchRequests(col, d)
		}
		c.checkTotals(col, d)
		if m := c.snapshotCounts(d); m != nil && len(m.stale) == 0 {
			col.add(d, m.s.AtNs, m.s.Gen, "final snapshot", "the breaker counts %d %s, generation %d's own results give %d",
				m.got, m.field, m.g.num, m.want)
		}
	}
	return plural(len(calls), "call", "calls") + " and " + plural(len(reqs), "dependency request", "dependency requests") + " accounted for"
}

// unmatchable reports whether, in external mode, none of d's dependency
// requests matches a call: the service under test did not pass the seq on.
func (c *checker) unmatchable(d *dep) bool {
	if c.run.Meta.Mode != record.ModeExternal {
		return false
	}
	for _, qi := range d.requests {
		if _, ok := d.bySeq.get(c.run.DepRequests[qi].Seq); ok {
			return false
		}
	}
	return true
}

// matchRequests checks that each request that reached the dependency belongs
// to exactly one admitted call, and each admitted call reached it.
func (c *checker) matchRequests(col *collector, d *dep) {
	calls, reqs := c.run.Calls, c.run.DepRequests
	var maxSeq uint64
	for _, qi := range d.requests {
		maxSeq = max(maxSeq, reqs[qi].Seq)
	}
	reached := newSeqIndex(maxSeq, len(d.requests))
	for _, qi := range d.requests {
		q := &reqs[qi]
		if reached.add(q.Seq, qi) {
			col.add(d, q.AtNs, 0, reqEvent(q), "seq %d reached the dependency more than once", q.Seq)
			continue
		}
		ci, ok := d.bySeq.get(q.Seq)
		switch {
		case !ok && c.cutShort():
			c.warnings = append(c.warnings, fmt.Sprintf("%s: dependency request seq=%d has no call record (the run was cut short while it was in flight)", d.name, q.Seq))
		case !ok:
			col.add(d, q.AtNs, 0, reqEvent(q), "reached the dependency at %s but no call seq=%d was recorded", fmtNs(q.AtNs), q.Seq)
		case calls[ci].Outcome == record.OutcomeRejected && calls[ci].Reject == record.RejectProbeLimit:
			col.add(d, q.AtNs, calls[ci].Gen, reqEvent(q), "rejected for the probe limit yet reached the dependency at %s", fmtNs(q.AtNs))
		}
	}
	for _, ci := range d.calls {
		r := &calls[ci]
		if r.Outcome != record.OutcomeSuccess && r.Outcome != record.OutcomeFailure {
			continue
		}
		if _, ok := reached.get(r.Seq); !ok {
			col.add(d, r.EndNs, r.Gen, callEvent(r), "admitted and ended in %s, but never reached the dependency", r.Outcome)
		}
	}
}

// checkCallRecord checks one call's own consistency.
func (c *checker) checkCallRecord(col *collector, d *dep, r *record.Call) {
	add := func(format string, args ...any) {
		col.add(d, r.EndNs, r.Gen, callEvent(r), format, args...)
	}
	if r.EndNs < r.StartNs {
		add("ends at %s, before it started at %s", fmtNs(r.EndNs), fmtNs(r.StartNs))
	}
	if r.Fallback && r.Outcome == record.OutcomeSuccess {
		add("succeeded yet served a fallback")
	}
	if r.Outcome != record.OutcomeRejected {
		if r.Reject != "" {
			add("has reject %q but outcome %s", r.Reject, r.Outcome)
		}
		return
	}
	gi, known := d.genIdx[r.Gen]
	var state record.State
	if known && !c.noTransitions(d) {
		state = d.gens[gi].state
	}
	switch {
	case r.Reject != record.RejectOpen && r.Reject != record.RejectProbeLimit:
		add("rejected with reject %q, want %q or %q", r.Reject, record.RejectOpen, record.RejectProbeLimit)
	case state == record.StateClosed:
		add("rejected (%s) by closed generation %d", r.Reject, r.Gen)
	case state == record.StateOpen && r.Reject != record.RejectOpen:
		add("rejected for %s by open generation %d, want %s", r.Reject, r.Gen, record.RejectOpen)
	case state == record.StateHalfOpen && r.Reject != record.RejectProbeLimit:
		add("rejected as %s by half-open generation %d, want %s", r.Reject, r.Gen, record.RejectProbeLimit)
	}
}

// checkTotals compares the client's outcome counts with the breaker's final
// snapshot totals.
func (c *checker) checkTotals(col *collector, d *dep) {
	s := d.lastSnapshot()
	if s == nil {
		// A run killed before its end never took its final snapshot: there
		// is nothing to compare, which is not a violation.
		if c.run.Meta.Mode != record.ModeExternal && len(d.calls) > 0 && c.run.Meta.EndedNs > 0 {
			col.add(d, c.runEnd, 0, "snapshots", "no snapshot of the breaker was recorded; its totals cannot be compared")
		}
		return
	}
	var got record.Totals
	for _, ci := range d.calls {
		r := &c.run.Calls[ci]
		if r.EndNs > s.AtNs+c.tol {
			continue
		}
		switch r.Outcome {
		case record.OutcomeSuccess:
			got.Success++
		case record.OutcomeFailure:
			got.Failure++
		case record.OutcomeIgnored:
			got.Ignored++
		case record.OutcomeRejected:
			got.Rejected++
		}
	}
	if got != s.Totals {
		col.add(d, s.AtNs, s.Gen, "final snapshot",
			"client totals success=%d failure=%d ignored=%d rejected=%d, breaker totals success=%d failure=%d ignored=%d rejected=%d",
			got.Success, got.Failure, got.Ignored, got.Rejected, s.Totals.Success, s.Totals.Failure, s.Totals.Ignored, s.Totals.Rejected)
	}
}

// cutShort reports whether the run stopped early: interrupted (Ctrl-C), or
// killed before meta.json got its ended_ns. Calls in flight at that moment
// may have reached the dependency without being recorded.
func (c *checker) cutShort() bool {
	return c.run.Meta.Interrupted || c.run.Meta.EndedNs == 0
}
