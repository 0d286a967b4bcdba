package breaker

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Breaker is a circuit breaker with the NFR-6 semantics described in the
// package documentation. It is safe for concurrent use by multiple goroutines.
//
// The closed-state success path reads no clock, takes no lock and allocates
// nothing: it loads the current generation, runs the function, and adds one to
// a striped success counter.
type Breaker struct {
	cfg Config // immutable, defaults filled in

	// cur is the current generation. It is replaced, never mutated, under mu,
	// so the fast paths read state, generation and deadlines with one load.
	cur atomic.Pointer[generation]
	// closedFailures is the consecutive-failure count of the current closed
	// generation. Written under mu; read without it on the success fast path.
	closedFailures atomic.Int64
	// Totals counted without mu: successes and rejections are the hot outcomes.
	successes, rejections stripedCounter
	failures, ignored     atomic.Uint64

	mu sync.Mutex
	// Guarded by mu:
	probeSuccesses int
	probesInFlight int
	openedAt       time.Time
	lastFailure    time.Time
	lastSuccess    time.Time
	successesSeen  uint64 // success total when LastSuccess was last stamped
	pending        []event
	delivering     bool
}

// generation is one stretch of a single state. It never changes once published.
type generation struct {
	state   State
	num     uint64
	probeAt time.Time // Open: when probes become possible; zero if forced
	forced  bool      // Open until Reset
	reject  *RejectedError
}

// event is a transition waiting to be delivered, with the counts that led to it.
type event struct {
	Transition
	failures, successes int
}

// New returns a closed breaker configured by cfg, or an error naming the first
// negative field.
func New(cfg Config) (*Breaker, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	b := &Breaker{cfg: cfg}
	b.successes.init()
	b.rejections.init()
	b.cur.Store(b.newGeneration(Closed, 1, time.Time{}, false))
	return b, nil
}

// Name returns the breaker's name.
func (b *Breaker) Name() string { return b.cfg.Name }

// Config returns the breaker's configuration with defaults filled in.
func (b *Breaker) Config() Config { return b.cfg }

func (b *Breaker) newGeneration(s State, num uint64, probeAt time.Time, forced bool) *generation {
	g := &generation{state: s, num: num, probeAt: probeAt, forced: forced}
	if s != Closed {
		g.reject = &RejectedError{Name: b.cfg.Name, State: s, Generation: num, ProbeAt: probeAt, forced: forced}
	}
	return g
}

// Ticket is permission to make one call, returned by [Breaker.Allow]. Report
// the call's result with [Ticket.Done] exactly once. A Ticket is a small value;
// copying it is fine.
type Ticket struct {
	b   *Breaker
	gen *generation
}

// Generation returns the generation that admitted the call.
func (t Ticket) Generation() uint64 { return t.gen.num }

// State returns the state that admitted the call: Closed, or HalfOpen for a probe.
func (t Ticket) State() State { return t.gen.state }

// Done records the call's result and returns how it was classified. A ticket
// from an earlier generation changes no state and no consecutive count; its
// outcome still counts in the totals.
func (t Ticket) Done(err error) Outcome {
	return t.b.done(t.gen, err)
}

// Allow asks to make one call. It returns a [Ticket] to report the result with,
// or a *[RejectedError] matching [ErrOpen] or [ErrTooManyProbes]. This is the
// two-step form for middleware and proxies; [Breaker.Execute] wraps it.
func (b *Breaker) Allow() (Ticket, error) {
	g := b.cur.Load()
	if g.state == Closed {
		return Ticket{b, g}, nil
	}
	if g.state == Open && g.forced {
		b.rejections.add()
		return Ticket{}, g.reject
	}
	now := b.cfg.Now()
	if g.state == Open && now.Before(g.probeAt) {
		b.rejections.add()
		return Ticket{}, g.reject
	}
	return b.allowSlow(now)
}

