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
// a striped success counter. An open rejection takes no lock and allocates
// nothing either, after the first of its generation, and a transition
// allocates nothing (the queue of transitions for listeners is reused).
type Breaker struct {
	cfg Config // immutable, defaults filled in
	// Immutable, derived from cfg:
	defaultClock bool      // cfg.Now was nil: time.Now, read cheaply by clock
	epoch        time.Time // with the default clock, a reading of it taken by New
	silent       bool      // no listener and a discarding logger: transitions are not queued
	tripReason   string    // reason of closed→open at FailureThreshold
	closeReason  string    // reason of half-open→closed at SuccessThreshold

	// cur is the current generation's number, state and forced flag, packed
	// into a word, so that the fast paths read them with one load. Written
	// under mu.
	cur atomic.Uint64
	// rejection is the current generation's rejection, made by the first call
	// it rejects (nil until then). It carries the deadline, so that later open
	// rejections decide without mu. Written under mu; a reader checks that it
	// belongs to the word it loaded (rejection.of).
	rejection atomic.Pointer[rejection]
	// closedFailures is the consecutive-failure count of the current closed
	// generation. Written under mu; read without it on the success fast path.
	closedFailures atomic.Int64
	// Totals counted without mu: successes and rejections are the hot outcomes.
	successes, rejections stripedCounter
	ignored               atomic.Uint64

	mu sync.Mutex
	// Guarded by mu:
	probeAt        time.Time // open and not forced: when probes become possible; else zero
	probeSuccesses int
	probesInFlight int
	openedAt       time.Time
	failures       uint64 // total; every failure takes mu anyway
	lastFailure    time.Time
	lastSuccess    time.Time
	successesSeen  uint64 // success total when LastSuccess was last stamped
	pending        []event
	spare          []event // the delivered batch's array, for the next pending
	delivering     bool
	transitions    TransitionCounts
	openTime       time.Duration // the open stretches that ended, summed
	openSeen       time.Duration // the largest OpenTime a snapshot reported
}

// event is a transition waiting to be delivered, with the counts that led to it.
type event struct {
	Transition
	failures, successes int
}

// New returns a closed breaker configured by cfg, or an error naming the first
// negative field.
func New(cfg Config) (*Breaker, error) {
	defaultClock := cfg.Now == nil
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	b := &Breaker{
		cfg:          cfg,
		defaultClock: defaultClock,
		silent:       cfg.OnStateChange == nil && discards(cfg.Logger),
		tripReason:   fmt.Sprintf("%d consecutive failures", cfg.FailureThreshold),
		closeReason:  fmt.Sprintf("%d consecutive probe successes", cfg.SuccessThreshold),
	}
	if defaultClock {
		b.epoch = time.Now()
	}
	b.successes.init()
	b.rejections.init()
	b.cur.Store(uint64(pack(Closed, 1, false)))
	return b, nil
}

// Name returns the breaker's name.
func (b *Breaker) Name() string { return b.cfg.Name }

// Config returns the breaker's configuration with defaults filled in.
func (b *Breaker) Config() Config { return b.cfg }

// Ticket is permission to make one call, returned by [Breaker.Allow]. Report
// the call's result with [Ticket.Done] exactly once. A Ticket is a small value;
// copying it is fine.
type Ticket struct {
	b   *Breaker
	gen word // the generation that admitted the call
}

// Generation returns the generation that admitted the call.
func (t Ticket) Generation() uint64 { return t.gen.num() }

// State returns the state that admitted the call: Closed, or HalfOpen for a probe.
func (t Ticket) State() State { return t.gen.state() }

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
	// The closed path is one load and a compare; the rest is out of line.
	w := word(b.cur.Load())
	if w.state() == Closed {
		return Ticket{b, w}, nil
	}
	return b.allowNotClosed(w)
}

// allowNotClosed is Allow in the generation w, open or half-open.
func (b *Breaker) allowNotClosed(w word) (Ticket, error) {
	if w.state() == Open {
		if r := b.rejection.Load(); r.of(w) {
			// Open, and r has the deadline: reject without the lock, unless
			// the recovery timeout has elapsed.
			if w.forced() {
				b.rejections.add()
				return Ticket{}, &r.err
			}
			now, due := b.reachedNow(r.probeAt)
			if !due {
				b.rejections.add()
				return Ticket{}, &r.err
			}
			return b.allowSlow(now)
		}
	}
	return b.allowSlow(b.clock())
}

