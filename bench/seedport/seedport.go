package seedport

import (
	"sync"
	"time"

	"github.com/breakerlab/breakerlab/breaker"
)

// Breaker is the seed's design: one sync.Mutex around state and counts, taken
// before and after every call, with a clock read for each decision. It is safe
// for concurrent use by multiple goroutines.
type Breaker struct {
	mu sync.Mutex
	m  machine // guarded by mu
	// Guarded by mu, for Snapshot:
	totals                   breaker.Totals
	lastFailure, lastSuccess time.Time
}

// New returns a closed Breaker, or an error naming the first negative field.
func New(cfg Config) (*Breaker, error) {
	m, err := newMachine(cfg)
	if err != nil {
		return nil, err
	}
	return &Breaker{m: m}, nil
}

// Execute runs fn unless the circuit rejects it, and records its outcome. A
// rejection returns [ErrOpen] or [ErrTooManyProbes] without running fn. A panic
// in fn is recorded as a failure and re-panics.
func (b *Breaker) Execute(fn func() error) error {
	b.mu.Lock()
	gen, err := b.m.admit(b.m.cfg.Now())
	if err != nil {
		b.totals.Rejected++
	}
	b.mu.Unlock()
	if err != nil {
		return err
	}
	finished := false
	defer func() {
		if !finished { // fn panicked
			b.finish(gen, failure)
		}
	}()
	err = fn()
	finished = true
	b.finish(gen, classify(err))
	return err
}

// finish records one outcome under the lock, reading the clock for it.
func (b *Breaker) finish(gen uint64, o outcome) {
	b.mu.Lock()
	now := b.m.cfg.Now()
	switch o {
	case success:
		b.totals.Success++
		b.lastSuccess = now
	case failure:
		b.totals.Failure++
		b.lastFailure = now
	case ignored:
		b.totals.Ignored++
	}
	b.m.record(gen, o, now)
	b.mu.Unlock()
}

// State returns the current state, moving Open to HalfOpen once the recovery
// timeout has passed.
func (b *Breaker) State() breaker.State {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m.advance(b.m.cfg.Now())
	return b.m.state
}

// Allow is the two-step form of Execute, for drivers such as breakerlab's
// scenario runner: it returns a ticket to report the call's result with, or a
// *[breaker.RejectedError] (matching breaker.ErrOpen or
// breaker.ErrTooManyProbes) carrying the rejecting generation.
func (b *Breaker) Allow() (Ticket, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	gen, err := b.m.admit(b.m.cfg.Now())
	if err != nil {
		b.totals.Rejected++
		rej := &breaker.RejectedError{Name: b.m.cfg.Name, State: b.m.state, Generation: b.m.generation}
		if rej.State == breaker.Open {
			rej.ProbeAt = b.m.openedAt.Add(b.m.cfg.RecoveryTimeout)
		}
		return Ticket{}, rej
	}
	return Ticket{b, gen}, nil
}

// Ticket is permission to make one call, returned by [Breaker.Allow].
type Ticket struct {
	b   *Breaker
	gen uint64
}

// Done records the call's result, classified as Execute classifies it.
func (t Ticket) Done(err error) breaker.Outcome {
	o := classify(err)
	t.b.finish(t.gen, o)
	return [...]breaker.Outcome{success: breaker.Success, failure: breaker.Failure, ignored: breaker.Ignored}[o]
}

// Generation returns the generation that admitted the call.
func (t Ticket) Generation() uint64 { return t.gen }

// Snapshot returns the state, the counts and the totals per outcome.
func (b *Breaker) Snapshot() breaker.Snapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.m.cfg.Now()
	b.m.advance(now)
	open := b.m.openTime
	if b.m.state == breaker.Open {
		open += now.Sub(b.m.openedAt)
	}
	return breaker.Snapshot{
		Name: b.m.cfg.Name, State: b.m.state, Generation: b.m.generation,
		ConsecutiveFailures: b.m.failures, ConsecutiveSuccesses: b.m.successes, ProbesInFlight: b.m.probes,
		OpenedAt: b.m.openedAt, LastFailure: b.lastFailure, LastSuccess: b.lastSuccess, Totals: b.totals,
		Transitions: b.m.counts, OpenTime: open,
	}
}
