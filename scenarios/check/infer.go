package check

import (
	"fmt"
	"math"
	"slices"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// The inference replays the sequential NFR-6 model over what a breaker did,
// one dependency at a time, in the order of its events (tries.go). The model
// says what the breaker must do with each attempt — admit it or reject it —
// and the record says what it did. Where they agree, the model's
// transitions are the breaker's. Where they disagree, the engine first asks
// whether the events could have reached the breaker in another order: two
// events whose intervals overlap (by more than the tolerance) are not
// ordered by the records, so either order is allowed. Only a disagreement
// no such order explains is a violation; the engine then names the rule the
// evidence says was broken, adopts what the breaker did (a trip, a probe, a
// close) and goes on, so one bug is reported once per episode and not at
// every later call.

// gen is one inferred generation: a stretch of the breaker in one state.
type gen struct {
	state  record.State
	at     int64 // when it began: the best estimate (0 for the initial one)
	lo, hi int64 // the bounds the records put on when it began
	end    int64 // when it ended: the next generation's at, or the run's end
	reason string
	// adopted is set for a generation the engine adopted from what the
	// breaker did after a violation, rather than one the model foresaw.
	adopted bool
	// exact says the records pin when it began to within the tolerance.
	exact bool
	// peak is the most probes in flight at once (half-open).
	peak int
	// admitted are the tries it admitted, in event order.
	admitted []int32
	// succs and fails are the probe successes (half-open) or the
	// consecutive failures (closed) counted when it ended.
	succs, fails int
}

// counts is the model's state: what decides the next attempt, and what the
// current generation has seen so far (to explain a violation).
type counts struct {
	g      int32        // the current generation (index in dep.gens)
	state  record.State // its state
	fails  int          // consecutive failures (closed)
	succs  int          // consecutive probe successes (half-open)
	probes int          // probes in flight (half-open)
	leak   int          // probe slots the breaker keeps beyond those (a leak it showed)
	lo, hi int64        // when the current generation began

	// rejects counts its rejections. flagged says it already has its one
	// violation of a kind that would otherwise repeat at every call (a late
	// half-open, a leaked probe slot); overLimit that it admitted more
	// probes than allowed before any success (I5).
	rejects   int
	flagged   bool
	overLimit bool
	// inFlight and peak count a closed generation's own calls in flight,
	// now and at most: a breaker that had more in flight than the probe
	// limit was closed, not half-open.
	inFlight, peak int
	// lastAdmit, lastReject and lastResult are the events of its latest
	// admission, rejection (not for the probe limit) and result (-1: none).
	lastAdmit, lastReject, lastResult int32

	// For the diagnoses (mismatch.go): in a closed generation, failures
	// since it began (failsInGen), and since the latest success the
	// cancelled calls (ignoredRun), the caller's own deadlines among the
	// failures (deadlineRun) and late failures (lateFails); in a half-open
	// one, late failures (lateFailsHalf) and successes (lateSuccs), and the
	// latest cancelled probe's result event (cancelledProbe, -1 if none).
	failsInGen, ignoredRun, deadlineRun, lateFails int
	lateFailsHalf, lateSuccs                       int
	lastLateFail, lastLateSucc                     int // index in dep.late
	cancelledProbe                                 int32

	// The streak bounds of a closed generation in real time, where results
	// whose intervals overlap may have reached the breaker in either order:
	// the latest a success can have come is after every success's earliest
	// moment (sLo), so the failures that can all follow every success are
	// those ending after it (fHi: their ends); the earliest the last
	// success can have come is sHi, so the failures that must follow it
	// start after it (fLo: their starts). len(fHi) ≥ fails ≥ len(fLo).
	sLo, sHi int64
	fHi, fLo []int64
}

// fresh is the model at the start of a generation.
func fresh(g int32, state record.State, lo, hi int64) counts {
	return counts{g: g, state: state, lo: lo, hi: hi, lastAdmit: -1, lastReject: -1, lastResult: -1, cancelledProbe: -1,
		sLo: math.MinInt64, sHi: math.MinInt64}
}

// streakBounds notes a closed generation's result ev in the streak bounds.
func (m *counts) streakBounds(ev *event, o record.Outcome) {
	switch o {
	case record.OutcomeFailure:
		if ev.hi > m.sLo {
			m.fHi = append(m.fHi, ev.hi)
		}
		if ev.lo > m.sHi {
			m.fLo = append(m.fLo, ev.lo)
		}
	case record.OutcomeSuccess:
		m.sLo, m.sHi = max(m.sLo, ev.lo), max(m.sHi, ev.hi)
		m.fHi = slices.DeleteFunc(slices.Clone(m.fHi), func(h int64) bool { return h <= m.sLo })
		m.fLo = slices.DeleteFunc(slices.Clone(m.fLo), func(l int64) bool { return l <= m.sHi })
	}
}

// decision is what the model expects of an attempt.
type decision uint8

const (
	mustAdmit decision = iota
	mustReject
	either // at the recovery timeout, within the tolerance
)

// engine infers one dependency's generations.
type engine struct {
	c   *checker
	d   *dep
	cfg record.BreakerConfig
	tol int64
	m   counts
	// follow is set after a violation the engine could not resynchronise
	// on exactly: until the breaker shows a clear transition, the model
	// follows what it does and predicts nothing.
	follow bool
	// before is the model before the latest transition, and beforeHi when
	// the event that caused it happened at the latest: an event that
	// overlaps it may have reached the breaker first.
	before   counts
	beforeOK bool
	beforeHi int64
	// disputedFrom is where the stretch of following began (see mismatch).
	disputedFrom int64

	// For resolve (window.go): the events taken and the tries given a
	// generation, in order, and the recent steps of the main loop; trial
	// is set while it tries an order, and failed when an attempt of it
	// contradicted the model.
	takenLog, assigned []int32
	tops               []top
	trial, failed      bool
	// silent silences find: for a contradiction too tangled to judge.
	silent bool
}

// infer runs the engine over d.
func (c *checker) infer(d *dep) {
	e := &engine{c: c, d: d, cfg: d.cfg, tol: c.tol, disputedFrom: math.MaxInt64}
	d.gens = []gen{{state: record.StateClosed, end: c.runEnd, exact: true}}
	e.m = fresh(0, record.StateClosed, 0, 0)
	d.taken = make([]bool, len(d.events))
	for i := range d.events {
		if d.taken[i] {
			continue
		}
		if len(e.tops) > 4*maxWindowBack {
			e.tops = append(e.tops[:0], e.tops[len(e.tops)-maxWindowBack-1:]...)
		}
		e.tops = append(e.tops, top{at: len(e.takenLog), k: e.mark()})
		e.take(int32(i))
	}
	if g := &d.gens[e.m.g]; g.state == record.StateOpen && !e.follow && c.runEnd >= g.hi+e.cfg.RecoveryTimeoutNs {
		// No call came to show it, but the run went on past the recovery
		// timeout: by the rules the breaker was half-open then.
		rt := e.cfg.RecoveryTimeoutNs
		lo := g.lo + rt
		if e.m.lastReject >= 0 {
			lo = max(lo, d.events[e.m.lastReject].lo)
		}
		e.transition(record.StateHalfOpen, g.at+rt, min(lo, g.at+rt), g.hi+rt, "recovery timeout elapsed", -1, false)
	}
	if e.disputedFrom != math.MaxInt64 {
		d.disputes = append(d.disputes, [2]int64{e.disputedFrom - e.tol, c.runEnd})
	}
	for i := range d.gens {
		if i+1 < len(d.gens) {
			d.gens[i].end = d.gens[i+1].at
		}
	}
	last := &d.gens[len(d.gens)-1]
	last.succs, last.fails = e.m.succs, e.m.fails
}

// trace, when set (by a test), sees each event as the engine takes it.
var trace func(e *engine, i int32)

// take processes event i in its turn.
func (e *engine) take(i int32) {
	e.d.taken[i] = true
	e.takenLog = append(e.takenLog, i)
	if trace != nil {
		trace(e, i)
	}
	ev := &e.d.events[i]
	switch ev.kind {
	case evResult:
		e.result(i)
	case evAttempt:
		e.attempt(i)
	case evSnapshot:
		e.snapshot(i)
	}
}

// predict is what the model in state m expects of attempt ev.
func (e *engine) predict(m counts, ev *event) decision {
	switch m.state {
	case record.StateClosed:
		return mustAdmit
	case record.StateHalfOpen:
		if m.probes+m.leak < e.cfg.HalfOpenMaxCalls {
			return mustAdmit
		}
		return mustReject
	}
	rt := e.cfg.RecoveryTimeoutNs
	switch {
	case ev.hi < m.lo+rt-e.tol:
		return mustReject
	case ev.lo > m.hi+rt+e.tol:
		if e.cfg.HalfOpenMaxCalls > 0 {
			return mustAdmit // the first probe
		}
		return mustReject
	}
	return either
}

// agrees reports whether the breaker's choice for try t fits decision p.
func agrees(p decision, t *try) bool {
	return p == either || (p == mustAdmit) == t.admitted
}

// attempt judges one admission or rejection.
func (e *engine) attempt(i int32) {
	ev := &e.d.events[i]
	t := &e.d.tries[ev.try]
	if e.follow {
		e.followAttempt(i)
		return
	}
	p := e.predict(e.m, ev)
	if agrees(p, t) {
		e.apply(i)
		return
	}
	if e.trial {
		e.failed = true
		return
	}
	switch resolved, undecided := e.resolve(i); {
	case resolved:
	case e.beforeTransition(i):
	case e.afterOverlapping(i):
		e.apply(i)
	case undecided:
		e.silent = true // too many orders to judge: adopt what it did, report nothing
		e.mismatch(i, p)
		e.silent = false
	default:
		e.mismatch(i, p)
	}
}

// apply takes attempt i as the model in its current state allows it.
func (e *engine) apply(i int32) {
	ev := &e.d.events[i]
	t := &e.d.tries[ev.try]
	if !t.admitted {
		if e.m.rejects == 0 && e.m.state == record.StateOpen && e.m.g > 0 {
			e.laterTrip(ev)
		}
		e.m.rejects++
		if t.reason != record.RejectProbeLimit {
			e.m.lastReject = i // a probe-limit rejection says it was already half-open
		}
		return
	}
	if e.m.state == record.StateOpen {
		e.firstProbe(i, "recovery timeout elapsed", false)
	}
	e.admit(i, e.m.g)
}

// laterTrip widens when the current open generation began, at its first
// rejection ev: a failure of the generation before that may have reached
// the breaker before ev (their intervals overlap) may have been the one
// that opened it (a breaker that counts one failure more), so the open
// period, for the recovery timeout, may have begun as late as that.
func (e *engine) laterTrip(ev *event) {
	d, prev := e.d, e.m.g-1
	hi := int64(math.MinInt64)
	note := func(ti int32) {
		t := &d.tries[ti]
		if r := d.resultEv[ti]; t.gen == prev && t.outcome == record.OutcomeFailure && r >= 0 && d.events[r].lo < ev.hi+e.tol {
			hi = max(hi, min(d.events[r].hi, ev.hi))
		}
	}
	for k := len(d.late) - 1; k >= 0 && d.late[k].landed == e.m.g; k-- {
		note(d.late[k].try)
	}
	for _, ti := range d.gens[prev].admitted {
		if r := d.resultEv[ti]; r >= 0 && !d.taken[r] {
			note(ti)
		}
	}
	if g := &d.gens[e.m.g]; hi > g.hi {
		g.hi, e.m.hi = hi, hi
	}
}

// firstProbe starts the half-open generation that admission i shows: the
// breaker half-opened after its latest rejection and by this admission —
// at the recovery timeout, if that lies in between.
func (e *engine) firstProbe(i int32, reason string, adopted bool) {
	ev := &e.d.events[i]
	g := &e.d.gens[e.m.g]
	lo := g.lo
	if e.m.lastReject >= 0 {
		lo = max(lo, e.d.events[e.m.lastReject].lo)
	}
	lo = min(lo, ev.hi)
	at := min(max(g.at+e.cfg.RecoveryTimeoutNs, lo), ev.hi)
	e.transition(record.StateHalfOpen, at, lo, ev.hi, reason, -1, adopted)
}

// admit records try ev.try as admitted by generation g.
func (e *engine) admit(i int32, g int32) {
	ev := &e.d.events[i]
	t := &e.d.tries[ev.try]
	t.gen = g
	e.assigned = append(e.assigned, ev.try)
	gg := &e.d.gens[g]
	gg.admitted = append(gg.admitted, ev.try)
	if g != e.m.g {
		return // admitted by the generation before the latest transition
	}
	e.m.lastAdmit = i
	switch e.m.state {
	case record.StateHalfOpen:
		e.m.probes++
		gg.peak = max(gg.peak, e.m.probes)
	case record.StateClosed:
		e.m.inFlight++
		e.m.peak = max(e.m.peak, e.m.inFlight)
	}
}

// result takes an admitted call's result in.
func (e *engine) result(i int32) {
	ev := &e.d.events[i]
	t := &e.d.tries[ev.try]
	if t.gen < 0 && !e.d.taken[e.d.attemptEvent[ev.try]] {
		// Its attempt is still ahead (a call that took no time): take it
		// first.
		e.take(e.d.attemptEvent[ev.try])
	}
	if t.gen != e.m.g {
		e.lateResult(ev.try)
		return
	}
	e.m.lastResult = i
	switch e.m.state {
	case record.StateClosed:
		e.closedResult(i, t)
	case record.StateHalfOpen:
		e.probeResult(i, t)
	}
}

// closedResult counts a result of the closed generation.
func (e *engine) closedResult(i int32, t *try) {
	ev := &e.d.events[i]
	e.m.inFlight--
	e.m.streakBounds(ev, t.outcome)
	switch t.outcome {
	case record.OutcomeFailure:
		e.m.fails++
		e.m.failsInGen++
		if t.deadline {
			e.m.deadlineRun++
		}
		if e.m.fails == e.cfg.FailureThreshold && !e.follow {
			e.transition(record.StateOpen, ev.at, ev.lo, ev.hi, fmt.Sprintf("%d consecutive failures", e.m.fails), i, false)
		}
	case record.OutcomeSuccess:
		e.m.fails, e.m.ignoredRun, e.m.deadlineRun, e.m.lateFails = 0, 0, 0, 0
	case record.OutcomeIgnored:
		e.m.ignoredRun++
	}
}

// probeResult counts a probe's result.
func (e *engine) probeResult(i int32, t *try) {
	ev := &e.d.events[i]
	e.m.probes--
	switch t.outcome {
	case record.OutcomeSuccess:
		e.m.succs++
		if e.m.succs == e.cfg.SuccessThreshold && !e.follow {
			e.transition(record.StateClosed, ev.at, ev.lo, ev.hi, fmt.Sprintf("%d consecutive probe successes", e.m.succs), i, false)
		}
	case record.OutcomeFailure:
		if !e.follow {
			e.transition(record.StateOpen, ev.at, ev.lo, ev.hi, "probe failed", i, false)
		}
	case record.OutcomeIgnored:
		e.m.cancelledProbe = i
	}
}

// lateResult notes a result from an earlier generation: it must change
// nothing, and if the breaker counted it, it explains what comes next.
func (e *engine) lateResult(ti int32) {
	d := e.d
	d.late = append(d.late, lateResult{try: ti, landed: e.m.g})
	switch t := &d.tries[ti]; {
	case t.outcome == record.OutcomeFailure && e.m.state == record.StateClosed:
		e.m.lateFails++
		e.m.lastLateFail = len(d.late) - 1
	case t.outcome == record.OutcomeFailure && e.m.state == record.StateHalfOpen:
		e.m.lateFailsHalf++
		e.m.lastLateFail = len(d.late) - 1
	case t.outcome == record.OutcomeSuccess && e.m.state == record.StateHalfOpen:
		e.m.lateSuccs++
		e.m.lastLateSucc = len(d.late) - 1
	}
}

// transition starts a new generation in state to. cause is the event that
// triggered it (-1: none, e.g. the recovery timeout).
func (e *engine) transition(to record.State, at, lo, hi int64, reason string, cause int32, adopted bool) {
	d := e.d
	if !e.follow && e.disputedFrom != math.MaxInt64 {
		// The engine stopped following at this transition: the disputed
		// stretch ends here.
		d.disputes = append(d.disputes, [2]int64{e.disputedFrom - e.tol, hi + e.tol})
		e.disputedFrom = math.MaxInt64
	}
	old := &d.gens[e.m.g]
	old.succs, old.fails = e.m.succs, e.m.fails
	e.before, e.beforeOK = e.m, true
	e.beforeHi = hi
	if cause >= 0 {
		e.beforeHi = d.events[cause].hi
	}
	d.gens = append(d.gens, gen{state: to, at: at, lo: lo, hi: hi, end: e.c.runEnd, reason: reason, adopted: adopted,
		exact: hi-lo <= e.tol})
	e.m = fresh(int32(len(d.gens)-1), to, lo, hi)
}

// undo drops the latest generation: the breaker did not make that
// transition. The model goes back to the state before it.
func (e *engine) undo() {
	d := e.d
	dropped := d.gens[len(d.gens)-1]
	d.gens = d.gens[:len(d.gens)-1]
	e.m = e.before
	e.beforeOK = false
	for _, ti := range dropped.admitted {
		d.tries[ti].gen = e.m.g
		e.assigned = append(e.assigned, ti)
		d.gens[e.m.g].admitted = append(d.gens[e.m.g].admitted, ti)
		if ri := d.resultEv[ti]; e.m.state == record.StateHalfOpen && (ri < 0 || !d.taken[ri]) {
			e.m.probes++
		}
	}
}

// maxAhead bounds how many events after an attempt the engine tries to
// move before it.
const maxAhead = 64

// beforeTransition reports whether attempt i fits the model as it was
// before the latest transition, and overlaps the event that caused it: it
// may have reached the breaker first. It then takes i that way: a
// rejection changes nothing, an admission belongs to the generation before
// (its result will be late).
func (e *engine) beforeTransition(i int32) bool {
	ev := &e.d.events[i]
	t := &e.d.tries[ev.try]
	// Strictly overlapping: in sim, events at one instant are in order.
	if !e.beforeOK || ev.lo >= e.beforeHi+e.tol || !agrees(e.predict(e.before, ev), t) {
		return false
	}
	if t.admitted && e.before.state == record.StateOpen {
		return false // a probe admitted by the open generation would be this half-open one's
	}
	if t.admitted {
		e.admit(i, e.before.g)
		// The transition came after this call was decided: it may have
		// been later than its cause's interval says (a breaker that counts
		// one failure more opens at the next one), so the new generation
		// began by the end of this admission at the latest.
		g := &e.d.gens[e.m.g]
		g.hi = max(g.hi, ev.hi)
		e.m.hi = g.hi
	}
	return true
}

// afterOverlapping reports whether attempt i fits the model once some of
// the events after it that overlap it are taken first, and if so takes
// them: the breaker may have seen them first.
func (e *engine) afterOverlapping(i int32) bool {
	ev := &e.d.events[i]
	t := &e.d.tries[ev.try]
	var ahead []int32
	for j := i + 1; int(j) < len(e.d.events) && len(ahead) < maxAhead; j++ {
		if e.d.minLo[j] >= ev.hi+e.tol { // strictly: in sim, events at one instant are in order
			break
		}
		next := &e.d.events[j]
		if next.lo < ev.hi+e.tol && !e.d.taken[j] && next.kind != evSnapshot {
			ahead = append(ahead, j)
		}
	}
	m := e.m
	for n, j := range ahead {
		var ok bool
		if m, ok = e.step(m, j); !ok {
			return false
		}
		if agrees(e.predict(m, ev), t) {
			for _, k := range ahead[:n+1] {
				if !e.d.taken[k] {
					e.take(k)
				}
			}
			return !e.follow && agrees(e.predict(e.m, ev), t)
		}
	}
	return false
}

// virtualGen marks a generation the lookahead of afterOverlapping imagines.
const virtualGen = -2

// step is the model after event j, from m, without changing anything; ok
// is false if j does not fit m (or cannot be judged from m).
func (e *engine) step(m counts, j int32) (counts, bool) {
	ev := &e.d.events[j]
	t := &e.d.tries[ev.try]
	switch ev.kind {
	case evAttempt:
		if !agrees(e.predict(m, ev), t) {
			return m, false
		}
		if t.admitted {
			switch m.state {
			case record.StateOpen:
				m = fresh(virtualGen, record.StateHalfOpen, ev.lo, ev.hi)
				m.probes = 1
			case record.StateHalfOpen:
				m.probes++
			}
		}
	case evResult:
		if t.gen < 0 {
			return m, false // its attempt is not taken yet
		}
		if t.gen != m.g {
			return m, true // late: changes nothing
		}
		open := fresh(virtualGen, record.StateOpen, ev.lo, ev.hi)
		switch m.state {
		case record.StateClosed:
			switch t.outcome {
			case record.OutcomeFailure:
				if m.fails++; m.fails == e.cfg.FailureThreshold {
					m = open
				}
			case record.OutcomeSuccess:
				m.fails = 0
			}
		case record.StateHalfOpen:
			m.probes--
			switch t.outcome {
			case record.OutcomeSuccess:
				if m.succs++; m.succs == e.cfg.SuccessThreshold {
					m = fresh(virtualGen, record.StateClosed, ev.lo, ev.hi)
				}
			case record.OutcomeFailure:
				m = open
			}
		}
	}
	return m, true
}