// allowSlow admits or rejects under the lock: half-open probes, and the call
// that finds the recovery timeout elapsed at now.
func (b *Breaker) allowSlow(now time.Time) (Ticket, error) {
	b.mu.Lock()
	g := b.advanceLocked(now)
	var err error
	switch {
	case g.state == Closed:
	case g.state == HalfOpen && b.probesInFlight < b.cfg.HalfOpenMaxCalls:
		b.probesInFlight++
	default:
		err = g.reject
	}
	b.mu.Unlock()
	b.deliver()
	if err != nil {
		b.rejections.add()
		return Ticket{}, err
	}
	return Ticket{b, g}, nil
}

// Execute runs fn if the breaker admits the call and records its result. A
// rejected call returns a *[RejectedError] without running fn. A panic in fn is
// recorded as a failure and continues. fn runs outside any lock.
func (b *Breaker) Execute(ctx context.Context, fn func(context.Context) error) error {
	t, err := b.Allow()
	if err != nil {
		return err
	}
	finished := false
	defer func() {
		if !finished {
			b.record(t.gen, Failure)
		}
	}()
	err = fn(ctx)
	finished = true
	b.done(t.gen, err)
	return err
}

// Do runs fn through b and returns its value. If the call is rejected or
// returns an error and fallback is not nil, Do returns fallback(ctx, err)
// instead. The call's outcome is recorded before fallback runs.
func Do[T any](ctx context.Context, b *Breaker, fn func(context.Context) (T, error), fallback func(context.Context, error) (T, error)) (T, error) {
	t, err := b.Allow()
	if err != nil {
		if fallback != nil {
			return fallback(ctx, err)
		}
		var zero T
		return zero, err
	}
	finished := false
	defer func() {
		if !finished {
			b.record(t.gen, Failure)
		}
	}()
	v, err := fn(ctx)
	finished = true
	b.done(t.gen, err)
	if err != nil && fallback != nil {
		return fallback(ctx, err)
	}
	return v, err
}

// done classifies the result of a call admitted in generation g and records it.
func (b *Breaker) done(g *generation, err error) Outcome {
	if err == nil && g.state == Closed {
		// The hot path: no clock, no lock, one uncontended atomic add.
		b.successes.add()
		if b.closedFailures.Load() != 0 {
			b.recordSlow(g, Success)
		}
		return Success
	}
	o := b.cfg.classify(err)
	b.record(g, o)
	return o
}

// record applies an admitted call's outcome. Successes in the current closed
// generation with no failure streak take no lock.
func (b *Breaker) record(g *generation, o Outcome) {
	switch o {
	case Success:
		b.successes.add()
		if g.state == Closed && b.closedFailures.Load() == 0 {
			return
		}
	case Ignored:
		b.ignored.Add(1)
		if g.state == Closed {
			return
		}
	case Failure:
		b.failures.Add(1)
	}
	b.recordSlow(g, o)
}

// recordSlow applies an outcome that may change state or counts, under the lock.
func (b *Breaker) recordSlow(g *generation, o Outcome) {
	now := b.cfg.Now()
	b.mu.Lock()
	b.recordLocked(g, o, now)
	b.mu.Unlock()
	b.deliver()
}

// recordLocked applies an outcome of generation g at now. Requires b.mu held.
func (b *Breaker) recordLocked(g *generation, o Outcome, now time.Time) {
	switch o {
	case Failure:
		b.lastFailure = now
	case Success:
		b.lastSuccess, b.successesSeen = now, b.successes.sum()
	}
	if b.cur.Load() != g {
		return // an earlier generation: counted in totals, changes nothing else
	}
	switch g.state {
	case Closed:
		switch o {
		case Success:
			b.closedFailures.Store(0)
		case Failure:
			n := b.closedFailures.Add(1)
			if n >= int64(b.cfg.FailureThreshold) {
				b.transitionLocked(Open, now, false, fmt.Sprintf("%d consecutive failures", n))
			}
		}
	case HalfOpen:
		b.probesInFlight--
		switch o {
		case Success:
			b.probeSuccesses++
			if b.probeSuccesses >= b.cfg.SuccessThreshold {
				b.transitionLocked(Closed, now, false, fmt.Sprintf("%d consecutive probe successes", b.probeSuccesses))
			}
		case Failure:
			b.transitionLocked(Open, now, false, "probe failed")
		}
	}
}

