package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// This file is the whole breaker: a team's own, hand-written, one mutex
// around the state, with NFR-6 semantics:
//
//   - closed: calls go through; FailureThreshold consecutive failures open it;
//   - open: calls are rejected without calling; after RecoveryTimeout it is
//     half-open;
//   - half-open: at most HalfOpenMaxCalls probes in flight, more are
//     rejected; SuccessThreshold consecutive probe successes close it, a
//     probe failure reopens it.
//
// Every transition starts a new generation; a result counts only in the
// generation that admitted its call. The service's own timeout is a
// failure; a call whose caller hung up (context.Canceled) is neither.
//
// The planted bugs (see bugs.go) act where the code says BUG(name).

// State is a breaker's state.
type State int

// The states.
const (
	Closed State = iota
	Open
	HalfOpen
)

// String returns closed, open or half-open.
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half-open"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// The errors of a rejected call.
var (
	// ErrOpen rejects a call while the circuit is open.
	ErrOpen = errors.New("breaker: circuit open")
	// ErrTooManyProbes rejects a call while half-open with every probe slot taken.
	ErrTooManyProbes = errors.New("breaker: half-open, too many probes in flight")
)

// Config configures a [Breaker]. A zero field means its NFR-6 default.
type Config struct {
	FailureThreshold int              // consecutive failures, while closed, that open it; 0 means 5
	SuccessThreshold int              // consecutive probe successes, while half-open, that close it; 0 means 2
	RecoveryTimeout  time.Duration    // from opening until probes are admitted; 0 means 60 s
	HalfOpenMaxCalls int              // probes in flight at once; 0 means SuccessThreshold
	Now              func() time.Time // the clock; nil means time.Now
	OnStateChange    func(Transition) // called after each transition, outside the lock; nil means none
	Bugs             Bug              // planted bugs; 0 means none
}

// Transition is one change of state.
type Transition struct {
	From, To   State
	Generation uint64    // the generation the transition starts
	At         time.Time // when it happened, by the breaker's clock
	Reason     string
}

// Ticket is permission to make one call, from [Breaker.Allow]; report the
// call's result with [Breaker.Done].
type Ticket struct {
	gen   uint64 // the generation that admitted the call
	probe bool   // admitted while half-open
}

// State returns the state that admitted the call: closed, or half-open for a probe.
func (t Ticket) State() State {
	if t.probe {
		return HalfOpen
	}
	return Closed
}

// Breaker is a circuit breaker guarding one dependency. It is safe for
// concurrent use by multiple goroutines.
type Breaker struct {
	cfg Config // immutable

	mu        sync.Mutex
	state     State
	gen       uint64
	openedAt  time.Time    // when it last opened (or when its timer was restarted, by a bug)
	failures  int          // consecutive failures, while closed
	successes int          // consecutive probe successes, while half-open
	probes    int          // probes in flight, while half-open
	pending   []Transition // transitions to hand to OnStateChange once unlocked
}

