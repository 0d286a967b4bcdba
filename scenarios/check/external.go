package check

import (
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// externalTries builds d's tries in external mode, where the breaker runs in
// the user's service and breakerlab sees only its edges: what reached the
// dependency (dependency.bin, on the fakes' clock) is the breaker's
// admissions and, from the fault each got, their results; what the client
// got (calls.bin) tells the rejections. A request that carries the seq of
// the client call that caused it (the service forwarded X-Breakerlab-Seq)
// is matched to that call, which bounds when the breaker decided (after the
// call began, before the request arrived) and when it took the result in
// (after the dependency answered, before the client had its answer).
// Without the seq, the tolerance bounds the service's own hops.
func (d *dep) externalTries(c *checker) {
	calls, reqs := c.run.Calls, c.run.DepRequests
	timeout := d.meta.ClientTimeoutNs
	d.tries = make([]try, 0, len(d.requests)+len(d.calls))
	matched := make(map[int32]bool)
	for _, qi := range d.requests {
		q := &reqs[qi]
		t := try{call: -1, req: qi, seq: q.Seq, admitted: true, gen: -1}
		done := q.AtNs + q.LatencyNs
		hop := int64(ExternalHop)
		t.aLo, t.aHi = q.AtNs-hop, q.AtNs
		t.rLo, t.rHi = done, done+hop
		if ci, ok := d.bySeq.get(q.Seq); ok && q.SeqSent && calls[ci].Outcome != record.OutcomeRejected && !matched[ci] {
			matched[ci] = true
			cl := &calls[ci]
			t.call = ci
			t.aLo = min(cl.StartNs, q.AtNs)
			t.rLo, t.rHi = min(done, cl.EndNs), max(cl.EndNs, done)
		}
		t.outcome, t.deadline = externalOutcome(q, timeout, c.tol)
		if t.outcome == 0 {
			t.rLo, t.rHi = 0, 0 // no answer by the end of the run
		}
		d.tries = append(d.tries, t)
	}
	for _, ci := range d.calls {
		if cl := &calls[ci]; cl.Outcome == record.OutcomeRejected {
			d.tries = append(d.tries, try{call: ci, req: -1, seq: cl.Seq, aLo: cl.StartNs, aHi: cl.EndNs, reason: cl.Reject, gen: -1})
		}
	}
}

// externalOutcome classifies what the service's call to the dependency came
// to, by the rules and the service's own timeout towards it (the scenario's
// client.timeout): an answer is a success, an injected fault a failure, a
// call the service gave up on a failure if it waited out its timeout
// (context.DeadlineExceeded) and otherwise ignored (its caller went away:
// context.Canceled). A request still unanswered at the end has no outcome.
func externalOutcome(q *record.DepRequest, timeout, tol int64) (o record.Outcome, deadline bool) {
	switch {
	case q.HungUp && (timeout == 0 || q.LatencyNs >= timeout-tol):
		return record.OutcomeFailure, true
	case q.HungUp:
		return record.OutcomeIgnored, false
	case q.Fault == "hang":
		return 0, false
	case q.Fault == "none" || q.Fault == "latency" || q.Fault == "slow_body" || q.Fault == "":
		if timeout > 0 && q.LatencyNs > timeout+tol {
			return record.OutcomeFailure, true // answered after the service stopped waiting
		}
		return record.OutcomeSuccess, false
	}
	return record.OutcomeFailure, false
}
