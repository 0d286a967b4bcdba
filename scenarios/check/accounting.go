package check

import (
	"fmt"
	"strings"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// checkI8: every call has one consistent record, every admitted call
// reached the dependency once and nothing else did, and — when the breaker
// reports its totals — they equal the client's, counted by the rules.
func (c *checker) checkI8(col *collector) string {
	calls := c.run.Calls
	for _, d := range c.deps {
		for _, ci := range d.dupSeq {
			r := &calls[ci]
			col.add(d, r.EndNs, -1, callEvent(r), "seq %d recorded more than once", r.Seq)
		}
		for _, ci := range d.calls {
			c.checkCallRecord(col, d, &calls[ci])
		}
		switch {
		case c.run.Meta.Mode == record.ModeExternal:
			c.matchExternal(col, d)
		default:
			c.matchRequests(col, d)
		}
		c.checkOmitted(col, d)
		if d.reported.Snapshots {
			c.checkTotals(col, d)
		}
	}
	st := c.stats()
	return plural(st.Calls, "call", "calls") + " and " + plural(st.DependencyRequests, "dependency request", "dependency requests") + " accounted for"
}

// matchRequests checks, in-process, that each request that reached the
// dependency belongs to exactly one admitted call, and each admitted call
// that succeeded or failed reached it.
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
			col.add(d, q.AtNs, -1, reqEvent(q), "seq %d reached the dependency more than once", q.Seq)
			continue
		}
		ci, ok := d.bySeq.get(q.Seq)
		switch {
		case !ok && c.cutShort():
			c.warnings = append(c.warnings, fmt.Sprintf("%s: dependency request seq=%d has no call record (the run was cut short while it was in flight)", d.name, q.Seq))
		case !ok:
			col.add(d, q.AtNs, -1, reqEvent(q), "reached the dependency at %s but no call seq=%d was recorded", fmtNs(q.AtNs), q.Seq)
		case calls[ci].Outcome == record.OutcomeRejected && calls[ci].Reject == record.RejectProbeLimit:
			col.addRule(d, q.AtNs, -1, reqEvent(q), 4, "rejected for the probe limit yet reached the dependency at %s", fmtNs(q.AtNs))
		}
	}
	for _, ci := range d.calls {
		r := &calls[ci]
		if r.Outcome != record.OutcomeSuccess && r.Outcome != record.OutcomeFailure {
			continue
		}
		// A call past its deadline may have given up before it sent anything.
		if _, ok := reached.get(r.Seq); !ok && !isDeadline(r) {
			col.add(d, r.EndNs, -1, callEvent(r), "admitted and ended in %s, but never reached the dependency", r.Outcome)
		}
	}
}

// matchExternal checks, in external mode, that the service called the
// dependency once per call it did not reject: as many requests as answers
// that were not rejections, give or take the calls cut off at the end.
func (c *checker) matchExternal(col *collector, d *dep) {
	admitted := 0
	for _, ci := range d.calls {
		if c.run.Calls[ci].Outcome != record.OutcomeRejected {
			admitted++
		}
	}
	if len(d.calls) == 0 {
		return
	}
	if extra := len(d.requests) - admitted; extra > 0 {
		col.addRule(d, c.runEnd, -1, "run", 2, "the dependency saw %d requests, but the service answered only %d calls without rejecting them: %d calls it rejected (or never answered) still reached the dependency",
			len(d.requests), admitted, extra)
	}
}