// NewBreaker returns a closed breaker; zero fields of cfg get their defaults.
func NewBreaker(cfg Config) *Breaker {
	if cfg.FailureThreshold == 0 {
		cfg.FailureThreshold = 5
	}
	if cfg.SuccessThreshold == 0 {
		cfg.SuccessThreshold = 2
	}
	if cfg.RecoveryTimeout == 0 {
		cfg.RecoveryTimeout = 60 * time.Second
	}
	if cfg.HalfOpenMaxCalls == 0 {
		cfg.HalfOpenMaxCalls = cfg.SuccessThreshold
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Breaker{cfg: cfg}
}

// Allow asks to make one call. It returns a ticket, or ErrOpen or
// ErrTooManyProbes if the call must not be made.
func (b *Breaker) Allow() (Ticket, error) {
	b.mu.Lock()
	defer b.unlock()
	now := b.cfg.Now()
	b.advance(now)
	switch b.state {
	case Open:
		if b.cfg.Bugs.Has(BugTimerResetOnReject) {
			b.openedAt = now // BUG(timer-reset-on-reject)
		}
		return Ticket{}, ErrOpen
	case HalfOpen:
		if b.probes >= b.cfg.HalfOpenMaxCalls && !b.cfg.Bugs.Has(BugNoProbeLimit) { // BUG(no-probe-limit)
			return Ticket{}, ErrTooManyProbes
		}
		b.probes++
		return Ticket{gen: b.gen, probe: true}, nil
	}
	return Ticket{gen: b.gen}, nil
}

// Done records the result of the call t admitted: nil is a success; an
// error matching context.Canceled (the caller hung up) is neither; any
// other error, a timeout included, is a failure.
func (b *Breaker) Done(t Ticket, err error) {
	b.mu.Lock()
	defer b.unlock()
	now := b.cfg.Now()
	b.advance(now)
	current := t.gen == b.gen
	if t.probe && current {
		b.probes--
	}
	if !current && !b.cfg.Bugs.Has(BugLateResultCounted) { // BUG(late-result-counted)
		return // admitted in an earlier generation: changes nothing
	}
	switch {
	case errors.Is(err, context.Canceled):
		return
	case errors.Is(err, context.DeadlineExceeded) && b.cfg.Bugs.Has(BugTimeoutIgnored):
		return // BUG(timeout-ignored)
	}
	failed := err != nil
	switch b.state {
	case Closed:
		if !failed {
			if !b.cfg.Bugs.Has(BugSuccessNoReset) { // BUG(success-no-reset)
				b.failures = 0
			}
			return
		}
		b.failures++
		tripped := b.failures >= b.cfg.FailureThreshold
		if b.cfg.Bugs.Has(BugOffByOne) {
			tripped = b.failures > b.cfg.FailureThreshold // BUG(off-by-one)
		}
		if tripped {
			b.setState(Open, now, fmt.Sprintf("%d consecutive failures", b.failures))
		}
	case HalfOpen:
		if failed {
			if b.cfg.Bugs.Has(BugProbeFailureIgnored) {
				return // BUG(probe-failure-ignored)
			}
			b.setState(Open, now, "probe failed")
			return
		}
		b.successes++
		if b.successes >= b.cfg.SuccessThreshold {
			b.setState(Closed, now, fmt.Sprintf("%d consecutive probe successes", b.successes))
		}
	case Open:
		// Only a late result gets here, and only with late-result-counted:
		// like a breaker that keeps a "last failure time", a failure
		// restarts the recovery timer. BUG(late-result-counted)
		if failed {
			b.openedAt = now
		}
	}
}

// State returns the state now; an open breaker whose recovery timeout has
// passed is half-open, whether or not a call came since.
func (b *Breaker) State() State {
	b.mu.Lock()
	defer b.unlock()
	b.advance(b.cfg.Now())
	return b.state
}

// ReportedState is the state the service reports on /state and /metrics.
func (b *Breaker) ReportedState() State {
	s := b.State()
	if s == Open && b.cfg.Bugs.Has(BugStateLies) {
		return Closed // BUG(state-lies)
	}
	return s
}

// advance moves an open breaker to half-open once its recovery timeout has
// passed. Requires b.mu held.
func (b *Breaker) advance(now time.Time) {
	if b.state != Open {
		return
	}
	wait := b.cfg.RecoveryTimeout
	if b.cfg.Bugs.Has(BugEarlyProbe) {
		wait /= 2 // BUG(early-probe)
	}
	if due := b.openedAt.Add(wait); !now.Before(due) {
		b.setState(HalfOpen, due, "recovery timeout elapsed")
	}
}

// setState starts a new generation in state to, with zero counts. Requires
// b.mu held.
func (b *Breaker) setState(to State, at time.Time, reason string) {
	b.gen++
	b.pending = append(b.pending, Transition{From: b.state, To: to, Generation: b.gen, At: at, Reason: reason})
	b.state = to
	b.failures, b.successes, b.probes = 0, 0, 0
	if to == Open {
		b.openedAt = at
	}
}

// unlock releases b.mu, then hands the transitions made under it to
// OnStateChange: user code never runs under the lock.
func (b *Breaker) unlock() {
	done := b.pending
	b.pending = nil
	b.mu.Unlock()
	if b.cfg.OnStateChange != nil {
		for _, tr := range done {
			b.cfg.OnStateChange(tr)
		}
	}
}
