package check

import (
	"slices"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// In real time the records bound each event by an interval, and events
// whose intervals overlap may have reached the breaker in any order. The
// engine takes them in the most likely order; when that order contradicts
// the model, resolve looks at the small window of events around the
// contradiction and searches the orders their intervals allow for one the
// sequential NFR-6 model accepts (a linearization). If there is one, the
// breaker is not at fault and the engine goes on with it; if there is none,
// the contradiction is a violation. A window too big to search within the
// budget is not judged, and the verdict says how many were not.

// Window and search limits.
const (
	maxWindowBack = 12   // top-level steps the window reaches back over
	maxWindowFwd  = 12   // events ahead it takes in
	maxSearch     = 4000 // events tried per window
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
}

// top is a step of the main loop: where its events begin in the taken log,
// and the state before it.
type top struct {
	at int
	k  mark
}

func (e *engine) mark() mark {
	d := e.d
	k := mark{m: e.m, follow: e.follow, before: e.before, beforeOK: e.beforeOK, beforeHi: e.beforeHi,
		disputedFrom: e.disputedFrom, prevTotals: d.prevTotals, nGens: len(d.gens), nLate: len(d.late),
		nFindings: len(e.c.findings), nDisputes: len(d.disputes), nAssigned: len(e.assigned), nTaken: len(e.takenLog)}
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
	e.disputedFrom, d.prevTotals = k.disputedFrom, k.prevTotals
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
	}
	s.taken = slices.Clone(e.takenLog[since.nTaken:])
	return s
}

// restore puts back what s saved, after a rollback to its mark.
func (e *engine) restore(s saved) {
	d := e.d
	k := s.now
	e.m, e.follow, e.before, e.beforeOK, e.beforeHi = k.m, k.follow, k.before, k.beforeOK, k.beforeHi
	e.disputedFrom, d.prevTotals = k.disputedFrom, k.prevTotals
	d.gens = append(d.gens[:s.gensFrom], s.gens...)
	d.late = append(d.late[:s.sinceLate], s.late...)
	e.c.findings = append(e.c.findings[:s.sinceFind], s.findings...)
	d.disputes = append(d.disputes[:s.sinceDisp], s.disputes...)
	e.assigned = append(e.assigned[:s.sinceAsg], s.assigned...)
	for k, ti := range s.assigned {
		d.tries[ti].gen = s.genOf[k]
	}
	e.takenLog = append(e.takenLog[:s.sinceTook], s.taken...)
	for _, ei := range s.taken {
		d.taken[ei] = true
	}
}

// resolve looks for an order of the events around attempt i that the model
// accepts; see the top of this file. It returns resolved when it found one
// and took the window's events in it (i among them); undecided when the
// window was too big to search (the engine is then as before).
func (e *engine) resolve(i int32) (resolved, undecided bool) {
	d := e.d
	if e.trial || len(e.tops) < 2 || e.tol == 0 && d.maxHalfWidth == 0 {
		return false, false // sim: the order is exact
	}
	ev := &d.events[i]
	lo, hi := ev.lo, ev.hi
	// Back over the previous steps while their events overlap the window.
	// The window is complete when it holds every event that overlaps it;
	// only then does finding no order prove a violation.
	complete := false
	first := len(e.tops) - 1 // i's own step
	for first > 0 && len(e.tops)-1-first < maxWindowBack {
		p := &d.events[e.takenLog[e.tops[first-1].at]]
		if p.hi+e.tol <= lo {
			complete = true
			break
		}
		first--
		lo = min(lo, p.lo)
	}
	if first == 0 {
		complete = true // the run's first events
	}
	start := e.tops[first]
	var window []int32
	for _, j := range e.takenLog[start.at:] {
		if j != i {
			window = append(window, j)
		}
	}
	window = append(window, i)
	// Ahead: the events that may have come before i (they overlap it).
	// Those that overlap only them certainly came after i, and cannot
	// change what the breaker had to do with it.
	ahead := false
	for j := i + 1; ; j++ {
		if int(j) == len(d.events) || d.minLo[j] >= hi+e.tol {
			ahead = true // nothing further overlaps
			break
		}
		if len(window) == 2*maxWindowBack+maxWindowFwd {
			break
		}
		if !d.taken[j] && d.events[j].lo < hi+e.tol {
			window = append(window, j)
		}
	}
	complete = complete && ahead
	if len(window) == 1 {
		if !complete {
			d.undecided++
			d.disputes = append(d.disputes, [2]int64{lo - e.tol, hi + e.tol})
		}
		return false, !complete
	}
	now := e.save(start.k)
	e.rollback(start.k)
	order, found, out := e.search(window)
	e.rollback(start.k)
	if !found {
		e.restore(now)
		if out || !complete {
			d.undecided++
			d.disputes = append(d.disputes, [2]int64{lo - e.tol, hi + e.tol})
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

// search tries the orders of window the intervals allow, depth first, the
// given order first. It returns an order the model accepts, or found
// false; out reports that the budget ran out first.
func (e *engine) search(window []int32) (order []int32, found, out bool) {
	e.trial = true
	defer func() { e.trial = false }()
	budget := maxSearch
	placed := make([]bool, len(window))
	var seq []int32
	var dfs func() bool
	dfs = func() bool {
		if len(seq) == len(window) {
			return true
		}
		for k, j := range window {
			if placed[k] || !e.placeable(window, placed, k) {
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
				if dfs() {
					return true
				}
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
