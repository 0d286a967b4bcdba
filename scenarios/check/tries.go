package check

import (
	"cmp"
	"math"
	"slices"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// A try is one call through a breaker as seen from outside it: the attempt
// (admitted or rejected) and, for an admitted call, its result. The times
// bound what the breaker did: it decided somewhere in [aLo, aHi] and took
// the result in somewhere in [rLo, rHi]. In sim mode the bounds meet.
type try struct {
	call     int32 // index in Run.Calls; -1 when only the dependency saw it
	req      int32 // index in Run.DepRequests; -1 when none is known
	seq      uint64
	admitted bool
	reason   string         // a rejection's reason, when the breaker gave one
	outcome  record.Outcome // an admitted call's result by the rules; 0 when it has none (cut short)
	deadline bool           // the failure was the caller's own deadline
	aLo, aHi int64
	rLo, rHi int64
	gen      int32 // the inferred generation that admitted it; -1 for a rejection
	sure     bool  // a probe certainly admitted by gen (anchoredIn)
}

// The kinds of event, in the order they take at one instant: a result
// reaches the breaker before a new call is decided, as in the simulation.
type evKind uint8

const (
	evResult evKind = iota
	evSnapshot
	evAttempt
)

// An event is one step of a try (or a snapshot of the breaker's report),
// with the interval in which it happened and the most likely moment.
type event struct {
	kind   evKind
	lo, hi int64
	at     int64
	try    int32 // index in dep.tries; for evSnapshot, index in Run.Snapshots
}

// inProcessTries builds d's tries from calls.bin: the client and the
// breaker share a process (sim, live, stress), so every call says whether it
// ran and what it returned.
func (d *dep) inProcessTries() {
	calls := d.run.Calls
	d.tries = make([]try, 0, len(d.calls))
	for _, ci := range d.calls {
		c := &calls[ci]
		t := try{call: ci, req: -1, seq: c.Seq, aLo: c.StartNs, gen: -1}
		if c.Outcome == record.OutcomeRejected {
			t.aHi, t.reason = c.EndNs, c.Reject
		} else {
			t.admitted, t.outcome = true, c.Outcome
			t.aHi, t.rLo, t.rHi = c.AdmitAt(), c.DoneAt(), c.EndNs
			t.deadline = isDeadline(c)
		}
		d.tries = append(d.tries, t)
	}
}

// buildEvents lists d's events in the order the breaker most likely saw
// them: by their most likely moment, results before snapshots before
// attempts at one instant, then results in record order and attempts in
// call order. The most likely moment of an in-process event is the end of
// its interval: the wait in it is for the breaker's lock or for the
// scheduler, and the breaker acts when the wait is over. In external mode
// it is the edge the fake saw: an arrival (the end of an admission's
// interval) or an answer (the start of a result's).
func (d *dep) buildEvents(external bool) {
	d.events = make([]event, 0, 2*len(d.tries)+len(d.snaps))
	for i := range d.tries {
		t := &d.tries[i]
		hi := max(t.aHi, t.aLo)
		d.events = append(d.events, event{kind: evAttempt, lo: t.aLo, hi: hi, at: hi, try: int32(i)})
		if t.admitted && t.outcome != 0 {
			ev := event{kind: evResult, lo: t.rLo, hi: max(t.rHi, t.rLo), try: int32(i)}
			ev.at = ev.hi
			if external {
				ev.at = ev.lo
			}
			d.events = append(d.events, ev)
		}
	}
	if d.reported.Snapshots || d.reported.State {
		for _, si := range d.snaps {
			sn := &d.run.Snapshots[si]
			hi := sn.AtNs + sn.SpanNs
			d.events = append(d.events, event{kind: evSnapshot, lo: sn.AtNs, hi: hi, at: hi, try: si})
		}
	}
	d.sortEvents()
}

// sortEvents orders d.events and indexes them: by time, then results,
// snapshots and attempts, then attempts by seq and results by try. A call
// that took no time returns at the instant it started: its result goes
// right after its attempt, among the attempts, as the simulation runs it.
// The order is total, so any sort gives it; the ties are packed into one
// number per event first, since looking them up in the tries at every
// comparison was a third of a big run's check.
func (d *dep) sortEvents() {
	type keyed struct {
		at  int64
		tie uint64 // class in the top two bits, then seq and kind, or try
		i   int32  // the event's index before the sort
	}
	keys := make([]keyed, len(d.events))
	for i, e := range d.events {
		tie := uint64(e.kind)<<62 | uint64(e.try)
		if t := d.tryOf(&e); t != nil && (e.kind == evAttempt || t.rLo == t.aHi) {
			if t.seq >= 1<<61 {
				d.sortEventsSlowly()
				return
			}
			resultBit := uint64(0) // the attempt before its result
			if e.kind == evResult {
				resultBit = 1
			}
			tie = uint64(evAttempt)<<62 | t.seq<<1 | resultBit
		}
		keys[i] = keyed{e.at, tie, int32(i)}
	}
	slices.SortFunc(keys, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.tie, b.tie))
	})
	sorted := make([]event, len(d.events))
	for i, k := range keys {
		sorted[i] = d.events[k.i]
	}
	d.events = sorted
	d.indexEvents()
}

// tryOf is e's try; nil for a snapshot.
func (d *dep) tryOf(e *event) *try {
	if e.kind == evSnapshot {
		return nil
	}
	return &d.tries[e.try]
}

// sortEventsSlowly is sortEvents for seqs too large to pack.
func (d *dep) sortEventsSlowly() {
	class := func(e *event) evKind {
		if e.kind == evResult && d.tries[e.try].rLo == d.tries[e.try].aHi {
			return evAttempt
		}
		return e.kind
	}
	slices.SortFunc(d.events, func(a, b event) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		ka, kb := class(&a), class(&b)
		if c := cmp.Compare(ka, kb); c != 0 {
			return c
		}
		if ka == evAttempt {
			return cmp.Or(cmp.Compare(d.tries[a.try].seq, d.tries[b.try].seq), cmp.Compare(b.kind, a.kind))
		}
		return cmp.Compare(a.try, b.try)
	})
	d.indexEvents()
}

// indexEvents indexes the sorted events.
func (d *dep) indexEvents() {
	d.attemptEvent = make([]int32, len(d.tries))
	d.resultEv = make([]int32, len(d.tries))
	for i := range d.resultEv {
		d.resultEv[i] = -1
	}
	d.maxHalfWidth = 0
	// minLo[j] is the earliest an event at j or after began: past it, no
	// event overlaps an earlier moment.
	d.minLo = make([]int64, len(d.events)+1)
	d.minLo[len(d.events)] = math.MaxInt64
	for j := len(d.events) - 1; j >= 0; j-- {
		d.minLo[j] = min(d.minLo[j+1], d.events[j].lo)
	}
	for i := range d.events {
		ev := &d.events[i]
		switch ev.kind {
		case evAttempt:
			d.attemptEvent[ev.try] = int32(i)
		case evResult:
			d.resultEv[ev.try] = int32(i)
		}
		d.maxHalfWidth = max(d.maxHalfWidth, (ev.hi-ev.lo)/2)
	}
}
