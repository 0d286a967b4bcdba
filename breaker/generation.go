package breaker

import "time"

// word packs what the lock-free paths need of a generation — its number, state
// and forced flag — into the one atomic word Breaker.cur. A generation's
// deadline is not in it: it reaches those paths with the generation's
// rejection, made by its first rejected call, so that no transition allocates.
type word uint64

const (
	stateMask  = 3 // State fits in two bits
	forcedFlag = 4
	numShift   = 3
)

func pack(s State, num uint64, forced bool) word {
	w := word(num<<numShift) | word(s)
	if forced {
		w |= forcedFlag
	}
	return w
}

func (w word) state() State { return State(w & stateMask) }
func (w word) forced() bool { return w&forcedFlag != 0 }
func (w word) num() uint64  { return uint64(w >> numShift) }

// rejection is what a generation's rejected calls share: the error they return
// and, for the lock-free paths, the generation's deadline. The breaker reads
// only gen and probeAt, never err, which belongs to callers once returned.
// Immutable once published.
type rejection struct {
	gen     word
	probeAt time.Time // as in Breaker.probeAt
	err     RejectedError
}

// of reports whether r is the rejection of generation w.
func (r *rejection) of(w word) bool { return r != nil && r.gen == w }

// publishLocked makes w the current generation. Requires b.mu held.
func (b *Breaker) publishLocked(w word) {
	if b.rejection.Load() != nil {
		b.rejection.Store(nil)
	}
	b.cur.Store(uint64(w))
}

// rejectionLocked returns the rejection of the current generation w, making
// it on the first call. Requires b.mu held.
func (b *Breaker) rejectionLocked(w word) *rejection {
	if r := b.rejection.Load(); r.of(w) {
		return r
	}
	r := &rejection{gen: w, probeAt: b.probeAt, err: RejectedError{
		Name: b.cfg.Name, State: w.state(), Generation: w.num(), ProbeAt: b.probeAt, forced: w.forced(),
	}}
	b.rejection.Store(r)
	return r
}

// clock returns the time of a call or query that uses it only to compare with
// the recovery deadline (see [reached]). It is read before taking b.mu:
// Config.Now is user code, and a clock read inside the critical section would
// make every waiter wait for it too.
//
// With the default clock it reads only the monotonic clock, through
// time.Since, at about two thirds of the cost of time.Now, and returns epoch
// plus the time elapsed. That instant carries the current monotonic reading,
// so it orders against the breaker's deadlines (readings of time.Now plus
// RecoveryTimeout) exactly as time.Now() would; inside a testing/synctest
// bubble time.Since reads the bubble's clock, as time.Now does. Its wall
// reading is derived, so it is never stored or reported.
func (b *Breaker) clock() time.Time {
	if b.defaultClock {
		return b.epoch.Add(time.Since(b.epoch))
	}
	return b.cfg.Now()
}

// reached reports whether now, a [Breaker.clock] reading, is at or after
// deadline.
func reached(now, deadline time.Time) bool { return !now.Before(deadline) }

// reachedNow reads the clock and reports whether it has reached deadline and,
// if it has, the reading in the form [Breaker.clock] returns. With the default
// clock it costs one time.Until, the cheapest read there is: deadline minus
// the time until it is the current instant, with the current monotonic
// reading (or, when deadline has none, time.Now's wall reading).
func (b *Breaker) reachedNow(deadline time.Time) (now time.Time, ok bool) {
	if b.defaultClock {
		d := time.Until(deadline)
		if d > 0 {
			return time.Time{}, false
		}
		return deadline.Add(-d), true
	}
	now = b.cfg.Now()
	return now, reached(now, deadline)
}

// advanceLocked moves Open to HalfOpen if the recovery timeout has elapsed at
// now, and returns the current generation. Requires b.mu held.
func (b *Breaker) advanceLocked(now time.Time) word {
	w := word(b.cur.Load())
	if w.state() == Open && !w.forced() && reached(now, b.probeAt) {
		b.transitionLocked(HalfOpen, b.probeAt, false, "recovery timeout elapsed")
		w = word(b.cur.Load())
	}
	return w
}