// checkCallRecord checks one call's own consistency.
func (c *checker) checkCallRecord(col *collector, d *dep, r *record.Call) {
	add := func(format string, args ...any) {
		col.add(d, r.EndNs, -1, callEvent(r), format, args...)
	}
	switch {
	case r.EndNs < r.StartNs:
		add("ends at %s, before it started at %s", fmtNs(r.EndNs), fmtNs(r.StartNs))
	case r.Outcome != record.OutcomeRejected && (r.AdmitAt() < r.StartNs || r.DoneAt() < r.AdmitAt() || r.EndNs < r.DoneAt()):
		add("times out of order: start %s, admit %s, done %s, end %s", fmtNs(r.StartNs), fmtNs(r.AdmitAt()), fmtNs(r.DoneAt()), fmtNs(r.EndNs))
	}
	if r.Fallback && r.Outcome == record.OutcomeSuccess {
		add("succeeded yet served a fallback")
	}
	if r.Outcome != record.OutcomeRejected && r.Reject != "" {
		add("has reject %q but outcome %s", r.Reject, r.Outcome)
	}
	if r.Outcome == record.OutcomeRejected && r.Reject != "" && r.Reject != record.RejectOpen && r.Reject != record.RejectProbeLimit {
		add("rejected with reject %q, want %q, %q or none", r.Reject, record.RejectOpen, record.RejectProbeLimit)
	}
}

// checkTotals compares the client's outcome counts (by the rules) with the
// totals in the breaker's final snapshot. A difference between failures and
// ignored calls equal to the caller's deadlines or cancellations names
// rule 8.
func (c *checker) checkTotals(col *collector, d *dep) {
	s := d.lastSnapshot()
	if s == nil {
		// A run killed before its end never took its final snapshot: there
		// is nothing to compare, which is not a violation.
		if len(d.calls) > 0 && c.run.Meta.EndedNs > 0 {
			col.add(d, c.runEnd, -1, "snapshots", "no snapshot of the breaker was recorded; its totals cannot be compared")
		}
		return
	}
	var got record.Totals
	deadlines := uint64(0)
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
			if isDeadline(r) {
				deadlines++
			}
		case record.OutcomeIgnored:
			got.Ignored++
		case record.OutcomeRejected:
			got.Rejected++
		}
	}
	for _, o := range d.omitted.records {
		if o.EndNs > s.AtNs+c.tol {
			continue
		}
		n := uint64(o.Calls)
		switch o.Outcome {
		case record.OutcomeSuccess:
			got.Success += n
		case record.OutcomeFailure:
			got.Failure += n
			if isDeadline(&record.Call{Outcome: o.Outcome, Err: o.Err}) {
				deadlines += n
			}
		case record.OutcomeIgnored:
			got.Ignored += n
		case record.OutcomeRejected:
			got.Rejected += n
		}
	}
	if got == s.Totals {
		return
	}
	rule, why := 0, ""
	switch {
	case got.Failure > s.Totals.Failure && got.Failure-s.Totals.Failure == deadlines && s.Totals.Ignored-got.Ignored == deadlines:
		rule, why = 8, fmt.Sprintf(": the %d calls that hit their deadline (context.DeadlineExceeded, a failure) were counted as ignored", deadlines)
	case got.Ignored > s.Totals.Ignored && got.Ignored-s.Totals.Ignored == s.Totals.Failure-got.Failure:
		rule, why = 8, fmt.Sprintf(": %d cancelled calls (context.Canceled, neither success nor failure) were counted as failures", got.Ignored-s.Totals.Ignored)
	}
	col.addRule(d, s.AtNs, -1, "final snapshot", rule,
		"client totals by the rules success=%d failure=%d ignored=%d rejected=%d, breaker totals success=%d failure=%d ignored=%d rejected=%d%s",
		got.Success, got.Failure, got.Ignored, got.Rejected, s.Totals.Success, s.Totals.Failure, s.Totals.Ignored, s.Totals.Rejected, why)
}

// cutShort reports whether the run stopped early: interrupted (Ctrl-C), or
// killed before meta.json got its ended_ns. Calls in flight at that moment
// may have reached the dependency without being recorded.
func (c *checker) cutShort() bool {
	return c.run.Meta.Interrupted || c.run.Meta.EndedNs == 0
}

// isDeadline reports whether a failed call failed on the caller's own
// deadline (context.DeadlineExceeded).
func isDeadline(r *record.Call) bool {
	return r.Outcome == record.OutcomeFailure && strings.Contains(r.Err, "deadline exceeded")
}