// allowSlow admits or rejects under the lock: half-open probes, the first
// rejection of an open generation, and the call that finds the recovery
// timeout elapsed. now is when the call was made, read by [Breaker.clock].
func (b *Breaker) allowSlow(now time.Time) (Ticket, error) {
	b.mu.Lock()
	w := b.advanceLocked(now)
	var err error
	switch {
	case w.state() == Closed:
	case w.state() == HalfOpen && b.probesInFlight < b.cfg.HalfOpenMaxCalls:
		b.probesInFlight++
	default:
		err = &b.rejectionLocked(w).err
	}
	b.unlockAndDeliver()
	if err != nil {
		b.rejections.add()
		return Ticket{}, err
	}
	return Ticket{b, w}, nil
}

// Execute runs fn if the breaker admits the call and records its result. A
// rejected call returns a *[RejectedError] without running fn. A panic in fn is
// recorded as a failure and continues with its own value and stack (rule 7).
// fn runs outside any lock.
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

// done classifies the result of a call admitted in generation gen and records it.
func (b *Breaker) done(gen word, err error) Outcome {
	if err == nil && gen.state() == Closed {
		// The hot path: no clock, no lock, one uncontended atomic add.
		b.successes.add()
		if b.closedFailures.Load() != 0 {
			b.recordSlow(gen, Success)
		}
		return Success
	}
	o := b.cfg.classify(err)
	b.record(gen, o)
	return o
}

// record applies an admitted call's outcome. Successes in the current closed
// generation with no failure streak take no lock.
func (b *Breaker) record(gen word, o Outcome) {
	switch o {
	case Success:
		b.successes.add()
		if gen.state() == Closed && b.closedFailures.Load() == 0 {
			return
		}
	case Ignored:
		b.ignored.Add(1)
		if gen.state() == Closed {
			return
		}
	case Failure:
		// Always under the lock, which counts it too (recordLocked).
	}
	b.recordSlow(gen, o)
}

// recordSlow applies an outcome that may change state or counts, under the lock.
func (b *Breaker) recordSlow(gen word, o Outcome) {
	now := b.cfg.Now()
	b.mu.Lock()
	b.recordLocked(gen, o, now)
	b.unlockAndDeliver()
}

// recordLocked applies at now the outcome of a call admitted in generation
// gen. Requires b.mu held.
func (b *Breaker) recordLocked(gen word, o Outcome, now time.Time) {
	switch o {
	case Failure:
		b.failures++
		b.lastFailure = now
	case Success:
		b.lastSuccess, b.successesSeen = now, b.successes.sum()
	}
	// Generation numbers are unique to a state (a forced open keeps its
	// number, but admits nothing), so the number says whether gen is current.
	if word(b.cur.Load()).num() != gen.num() {
		return // an earlier generation: counted in totals, changes nothing else
	}
	switch gen.state() {
	case Closed:
		switch o {
		case Success:
			b.closedFailures.Store(0)
		case Failure:
			// closedFailures only grows under mu and every transition zeroes
			// it, so n reaches FailureThreshold exactly.
			if n := b.closedFailures.Add(1); n >= int64(b.cfg.FailureThreshold) {
				reason := b.tripReason
				if n != int64(b.cfg.FailureThreshold) {
					reason = fmt.Sprintf("%d consecutive failures", n)
				}
				b.transitionLocked(Open, now, false, reason)
			}
		}
	case HalfOpen:
		b.probesInFlight--
		switch o {
		case Success:
			b.probeSuccesses++
			if b.probeSuccesses >= b.cfg.SuccessThreshold {
				reason := b.closeReason
				if b.probeSuccesses != b.cfg.SuccessThreshold {
					reason = fmt.Sprintf("%d consecutive probe successes", b.probeSuccesses)
				}
				b.transitionLocked(Closed, now, false, reason)
			}
		case Failure:
			b.transitionLocked(Open, now, false, "probe failed")
		}
	}
}