// advanceLocked moves Open to HalfOpen if the recovery timeout has elapsed at
// now, and returns the current generation. Requires b.mu held.
func (b *Breaker) advanceLocked(now time.Time) *generation {
	g := b.cur.Load()
	if g.state == Open && !g.forced && !now.Before(g.probeAt) {
		b.transitionLocked(HalfOpen, g.probeAt, false, "recovery timeout elapsed")
		g = b.cur.Load()
	}
	return g
}

// transitionLocked starts a new generation in state to. Requires b.mu held.
func (b *Breaker) transitionLocked(to State, at time.Time, forced bool, reason string) {
	old := b.cur.Load()
	ev := event{
		Transition: Transition{From: old.state, To: to, At: at, Generation: old.num + 1, Reason: reason},
		failures:   int(b.closedFailures.Load()),
		successes:  b.probeSuccesses,
	}
	var probeAt time.Time
	if to == Open {
		b.openedAt = at
		if !forced {
			probeAt = at.Add(b.cfg.RecoveryTimeout)
		}
	}
	b.closedFailures.Store(0)
	b.probeSuccesses, b.probesInFlight = 0, 0
	b.cur.Store(b.newGeneration(to, old.num+1, probeAt, forced))
	b.pending = append(b.pending, ev)
}

// State returns the current state. An open circuit whose recovery timeout has
// elapsed is reported, and becomes, half-open without waiting for a call.
func (b *Breaker) State() State {
	g := b.cur.Load()
	if g.state != Open || g.forced {
		return g.state
	}
	now := b.cfg.Now()
	if now.Before(g.probeAt) {
		return Open
	}
	b.mu.Lock()
	s := b.advanceLocked(now).state
	b.mu.Unlock()
	b.deliver()
	return s
}

// Snapshot returns the breaker's state and counts at one moment.
func (b *Breaker) Snapshot() Snapshot {
	now := b.cfg.Now()
	b.mu.Lock()
	g := b.advanceLocked(now)
	s := Snapshot{
		Name:                 b.cfg.Name,
		State:                g.state,
		Generation:           g.num,
		ConsecutiveFailures:  int(b.closedFailures.Load()),
		ConsecutiveSuccesses: b.probeSuccesses,
		ProbesInFlight:       b.probesInFlight,
		OpenedAt:             b.openedAt,
		LastFailure:          b.lastFailure,
		Totals: Totals{
			Success:  b.successes.sum(),
			Failure:  b.failures.Load(),
			Ignored:  b.ignored.Load(),
			Rejected: b.rejections.sum(),
		},
	}
	if s.Totals.Success > b.successesSeen {
		// Successes the fast path did not stamp happened by now.
		b.lastSuccess, b.successesSeen = now, s.Totals.Success
	}
	s.LastSuccess = b.lastSuccess
	b.mu.Unlock()
	b.deliver()
	return s
}

// Reset returns the breaker to Closed with zero consecutive counts, as a
// transition with reason "reset", from any state. Totals are kept.
func (b *Breaker) Reset() {
	now := b.cfg.Now()
	b.mu.Lock()
	b.transitionLocked(Closed, now, false, "reset")
	b.mu.Unlock()
	b.deliver()
}

// ForceOpen opens the circuit until [Breaker.Reset]: no probes are admitted
// however long it stays open. On an already open circuit it only cancels the
// coming half-open, without a new generation.
func (b *Breaker) ForceOpen() {
	now := b.cfg.Now()
	b.mu.Lock()
	if g := b.cur.Load(); g.state == Open {
		b.cur.Store(b.newGeneration(Open, g.num, time.Time{}, true))
	} else {
		b.transitionLocked(Open, now, true, "forced open")
	}
	b.mu.Unlock()
	b.deliver()
}
