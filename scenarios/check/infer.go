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
	// loose says the probe result that began it may have been a late one
	// (the probe was not surely the generation before's): a later probe
	// result of that generation may have begun it instead.
	loose bool
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
	sure   int          // of those, the ones certainly admitted by this generation (see anchoredIn)
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
	// placedBefore is set while an event is taken as having come before
	// the latest transition (beforeTransition).
	placedBefore bool
	// maxHi is the latest any event taken so far ended.
	maxHi int64
}

// infer runs the engine over d.
func (c *checker) infer(d *dep) {
	e := &engine{c: c, d: d, cfg: d.cfg, tol: c.tol, disputedFrom: math.MaxInt64, maxHi: math.MinInt64}
	d.gens = []gen{{state: record.StateClosed, end: c.runEnd, exact: true}}
	e.m = fresh(0, record.StateClosed, 0, 0)
	d.taken = make([]bool, len(d.events))
	d.takenAt = make([]int32, len(d.events))
	exact := e.tol == 0 && d.maxHalfWidth == 0 // sim: no window to search, no step to go back to
	for i := range d.events {
		if d.taken[i] {
			continue
		}
		if !exact {
			if len(e.tops) > 4*maxWindowBack {
				e.tops = append(e.tops[:0], e.tops[len(e.tops)-maxWindowBack-1:]...)
			}
			e.tops = append(e.tops, top{at: len(e.takenLog), k: e.mark(), hiBefore: e.maxHi})
		}
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
	e.d.takenAt[i] = int32(len(e.takenLog))
	e.takenLog = append(e.takenLog, i)
	e.maxHi = max(e.maxHi, e.d.events[i].hi)
	if trace != nil {
		trace(e, i)
	}
	ev := &e.d.events[i]
	g := e.m.g
	e.placedBefore = false
	switch ev.kind {
	case evResult:
		e.result(i)
	case evAttempt:
		e.attempt(i)
	case evSnapshot:
		e.snapshot(i)
	}
	if !e.placedBefore && ev.kind == evAttempt {
		e.bound(g, ev)
	}
}

// bound notes that generation g began by the end of attempt ev at the
// latest, if the state before it could not have decided ev as the breaker
// did: a rejection after closed, an admission after open.
func (e *engine) bound(g int32, ev *event) {
	if g == 0 || int(g) >= len(e.d.gens) {
		return // the first generation, or one the event undid
	}
	gg, hi := &e.d.gens[g], ev.hi
	prev, admitted := e.d.gens[g-1].state, e.d.tries[ev.try].admitted
	if admitted && prev != record.StateOpen || !admitted && prev != record.StateClosed || hi >= gg.hi || hi < gg.lo {
		return
	}
	gg.hi, gg.at = hi, min(gg.at, hi)
	gg.exact = gg.hi-gg.lo <= e.tol
	if e.m.g == g {
		e.m.hi = hi
	}
	if e.before.g == g {
		e.before.hi = hi
	}
}

// predict is what the model in state m expects of attempt ev.
func (e *engine) predict(m counts, ev *event) decision {
	switch m.state {
	case record.StateClosed:
		return mustAdmit
	case record.StateHalfOpen:
		switch {
		case m.probes+m.leak < e.cfg.HalfOpenMaxCalls:
			return mustAdmit
		case m.sure+m.leak >= e.cfg.HalfOpenMaxCalls:
			return mustReject
		}
		return either // a probe in flight may have been the generation before's call
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
	if e.earlierGen(i) {
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
		if t.sure = e.anchoredIn(ev.try, g); t.sure {
			e.m.sure++
		}
		gg.peak = max(gg.peak, e.m.sure)
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
			e.transition(record.StateOpen, ev.at, e.earliestCause(i), ev.hi, fmt.Sprintf("%d consecutive failures", e.m.fails), i, false)
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
	if t.sure {
		e.m.sure--
	}
	switch t.outcome {
	case record.OutcomeSuccess:
		e.m.succs++
		if e.m.succs == e.cfg.SuccessThreshold && !e.follow {
			e.transition(record.StateClosed, ev.at, e.earliestCause(i), ev.hi, fmt.Sprintf("%d consecutive probe successes", e.m.succs), i, false)
			e.d.gens[e.m.g].loose = !t.sure
		}
	case record.OutcomeFailure:
		if !e.follow {
			e.transition(record.StateOpen, ev.at, e.earliestProbeFailure(e.earliestCause(i)), ev.hi, "probe failed", i, false)
			e.d.gens[e.m.g].loose = !t.sure
		}
	case record.OutcomeIgnored:
		e.m.cancelledProbe = i
	}
}

// maxCauseScan bounds earliestCause's scans, in events.
const maxCauseScan = 4096

// earliestCause is the earliest moment the transition that result i
// triggers can have come: another result of the generation with the same
// outcome whose interval overlaps i's may have reached the breaker first
// and been the one that triggered it.
func (e *engine) earliestCause(i int32) int64 {
	d, ev := e.d, &e.d.events[i]
	out := d.tries[ev.try].outcome
	lo := ev.lo
	same := func(j int) bool {
		o := &d.events[j]
		if o.kind != evResult { // a snapshot's try indexes the snapshots
			return false
		}
		t := &d.tries[o.try]
		return t.gen == e.m.g && t.outcome == out && o.hi+e.tol > ev.lo && o.lo < ev.hi+e.tol
	}
	for j := int(i) - 1; j >= 0 && int(i)-j <= maxCauseScan; j-- {
		if same(j) {
			lo = min(lo, d.events[j].lo)
		}
	}
	// Ahead, as far as an event can overlap i: a result whose interval is
	// long (its goroutine was descheduled) sorts far after i.
	for j := int(i) + 1; j < len(d.events) && d.minLo[j] < ev.hi+e.tol && j-int(i) <= maxCauseScan; j++ {
		if same(j) && !d.taken[j] {
			lo = min(lo, d.events[j].lo)
		}
	}
	return lo
}

// earliestProbeFailure lowers lo, the earliest moment a probe failure can
// have reopened the current half-open generation, to the earliest failure
// taken for a late result in it whose call may have been one of its probes
// (admitted after it may have begun): which of two stalled calls was the
// probe, the records cannot always tell.
func (e *engine) earliestProbeFailure(lo int64) int64 {
	d := e.d
	start := d.gens[e.m.g].lo
	for k := len(d.late) - 1; k >= 0 && d.late[k].landed == e.m.g; k-- {
		t := &d.tries[d.late[k].try]
		if t.outcome == record.OutcomeFailure && t.aHi+e.tol >= start {
			lo = min(lo, d.events[d.resultEv[d.late[k].try]].lo)
		}
	}
	return lo
}

// lastOutcome is the outcome of m's latest result: what ended its
// generation.
func (m *counts) lastOutcome(d *dep) record.Outcome {
	if m.lastResult < 0 {
		return 0
	}
	return d.tries[d.events[m.lastResult].try].outcome
}

// lateResult notes a result from an earlier generation: it must change
// nothing, and if the breaker counted it, it explains what comes next.
func (e *engine) lateResult(ti int32) {
	d := e.d
	d.late = append(d.late, lateResult{try: ti, landed: e.m.g})
	if g := &d.gens[e.m.g]; g.loose && d.tries[ti].gen == e.m.g-1 && d.tries[ti].outcome == e.before.lastOutcome(d) {
		// The probe whose result ended the half-open generation may have
		// been a call of the one before it; then this one's did.
		hi := d.events[d.resultEv[ti]].hi
		g.hi, e.m.hi = max(g.hi, hi), max(e.m.hi, hi)
	}
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
			e.m.sure += b2i(d.tries[ti].sure)
		}
	}
}

// anchoredIn reports whether try ti can only have been admitted by
// generation g: its attempt's interval reaches back into no earlier
// generation that admitted calls (none but open ones).
func (e *engine) anchoredIn(ti, g int32) bool {
	d, t := e.d, &e.d.tries[ti]
	for k := g - 1; k >= 0 && t.aLo < d.gens[k+1].hi+e.tol; k-- {
		if d.gens[k].state != record.StateOpen {
			return false
		}
	}
	return true
}

// earlierGen reports whether attempt i, which the current generation
// cannot explain, was decided by an earlier one its interval reaches back
// into (a call whose goroutine waited long before or after the breaker's
// decision): a rejection while that one was open (or half-open, for the
// probe limit), an admission while it was closed (its result will be late). It then takes i that way; neither
// changes the current generation.
func (e *engine) earlierGen(i int32) bool {
	d, ev := e.d, &e.d.events[i]
	t := &d.tries[ev.try]
	if e.m.g == 0 || e.trial || t.admitted && t.reason != "" {
		return false
	}
	fits := func(st record.State) bool {
		if t.admitted {
			return st == record.StateClosed
		}
		return st == record.StateOpen || st == record.StateHalfOpen && t.reason != record.RejectOpen
	}
	for g := e.m.g - 1; g >= 0 && d.gens[g+1].hi+e.tol > ev.lo; g-- {
		if !fits(d.gens[g].state) || d.gens[g].adopted || d.gens[g].lo >= ev.hi+e.tol {
			continue
		}
		e.placedBefore = true
		if t.admitted {
			e.admit(i, g)
		}
		return true
	}
	return false
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
	e.placedBefore = true
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
				m.probes, m.sure = 1, 1
			case record.StateHalfOpen:
				m.probes++
				m.sure++
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
			m.sure = min(m.sure, m.probes)
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
