package check

import (
	"fmt"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// finding is one violation the engine found, for the check it belongs to.
type finding struct {
	id    string // the check: "I2", "I4", …
	rule  int    // the breaker rule the evidence says was broken
	d     *dep
	at    int64
	gen   int32
	event string
	msg   string
}

func (e *engine) find(id string, rule int, at int64, event, format string, args ...any) {
	if e.silent {
		return
	}
	e.c.findings = append(e.c.findings, finding{id: id, rule: rule, d: e.d, at: at, gen: e.m.g, event: event,
		msg: fmt.Sprintf(format, args...)})
}

// what names try ti for a message: "call seq=17", or "dependency request
// seq=17" for one the client side did not record.
func (d *dep) what(ti int32) string {
	t := &d.tries[ti]
	if t.call < 0 {
		return fmt.Sprintf("dependency request seq=%d", t.seq)
	}
	return fmt.Sprintf("call seq=%d", t.seq)
}

// mismatch handles attempt i, which the model cannot explain in any order
// the records allow: a violation, then the breaker's behaviour adopted.
func (e *engine) mismatch(i int32, p decision) {
	d, ev := e.d, &e.d.events[i]
	t := &d.tries[ev.try]
	// What the breaker reports about this stretch is not judged (R1, R2):
	// its behaviour contradicts the model here, so the inferred states are
	// the engine's resynchronisation, not evidence. The stretch runs from
	// the generation before the current one (the model's transition into
	// it may be the wrong one) to this attempt.
	// While the engine then follows the breaker, the stretch goes on.
	from := d.gens[max(e.m.g-1, 0)].lo
	defer func() {
		if e.follow {
			e.disputedFrom = min(e.disputedFrom, from)
			return
		}
		d.disputes = append(d.disputes, [2]int64{from - e.tol, ev.hi + e.tol})
	}()
	switch {
	case e.m.state == record.StateClosed:
		e.rejectedWhileClosed(i)
	case e.m.state == record.StateOpen && t.admitted:
		e.admittedWhileOpen(i)
	case e.m.state == record.StateOpen:
		e.stillOpen(i)
	case t.admitted:
		e.admittedOverLimit(i)
	default:
		e.rejectedWithFreeSlot(i)
	}
}

// rejectedWhileClosed: the model has the circuit closed, the breaker
// rejected a call. Either it never closed after its probes — it is still
// half-open, or it reopened (I6, or I7 when a late failure did it) — or it
// opened early (I2, or I7 when a late result makes up the streak).
func (e *engine) rejectedWhileClosed(i int32) {
	d, ev := e.d, &e.d.events[i]
	t := &d.tries[ev.try]
	g := &d.gens[e.m.g]
	lim := e.cfg.HalfOpenMaxCalls
	closedByModel := e.m.g > 0 && d.gens[e.m.g-1].state == record.StateHalfOpen && !g.adopted && e.beforeOK
	// Still half-open, its slots would hold the probes still in flight and
	// the calls admitted since the model closed.
	stillHalf := closedByModel && t.reason != record.RejectOpen && e.m.peak <= lim && e.inFlight(e.m.g-1)+e.inFlight(e.m.g) >= lim
	if closedByModel && (e.m.lastAdmit < 0 || stillHalf) {
		succs, closedAt := e.before.succs, g.at
		e.undo()
		if t.reason == record.RejectProbeLimit || t.reason == "" && e.m.probes+e.m.leak >= lim {
			e.find("I6", 5, ev.lo, d.what(ev.try),
				"still half-open: after %d probe successes the circuit should have closed at %s, yet %s was rejected at %s for the probe limit",
				succs, fmtNs(closedAt), d.what(ev.try), fmtNs(ev.lo))
			e.follow = true
			e.m.rejects++
			e.m.lastReject = i
			return
		}
		id, rule, why, at := e.diagnoseReopen()
		e.find(id, rule, ev.lo, d.what(ev.try), "reopened instead of closing: after %d probe successes the circuit should have closed at %s, yet %s was rejected at %s%s",
			succs, fmtNs(closedAt), d.what(ev.try), fmtNs(ev.lo), why)
		e.adoptTrip(i, at, "reopened")
		return
	}
	if len(e.m.fHi) >= e.cfg.FailureThreshold {
		// Results that overlap may have come in another order, one in
		// which the streak reached the threshold: not a violation.
		e.adoptTrip(i, -1, fmt.Sprintf("%d consecutive failures", e.cfg.FailureThreshold))
		return
	}
	id, rule, why := e.diagnoseEarlyTrip()
	e.find(id, rule, ev.lo, d.what(ev.try), "opened after %d consecutive failures, want %d: %s was rejected at %s%s",
		e.m.fails, e.cfg.FailureThreshold, d.what(ev.try), fmtNs(ev.lo), why)
	e.adoptTrip(i, -1, fmt.Sprintf("opened after %d consecutive failures", e.m.fails))
}

// diagnoseReopen explains a half-open breaker that reopened without a
// probe failure: a late failure counted (I7, rule 6) or a cancelled probe
// counted as a failure (rule 8). at is when, if known (else -1).
func (e *engine) diagnoseReopen() (id string, rule int, why string, at int64) {
	d := e.d
	switch {
	case e.m.lateFailsHalf > 0:
		lr := d.late[e.m.lastLateFail]
		lt := &d.tries[lr.try]
		return "I7", 6, fmt.Sprintf(": the late failure of %s (admitted in generation %d) at %s reopened it",
			d.what(lr.try), lt.gen, fmtNs(lt.rLo)), d.events[d.resultEv[lr.try]].at
	case e.m.cancelledProbe >= 0:
		cp := &d.events[e.m.cancelledProbe]
		return "I6", 8, fmt.Sprintf(": the cancelled probe %s at %s was counted as a failure (a cancellation is neither)",
			d.what(cp.try), fmtNs(cp.at)), cp.at
	}
	return "I6", 5, "", -1
}

// adoptTrip starts an open generation the breaker showed at rejection i:
// at at if the evidence says when (else -1), otherwise after the latest
// admission and by the rejection, most likely at the latest result in
// between.
func (e *engine) adoptTrip(i int32, at int64, reason string) {
	d, ev := e.d, &e.d.events[i]
	lo := d.gens[e.m.g].lo
	if e.m.lastAdmit >= 0 {
		lo = d.events[e.m.lastAdmit].lo
	}
	if at < 0 {
		at = ev.lo
		if e.m.lastResult >= 0 && d.events[e.m.lastResult].at >= lo {
			at = d.events[e.m.lastResult].at
		}
	}
	lo = min(lo, at)
	at = min(at, ev.hi)
	e.follow = false
	e.transition(record.StateOpen, at, lo, ev.hi, reason, -1, true)
	e.m.rejects, e.m.lastReject = 1, i
}

// minStreak is the fewest consecutive failures the closed generation before
// the model's trip can have ended with, counting the successes taken after
// the trip that may have come before it (their intervals overlap the
// tripping event's, within the tolerance): a failure certainly followed a
// success only if it began after the success ended. A success that began
// after the trip cannot have broken the streak.
func (e *engine) minStreak() int {
	sHi := e.before.sHi
	for _, lr := range e.d.late {
		t := &e.d.tries[lr.try]
		ev := &e.d.events[e.d.resultEv[lr.try]]
		if lr.landed == e.m.g && t.gen == e.before.g && t.outcome == record.OutcomeSuccess && ev.lo < e.beforeHi+e.tol {
			sHi = max(sHi, ev.hi)
		}
	}
	n := 0
	for _, lo := range e.before.fLo {
		if lo > sHi {
			n++
		}
	}
	return n
}

// diagnoseEarlyTrip explains an early trip, if one of the known bugs does:
// a late failure counted (rule 6: I7), cancelled calls counted as failures
// (rule 8), successes that did not reset the count (rule 1).
func (e *engine) diagnoseEarlyTrip() (id string, rule int, why string) {
	ft := e.cfg.FailureThreshold
	switch {
	case e.m.lateFails > 0 && e.m.fails+e.m.lateFails >= ft:
		lr := e.d.late[e.m.lastLateFail]
		return "I7", 6, fmt.Sprintf("; with the late failure of %s (admitted in generation %d) counted, the streak is %d",
			e.d.what(lr.try), e.d.tries[lr.try].gen, e.m.fails+e.m.lateFails)
	case e.m.ignoredRun > 0 && e.m.fails+e.m.ignoredRun >= ft:
		return "I2", 8, fmt.Sprintf("; with the %d cancelled calls among them counted as failures, the streak is %d (a cancellation is neither success nor failure)",
			e.m.ignoredRun, e.m.fails+e.m.ignoredRun)
	case e.m.failsInGen >= ft && e.m.fails < ft-1:
		// A count that survives successes; one failure short is more
		// simply a threshold one too low.
		return "I2", 1, fmt.Sprintf("; %d failures since the circuit last closed: consistent with a success not resetting the count", e.m.failsInGen)
	}
	return "I2", 1, ""
}

// admittedWhileOpen: the model has the circuit open before the recovery
// timeout, the breaker let a call through. If it never rejected anything
// since the model's trip (or reopen), it did not open at all (I2, I6);
// otherwise it half-opened early (I4).
func (e *engine) admittedWhileOpen(i int32) {
	d, ev := e.d, &e.d.events[i]
	g := &d.gens[e.m.g]
	if e.m.rejects == 0 && !g.adopted && e.beforeOK {
		if e.before.state == record.StateClosed && e.minStreak() < e.cfg.FailureThreshold {
			// A success that overlaps the streak may have come inside it:
			// the breaker need not have opened. Not a violation.
			e.undo()
			e.m.fails = len(e.m.fLo)
			e.admit(i, e.m.g)
			return
		}
		if e.before.state == record.StateClosed {
			rule, why := e.diagnoseMissedTrip(i)
			e.find("I2", rule, ev.lo, d.what(ev.try), "%d consecutive failures (the last at %s) did not open the circuit: %s was admitted at %s%s",
				e.before.fails, fmtNs(g.at), d.what(ev.try), fmtNs(ev.lo), why)
		} else {
			e.find("I6", 5, ev.lo, d.what(ev.try), "the probe failure at %s did not reopen the circuit: %s was admitted at %s",
				fmtNs(g.at), d.what(ev.try), fmtNs(ev.lo))
		}
		fails := e.m.fails
		e.undo()
		if e.m.state == record.StateClosed {
			e.m.fails = max(e.m.fails, fails, e.cfg.FailureThreshold)
		}
		e.follow = true
		e.admit(i, e.m.g)
		return
	}
	rt := e.cfg.RecoveryTimeoutNs
	e.find("I4", 3, ev.lo, d.what(ev.try), "half-open %s after opening at %s (%s admitted at %s), want the recovery timeout %s",
		fmtDur(ev.hi-g.at), fmtNs(g.at), d.what(ev.try), fmtNs(ev.lo), fmtDur(rt))
	e.firstProbe(i, "probe admitted early", true)
	e.admit(i, e.m.g)
}

// diagnoseMissedTrip explains a trip that did not come by admission i:
// deadlines counted as ignored (rule 8), unless where the breaker did open
// later says otherwise (a threshold one too high: rule 1).
func (e *engine) diagnoseMissedTrip(i int32) (rule int, why string) {
	ft, dl := e.cfg.FailureThreshold, e.before.deadlineRun
	if dl == 0 || e.before.fails-dl >= ft {
		return 1, ""
	}
	if fails, dls, ok := e.streakAtOpen(i); ok && (fails-dls < ft || fails == ft+1 && fails-dls != ft) {
		// It opened before its other failures made the threshold (so it
		// counts deadlines), or at the next failure, deadline or not.
		return 1, ""
	}
	return 8, fmt.Sprintf("; %d of them were the caller's deadline (context.DeadlineExceeded), which is a failure: consistent with deadlines counted as ignored", dl)
}

// maxStreakScan bounds streakAtOpen's scan, in events.
const maxStreakScan = 4096

// streakAtOpen follows the closed generation's failure streak past the
// model's trip, through admission i, to the breaker's first rejection for
// an open circuit: the failures in the streak then, and how many were
// deadlines. ok is false if a success broke the streak or no such
// rejection came.
func (e *engine) streakAtOpen(i int32) (fails, deadlines int, ok bool) {
	d, trip := e.d, e.d.gens[e.m.g].at
	fails, deadlines = e.before.fails, e.before.deadlineRun
	j := int(i)
	for j > 0 && d.events[j-1].at > trip {
		j--
	}
	for end := min(len(d.events), j+maxStreakScan); j < end; j++ {
		ev := &d.events[j]
		if ev.kind == evSnapshot {
			continue
		}
		t := &d.tries[ev.try]
		switch {
		case ev.kind == evAttempt && !t.admitted && t.reason != record.RejectProbeLimit:
			return fails, deadlines, true
		case ev.kind != evResult:
		case t.outcome == record.OutcomeSuccess:
			return 0, 0, false
		case t.outcome == record.OutcomeFailure:
			fails++
			deadlines += b2i(t.deadline)
		}
	}
	return 0, 0, false
}

// stillOpen: past the recovery timeout (and the tolerance) the breaker still
// rejects as if open (I4), once per open generation.
func (e *engine) stillOpen(i int32) {
	d, ev := e.d, &e.d.events[i]
	g := &d.gens[e.m.g]
	if !e.m.flagged {
		e.m.flagged = true
		id, rule, why := e.diagnoseLateOpen(i, ev)
		e.find(id, rule, ev.lo, d.what(ev.try), "still open at %s (%s rejected), %s after opening at %s: the recovery timeout is %s (tolerance %s)%s",
			fmtNs(ev.lo), d.what(ev.try), fmtDur(ev.lo-g.at), fmtNs(g.at), fmtDur(e.cfg.RecoveryTimeoutNs), fmtDur(e.tol), why)
	}
	e.m.rejects++
	e.m.lastReject = i
	e.follow = true // the next admission is the first probe, whenever it comes
}

// diagnoseLateOpen explains a breaker still open past the recovery
// timeout: a late failure that landed while it was open restarted its timer
// (rule 6: I7).
func (e *engine) diagnoseLateOpen(i int32, ev *event) (id string, rule int, why string) {
	d := e.d
	for k := len(d.late) - 1; k >= 0 && d.late[k].landed == e.m.g; k-- {
		t := &d.tries[d.late[k].try]
		at := d.events[d.resultEv[d.late[k].try]].at
		if t.outcome == record.OutcomeFailure && ev.lo < at+e.cfg.RecoveryTimeoutNs+e.tol && e.halfOpensBy(i, at+e.cfg.RecoveryTimeoutNs) {
			return "I7", 6, fmt.Sprintf(": consistent with the late failure of %s (admitted in generation %d) at %s restarting the recovery timeout",
				d.what(d.late[k].try), t.gen, fmtNs(at))
		}
	}
	return "I4", 3, ""
}

// halfOpensBy reports whether, after attempt i, the breaker let a call
// through without rejecting any call certainly decided after due: it
// half-opened by then, as a timer restarted at due minus the recovery
// timeout would have it. A breaker that never half-opens does not.
func (e *engine) halfOpensBy(i int32, due int64) bool {
	d := e.d
	for j := int(i) + 1; j < len(d.events) && j-int(i) <= 1<<16; j++ {
		ev := &d.events[j]
		if ev.kind != evAttempt {
			continue
		}
		if d.tries[ev.try].admitted {
			return true
		}
		if ev.lo > due+e.tol {
			return false
		}
	}
	return false
}

// admittedOverLimit: half-open with every probe slot taken, the breaker let
// another call through. After a probe success it closed early (I6, or I7
// when a late success made up the count); after no probe success but a
// late one, with the limit held so far, it took the late result as a
// probe's, which freed a slot (I7); otherwise the probe limit did not hold
// (I5).
func (e *engine) admittedOverLimit(i int32) {
	d, ev := e.d, &e.d.events[i]
	st := e.cfg.SuccessThreshold
	if !e.m.overLimit && e.m.succs == 0 && e.m.lateSuccs > 0 && e.m.lateSuccs < st {
		lr := d.late[e.m.lastLateSucc]
		e.find("I7", 6, ev.lo, d.what(ev.try), "%s was admitted at %s with %d probes in flight, at most %d allowed: the late success of %s (admitted in generation %d) at %s was taken as a probe's, freeing its slot",
			d.what(ev.try), fmtNs(ev.lo), e.m.probes, e.cfg.HalfOpenMaxCalls, d.what(lr.try), d.tries[lr.try].gen, fmtNs(d.tries[lr.try].rLo))
		e.admit(i, e.m.g)
		return
	}
	if !e.m.overLimit && (e.m.succs > 0 || e.m.lateSuccs > 0) {
		id, rule, why := "I6", 5, ""
		if e.m.lateSuccs > 0 && e.m.succs+e.m.lateSuccs >= st {
			lr := d.late[e.m.lastLateSucc]
			id, rule, why = "I7", 6, fmt.Sprintf(" (and the late success of %s, admitted in generation %d)", d.what(lr.try), d.tries[lr.try].gen)
		}
		e.find(id, rule, ev.lo, d.what(ev.try), "closed after %d probe successes%s, want %d: %s was admitted at %s with %d probes in flight",
			e.m.succs, why, st, d.what(ev.try), fmtNs(ev.lo), e.m.probes)
		e.adoptClose(i)
		e.admit(i, e.m.g)
		return
	}
	e.find("I5", 4, ev.lo, d.what(ev.try), "%d probes in flight in generation %d, at most %d allowed (in flight: %s)",
		e.m.probes+1, e.m.g, e.cfg.HalfOpenMaxCalls, d.probeList(e.m.g, 6))
	e.m.overLimit = true
	e.admit(i, e.m.g)
}

// adoptClose starts the closed generation the breaker showed by admitting
// call i beyond the probe limit: it closed at the latest result, at the
// latest.
func (e *engine) adoptClose(i int32) {
	d, ev := e.d, &e.d.events[i]
	lo := ev.lo
	if e.m.lastResult >= 0 {
		lo = d.events[e.m.lastResult].lo
	}
	e.follow = false
	e.transition(record.StateClosed, min(lo, ev.hi), min(lo, ev.hi), ev.hi, fmt.Sprintf("closed after %d probe successes", e.m.succs), -1, true)
}

// rejectedWithFreeSlot: half-open with a probe slot free, the breaker
// rejected a call. After a cancelled probe that is a slot it did not give
// back (I5, rule 8); for the probe limit, a limit that counts more than the
// probes in flight (I5, rule 4); otherwise it reopened without a probe
// failure (I6, or I7 when a late failure did it).
func (e *engine) rejectedWithFreeSlot(i int32) {
	d, ev := e.d, &e.d.events[i]
	t := &d.tries[ev.try]
	lim := e.cfg.HalfOpenMaxCalls
	if e.m.cancelledProbe >= 0 && t.reason != record.RejectOpen {
		if !e.m.flagged {
			e.m.flagged = true
			cp := &d.events[e.m.cancelledProbe]
			e.find("I5", 8, ev.lo, d.what(ev.try), "%s was rejected at %s with %d of %d probe slots in use: the cancelled probe %s (at %s) did not give its slot back",
				d.what(ev.try), fmtNs(ev.lo), e.m.probes, lim, d.what(cp.try), fmtNs(cp.at))
		}
		e.m.leak = lim - e.m.probes
		e.m.rejects++
		return
	}
	if t.reason == record.RejectProbeLimit {
		// It says so: still half-open, its limit counting probes no longer
		// in flight (a limit on the probes of the period, not at once).
		if !e.m.flagged {
			e.m.flagged = true
			e.find("I5", 4, ev.lo, d.what(ev.try), "%s was rejected at %s for the probe limit with %d of %d probe slots free: the breaker counts probes that are no longer in flight",
				d.what(ev.try), fmtNs(ev.lo), lim-e.m.probes, lim)
		}
		e.m.leak = lim - e.m.probes
		e.m.rejects++
		return
	}
	id, rule, why, at := e.diagnoseReopen()
	e.find(id, rule, ev.lo, d.what(ev.try), "half-open→open without a probe failure: %s was rejected at %s with %d of %d probe slots free%s",
		d.what(ev.try), fmtNs(ev.lo), lim-e.m.probes, lim, why)
	e.adoptTrip(i, at, "reopened without a probe failure")
}

// followAttempt takes attempt i while the model follows the breaker: the
// first clear transition it shows puts the model back in charge.
func (e *engine) followAttempt(i int32) {
	d, ev := e.d, &e.d.events[i]
	t := &d.tries[ev.try]
	lim := e.cfg.HalfOpenMaxCalls
	switch e.m.state {
	case record.StateClosed:
		if !t.admitted {
			e.adoptTrip(i, -1, fmt.Sprintf("opened after %d consecutive failures", e.m.fails))
			return
		}
	case record.StateHalfOpen:
		switch {
		case t.admitted && e.m.probes+e.m.leak >= lim:
			e.adoptClose(i)
		case !t.admitted && e.m.probes+e.m.leak < lim && t.reason != record.RejectProbeLimit:
			e.adoptTrip(i, -1, "reopened")
			return
		}
	case record.StateOpen:
		if t.admitted {
			e.follow = false
			e.firstProbe(i, "probe admitted", true)
		}
	}
	if t.admitted {
		e.admit(i, e.m.g)
	} else {
		e.m.rejects++
		e.m.lastReject = i
	}
}

// inFlight counts the calls generation g admitted whose results have not
// been taken.
func (e *engine) inFlight(g int32) int {
	n := 0
	for _, ti := range e.d.gens[g].admitted {
		if ri := e.d.resultEv[ti]; ri >= 0 && !e.d.taken[ri] {
			n++
		}
	}
	return n
}

// probeList lists the probes of generation g still in flight: "seq=3, seq=4".
func (d *dep) probeList(g int32, n int) string {
	s, k := "", 0
	for _, ti := range d.gens[g].admitted {
		if ri := d.resultEv[ti]; ri < 0 || d.taken[ri] {
			continue
		}
		if k == n {
			return s + ", …"
		}
		if k > 0 {
			s += ", "
		}
		s += fmt.Sprintf("seq=%d", d.tries[ti].seq)
		k++
	}
	return s
}