// transitionLocked starts a new generation in state to. Requires b.mu held.
func (b *Breaker) transitionLocked(to State, at time.Time, forced bool, reason string) {
	old := word(b.cur.Load())
	if !b.silent {
		b.pending = append(b.pending, event{
			Transition: Transition{From: old.state(), To: to, At: at, Generation: old.num() + 1, Reason: reason},
			failures:   int(b.closedFailures.Load()),
			successes:  b.probeSuccesses,
		})
	}
	b.transitions.Add(old.state(), to)
	if old.state() == Open {
		b.openTime += max(at.Sub(b.openedAt), 0)
	}
	b.probeAt = time.Time{}
	if to == Open {
		b.openedAt = at
		if !forced {
			b.probeAt = at.Add(b.cfg.RecoveryTimeout)
		}
	}
	if b.closedFailures.Load() != 0 { // a load is cheaper than a store
		b.closedFailures.Store(0)
	}
	b.probeSuccesses, b.probesInFlight = 0, 0
	b.publishLocked(pack(to, old.num()+1, forced))
}

// State returns the current state. An open circuit whose recovery timeout has
// elapsed is reported, and becomes, half-open without waiting for a call.
func (b *Breaker) State() State {
	w := word(b.cur.Load())
	if w.state() != Open || w.forced() {
		return w.state()
	}
	var now time.Time
	if r := b.rejection.Load(); r.of(w) {
		var due bool
		if now, due = b.reachedNow(r.probeAt); !due {
			return Open
		}
	} else {
		now = b.clock()
	}
	b.mu.Lock()
	w = b.advanceLocked(now)
	if w.state() == Open {
		b.rejectionLocked(w) // its deadline lets the next State and Allow decide without the lock
	}
	b.unlockAndDeliver()
	return w.state()
}

// Snapshot returns the breaker's state and counts at one moment.
func (b *Breaker) Snapshot() Snapshot {
	now := b.cfg.Now()
	b.mu.Lock()
	w := b.advanceLocked(now)
	s := Snapshot{
		Name:                 b.cfg.Name,
		State:                w.state(),
		Generation:           w.num(),
		ConsecutiveFailures:  int(b.closedFailures.Load()),
		ConsecutiveSuccesses: b.probeSuccesses,
		ProbesInFlight:       b.probesInFlight,
		OpenedAt:             b.openedAt,
		LastFailure:          b.lastFailure,
		Totals: Totals{
			Success:  b.successes.sum(),
			Failure:  b.failures,
			Ignored:  b.ignored.Load(),
			Rejected: b.rejections.sum(),
		},
	}
	s.Transitions = b.transitions
	s.OpenTime = b.openTime
	if w.state() == Open {
		s.OpenTime += max(now.Sub(b.openedAt), 0)
	}
	// now was read before the lock: a transition out of Open that read the
	// clock earlier but took the lock later may end the stretch before now.
	s.OpenTime = max(s.OpenTime, b.openSeen)
	b.openSeen = s.OpenTime
	if s.Totals.Success > b.successesSeen {
		// Successes the fast path did not stamp happened by now.
		b.lastSuccess, b.successesSeen = now, s.Totals.Success
	}
	s.LastSuccess = b.lastSuccess
	b.unlockAndDeliver()
	return s
}

// Reset returns the breaker to Closed with zero consecutive counts, as a
// transition with reason "reset", from any state. Totals are kept. An open
// circuit whose recovery timeout has elapsed is half-open (rule 3), so its
// reset is two transitions: open → half-open, then half-open → closed.
func (b *Breaker) Reset() {
	now := b.cfg.Now()
	b.mu.Lock()
	b.advanceLocked(now) // a circuit whose recovery timeout elapsed is half-open (rule 3)
	b.transitionLocked(Closed, now, false, "reset")
	b.unlockAndDeliver()
}

// ForceOpen opens the circuit until [Breaker.Reset]: no probes are admitted
// however long it stays open. On an already open circuit it only cancels the
// coming half-open, without a transition or a new generation; a circuit whose
// recovery timeout has elapsed is half-open (rule 3), and goes half-open → open.
func (b *Breaker) ForceOpen() {
	now := b.cfg.Now()
	b.mu.Lock()
	if w := b.advanceLocked(now); w.state() != Open {
		b.transitionLocked(Open, now, true, "forced open")
	} else if !w.forced() {
		b.probeAt = time.Time{}
		b.publishLocked(pack(Open, w.num(), true))
	}
	b.unlockAndDeliver()
}
