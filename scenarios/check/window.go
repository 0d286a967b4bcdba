package check

import (
	"encoding/binary"
	"slices"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// In real time the records bound each event by an interval, and events
// whose intervals overlap may have reached the breaker in any order. The
// engine takes them in the most likely order; when that order contradicts
// the model, resolve looks at the window of events around the
// contradiction and searches the orders their intervals allow for one the
// sequential NFR-6 model accepts (a linearization). If there is one, the
// breaker is not at fault and the engine goes on with it; if there is none,
// the contradiction is a violation.
//
// The window reaches back to a settled cut: a point before which every
// event ended before any event of the window began, and where the last
// event before it was itself ordered after everything earlier — so the
// model's state there did not hang on an order the records leave open.
// Ahead it takes the events that overlap the contradicting one; those may
// come first, and are placed only where an order needs them. A window with
// no settled cut in reach, or too big to search within the budget, is not
// judged, and the verdict says how many were not. The search remembers the
// states it has been in (which events are placed, and the model), so each
// is explored once, and it tries one of events that are alike to the model.

// Window and search limits.
const (
	maxWindowBack = 12    // top-level steps the window reaches back over
	maxWindowFwd  = 128   // events ahead it takes in (optional: see search)
	maxSearch     = 20000 // events tried per window
	maxMovedAhead = 3     // events ahead the quick searches move before i
)

// mark is the engine's state at one moment, to roll back to. What grows
// (generations, late results, findings, logs) is kept as lengths; the last
// two generations, which change in place, are copied.
type mark struct {
	m            counts
	follow       bool
	before       counts
	beforeOK     bool
	beforeHi     int64
	disputedFrom int64
	prevTotals   *record.Totals
	nGens        int
	tail         [2]gen
	tailAdmitted [2]int
	nLate        int
	nFindings    int
	nDisputes    int
	nAssigned    int // length of engine.assigned
	nTaken       int // length of engine.takenLog
	maxHi        int64
}

// top is a step of the main loop: where its events begin in the taken log,
// the state before it, and the latest any event taken before it ended.
type top struct {
	at       int
	k        mark
	hiBefore int64
}

func (e *engine) mark() mark {
	d := e.d
	k := mark{m: e.m, follow: e.follow, before: e.before, beforeOK: e.beforeOK, beforeHi: e.beforeHi,
		disputedFrom: e.disputedFrom, prevTotals: d.prevTotals, nGens: len(d.gens), nLate: len(d.late),
		nFindings: len(e.c.findings), nDisputes: len(d.disputes), nAssigned: len(e.assigned), nTaken: len(e.takenLog), maxHi: e.maxHi}
	for j := range 2 {
		if g := len(d.gens) - 1 - j; g >= 0 {
			k.tail[j], k.tailAdmitted[j] = d.gens[g], len(d.gens[g].admitted)
		}
	}
	return k
}

func (e *engine) rollback(k mark) {
	d := e.d
	e.m, e.follow, e.before, e.beforeOK, e.beforeHi = k.m, k.follow, k.before, k.beforeOK, k.beforeHi
	e.disputedFrom, d.prevTotals, e.maxHi = k.disputedFrom, k.prevTotals, k.maxHi
	d.gens = d.gens[:k.nGens]
	for j := range 2 {
		if g := k.nGens - 1 - j; g >= 0 {
			d.gens[g] = k.tail[j]
			d.gens[g].admitted = d.gens[g].admitted[:k.tailAdmitted[j]]
		}
	}
	d.late = d.late[:k.nLate]
	e.c.findings = e.c.findings[:k.nFindings]
	d.disputes = d.disputes[:k.nDisputes]
	for _, ti := range e.assigned[k.nAssigned:] {
		d.tries[ti].gen = -1
	}
	e.assigned = e.assigned[:k.nAssigned]
	for _, ei := range e.takenLog[k.nTaken:] {
		d.taken[ei] = false
	}
	e.takenLog = e.takenLog[:k.nTaken]
}

// saved is what happened since a mark, to put back after a rollback.
type saved struct {
	now       mark
	gens      []gen // from index since.nGens-2 (or 0) on, admitted copied
	gensFrom  int
	late      []lateResult
	findings  []finding
	disputes  [][2]int64
	assigned  []int32
	genOf     []int32
	sureOf    []bool
	taken     []int32
	sinceLate int
	sinceFind int
	sinceDisp int
	sinceAsg  int
	sinceTook int
}

func (e *engine) save(since mark) saved {
	d := e.d
	s := saved{now: e.mark(), gensFrom: max(since.nGens-2, 0),
		sinceLate: since.nLate, sinceFind: since.nFindings, sinceDisp: since.nDisputes, sinceAsg: since.nAssigned, sinceTook: since.nTaken}
	for _, g := range d.gens[s.gensFrom:] {
		g.admitted = slices.Clone(g.admitted)
		s.gens = append(s.gens, g)
	}
	s.late = slices.Clone(d.late[since.nLate:])
	s.findings = slices.Clone(e.c.findings[since.nFindings:])
	s.disputes = slices.Clone(d.disputes[since.nDisputes:])
	s.assigned = slices.Clone(e.assigned[since.nAssigned:])
	for _, ti := range s.assigned {
		s.genOf = append(s.genOf, d.tries[ti].gen)
		s.sureOf = append(s.sureOf, d.tries[ti].sure)
	}
	s.taken = slices.Clone(e.takenLog[since.nTaken:])
	return s
}

// restore puts back what s saved, after a rollback to its mark.
func (e *engine) restore(s saved) {
	d := e.d
	k := s.now
	e.m, e.follow, e.before, e.beforeOK, e.beforeHi = k.m, k.follow, k.before, k.beforeOK, k.beforeHi
	e.disputedFrom, d.prevTotals, e.maxHi = k.disputedFrom, k.prevTotals, k.maxHi
	d.gens = append(d.gens[:s.gensFrom], s.gens...)
	d.late = append(d.late[:s.sinceLate], s.late...)
	e.c.findings = append(e.c.findings[:s.sinceFind], s.findings...)
	d.disputes = append(d.disputes[:s.sinceDisp], s.disputes...)
	e.assigned = append(e.assigned[:s.sinceAsg], s.assigned...)
	for k, ti := range s.assigned {
		d.tries[ti].gen, d.tries[ti].sure = s.genOf[k], s.sureOf[k]
	}
	e.takenLog = append(e.takenLog[:s.sinceTook], s.taken...)
	for _, ei := range s.taken {
		d.taken[ei] = true
	}
}

// resolve looks for an order of the events around attempt i that the model
// accepts; see the top of this file. It returns resolved when it found one
// and took the window's events in it (i among them); undecided when the
// window could not be judged (the engine is then as before).
func (e *engine) resolve(i int32) (resolved, undecided bool) {
	d := e.d
	if e.trial || len(e.tops) < 2 || e.tol == 0 && d.maxHalfWidth == 0 {
		return false, false // sim: the order is exact
	}
	ev := &d.events[i]
	lo, hi := ev.lo, ev.hi
	// Ahead: the events that may have come before i (they overlap it).
	// Those that overlap only them certainly came after i, and cannot
	// change what the breaker had to do with it.
	var ahead []int32
	aheadAll := false
	for j := i + 1; ; j++ {
		if int(j) == len(d.events) || d.minLo[j] >= hi+e.tol {
			aheadAll = true // nothing further overlaps
			break
		}
		if len(ahead) == maxWindowFwd {
			break
		}
		if !d.taken[j] && d.events[j].lo < hi+e.tol {
			ahead = append(ahead, j)
			lo = min(lo, d.events[j].lo)
		}
	}
	first, complete := e.windowStart(i, lo, ahead)

	start := e.tops[first]
	var window []int32
	for _, j := range e.takenLog[start.at:] {
		if j != i {
			window = append(window, j)
		}
	}
	window = append(window, i)
	required := len(window)
	window = append(window, ahead...)
	complete = complete && aheadAll
	if len(window) == 1 {
		if !complete {
			e.undecidedWindow(lo, hi)
		}
		return false, !complete
	}
	now := e.save(start.k)
	e.rollback(start.k)
	// First the orders that move few events ahead of i: the usual fix, and
	// cheap. Only a complete window is worth the whole search, which alone
	// can prove that no order exists.
	var order []int32
	found, out := false, !complete
	for optional := 0; optional <= maxMovedAhead && !found; optional++ {
		order, found, _ = e.search(window, required, optional, maxSearch/8)
		e.rollback(start.k)
	}
	if !found && complete {
		order, found, out = e.search(window, required, len(window), maxSearch)
		e.rollback(start.k)
	}
	if !found {
		e.restore(now)
		if out || !complete {
			e.undecidedWindow(lo, hi)
			return false, true
		}
		return false, false
	}
	for _, j := range order {
		if !d.taken[j] {
			e.take(j)
		}
	}
	e.tops = e.tops[:first+1] // the window is one step now
	return true, false
}

// windowStart is the step the window of attempt i begins at: the latest
// settled cut (see the top of this file) before every event of the window,
// whose earliest start is lo, within maxWindowBack steps, such that every
// result in the window has its attempt in it or anchored in one
// generation. complete is false when there is none in reach.
func (e *engine) windowStart(i int32, lo int64, ahead []int32) (first int, complete bool) {
	d := e.d
	first = len(e.tops) - 1 // i's own step
	for {
		t := &e.tops[first]
		if first == 0 {
			return 0, t.at == 0 // the run's first events, unless trimmed
		}
		// The events of the steps from first on (taken so far) start the window.
		for _, j := range e.takenLog[t.at:] {
			lo = min(lo, d.events[j].lo)
		}
		if t.hiBefore+e.tol <= lo && e.settled(first-1) &&
			e.anchored(e.takenLog[t.at:], t.at) && e.anchored(ahead, t.at) {
			return first, true
		}
		if len(e.tops)-1-first == maxWindowBack {
			return first, false
		}
		first--
	}
}

// anchored reports whether each result among events has its attempt taken
// at or after position from of the taken log, or decided certainly within
// the generation that admitted it: where its result counts does not hang on
// an order outside the window.
func (e *engine) anchored(events []int32, from int) bool {
	d := e.d
	for _, j := range events {
		ev := &d.events[j]
		if ev.kind != evResult {
			continue
		}
		a := d.attemptEvent[ev.try]
		if !d.taken[a] || d.takenAt[a] >= int32(from) {
			continue
		}
		t := &d.tries[ev.try]
		g := t.gen
		if g < 0 {
			return false
		}
		if t.aLo < d.gens[g].hi+e.tol && g > 0 || int(g)+1 < len(d.gens) && t.aHi+e.tol > d.gens[g+1].lo {
			return false
		}
	}
	return true
}

// settled reports whether the events of step k certainly came after every
// event taken before it, and its results count where they were taken (see
// anchored): the model's state after it does not hang on an order the
// records leave open.
func (e *engine) settled(k int) bool {
	end := len(e.takenLog)
	if k+1 < len(e.tops) {
		end = e.tops[k+1].at
	}
	step := e.takenLog[e.tops[k].at:end]
	for _, j := range step {
		if e.d.events[j].lo < e.tops[k].hiBefore+e.tol {
			return false
		}
	}
	return e.anchored(step, e.tops[k].at)
}

// undecidedWindow notes a window that could not be judged.
func (e *engine) undecidedWindow(lo, hi int64) {
	e.d.undecided++
	span := [2]int64{lo - e.tol, hi + e.tol}
	e.d.disputes = append(e.d.disputes, span)
	e.d.unjudged = append(e.d.unjudged, span)
}

// search tries the orders of window the intervals allow, depth first, the
// given order first, until it has placed window[:required] (the events
// taken so far and i); at most optional of the events ahead of i are
// placed, only where an order needs them before i, and the rest are left
// for the main loop. It returns an order the model accepts, or found
// false; out reports that the budget (events tried) ran out first.
func (e *engine) search(window []int32, required, optional, budget int) (order []int32, found, out bool) {
	e.trial = true
	defer func() { e.trial = false }()
	placed := make([]bool, len(window))
	var seq []int32
	placedRequired, movedAhead := 0, 0
	seen := make(map[string]bool)
	var key []byte
	var dfs func() bool
	dfs = func() bool {
		if placedRequired == required {
			return true
		}
		key = e.searchKey(key[:0], window, placed)
		if seen[string(key)] {
			return false // been here by another order: it led nowhere
		}
		seen[string(key)] = true
		for k, j := range window {
			if placed[k] || k >= required && movedAhead == optional ||
				!e.placeable(window, placed, k) || e.deferred(window, placed, k) {
				continue
			}
			if budget--; budget < 0 {
				return false
			}
			m := e.mark()
			e.failed = false
			if !e.d.taken[j] {
				e.take(j)
			}
			if !e.failed {
				placed[k] = true
				seq = append(seq, j)
				placedRequired += b2i(k < required)
				movedAhead += b2i(k >= required)
				if dfs() {
					return true
				}
				placedRequired -= b2i(k < required)
				movedAhead -= b2i(k >= required)
				seq = seq[:len(seq)-1]
				placed[k] = false
			}
			e.rollback(m)
			if budget < 0 {
				return false
			}
		}
		return false
	}
	if dfs() {
		return slices.Clone(seq), true, false
	}
	return nil, false, budget < 0
}

// searchKey appends to b what decides the rest of a search from here: which
// events of window are placed, the model's state, and which calls in flight
// the current generation admitted (their results count; the others' are
// late).
func (e *engine) searchKey(b []byte, window []int32, placed []bool) []byte {
	var bits byte
	for k, p := range placed {
		if p {
			bits |= 1 << (k % 8)
		}
		if k%8 == 7 || k == len(placed)-1 {
			b, bits = append(b, bits), 0
		}
	}
	m := &e.m
	b = binary.LittleEndian.AppendUint32(b, uint32(m.g))
	b = append(b, byte(m.state), byte(m.fails), byte(m.succs), byte(m.probes), byte(m.sure), byte(m.leak))
	b = binary.LittleEndian.AppendUint64(b, uint64(m.lo))
	b = binary.LittleEndian.AppendUint64(b, uint64(m.hi))
	for k, j := range window {
		ev := &e.d.events[j]
		if ev.kind != evAttempt || !placed[k] {
			continue
		}
		t := &e.d.tries[ev.try]
		if r := e.d.resultEv[ev.try]; t.admitted && t.gen == m.g && (r < 0 || !e.d.taken[r]) {
			b = binary.LittleEndian.AppendUint32(b, uint32(k))
		}
	}
	return b
}

// deferred reports whether another unplaced event of window that is the
// same to the model as window[k] (see sameToModel) ends before it and may
// come next: trying k first would only repeat that branch. Whatever order
// the model accepts with k next, it accepts with the one that ends first
// next and k in its place, since the intervals that allow k there allow
// the earlier-ending one too.
func (e *engine) deferred(window []int32, placed []bool, k int) bool {
	a := &e.d.events[window[k]]
	for o, j := range window {
		if o == k || placed[o] {
			continue
		}
		b := &e.d.events[j]
		if (b.hi < a.hi || b.hi == a.hi && o < k) && e.sameToModel(a, b) && e.placeable(window, placed, o) {
			return true
		}
	}
	return false
}

// sameToModel reports whether events a and b change the model alike:
// rejections for one reason, or results with one outcome of calls the same
// generation admitted.
func (e *engine) sameToModel(a, b *event) bool {
	if a.kind != b.kind {
		return false
	}
	ta, tb := &e.d.tries[a.try], &e.d.tries[b.try]
	switch a.kind {
	case evAttempt:
		return !ta.admitted && !tb.admitted && ta.reason == tb.reason
	case evResult:
		return ta.outcome == tb.outcome && ta.gen >= 0 && ta.gen == tb.gen
	}
	return false
}

// placeable reports whether window[k] may come next: no unplaced event
// certainly came before it, and a result comes after its attempt.
func (e *engine) placeable(window []int32, placed []bool, k int) bool {
	d := e.d
	a := &d.events[window[k]]
	for o, j := range window {
		if placed[o] || o == k {
			continue
		}
		b := &d.events[j]
		if b.hi+e.tol <= a.lo {
			return false // b ended before a began
		}
		if a.kind == evResult && b.kind == evAttempt && b.try == a.try {
			return false
		}
	}
	return true
}
