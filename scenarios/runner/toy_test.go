package runner

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/breakerlab/breakerlab/breaker"
)

// toyBug is a deliberate defect of a [toyBreaker].
type toyBug int

const (
	toyCorrect toyBug = iota
	// toyCheckThenAct admits a half-open probe in two critical sections:
	// it checks that a slot is free, lets go of the lock, and takes the
	// slot later without checking again. Callers that check in between all
	// get in. One goroutine (sim mode) never interleaves there; stress
	// callers do.
	toyCheckThenAct
)

// toyImpl returns an [Implementation] of toy breakers with bug.
func toyImpl(bug toyBug) Implementation {
	return Implementation{
		Name:  fmt.Sprintf("toy%d", bug),
		New:   func(cfg breaker.Config) (Breaker, error) { return newToy(cfg, bug), nil },
		Clock: true, Transitions: true, Generations: true,
	}
}

// toyBreaker is a small breaker with the NFR-6 rules, all under one mutex,
// for tests that need a breaker other than the reference one. It is safe
// for concurrent use by multiple goroutines.
type toyBreaker struct {
	cfg breaker.Config // defaults filled in
	bug toyBug

	// notify is taken, in order, before mu is let go with transitions
	// pending, so listeners see them in order and outside mu.
	notify sync.Mutex

	mu                   sync.Mutex
	state                breaker.State
	gen                  uint64
	openedAt             time.Time
	failures, successes  int // consecutive, in this generation
	inFlight             int // probes, in this half-open generation
	totals               breaker.Totals
	pending              []breaker.Transition
	rejectOpen, rejectHO *breaker.RejectedError // this generation's rejections
}

func newToy(cfg breaker.Config, bug toyBug) *toyBreaker {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.FailureThreshold = cmpOr(cfg.FailureThreshold, breaker.DefaultFailureThreshold)
	cfg.SuccessThreshold = cmpOr(cfg.SuccessThreshold, breaker.DefaultSuccessThreshold)
	if cfg.RecoveryTimeout == 0 {
		cfg.RecoveryTimeout = breaker.DefaultRecoveryTimeout
	}
	cfg.HalfOpenMaxCalls = cmpOr(cfg.HalfOpenMaxCalls, cfg.SuccessThreshold)
	return &toyBreaker{cfg: cfg, bug: bug, state: breaker.Closed, gen: 1}
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// unlock lets go of mu, then delivers the transitions raised under it.
// Requires b.mu held.
func (b *toyBreaker) unlock() {
	ts := b.pending
	b.pending = nil
	if len(ts) == 0 {
		b.mu.Unlock()
		return
	}
	b.notify.Lock()
	b.mu.Unlock()
	defer b.notify.Unlock()
	for _, t := range ts {
		if b.cfg.OnStateChange != nil {
			b.cfg.OnStateChange(t)
		}
	}
}

// transition starts a new generation in state to at at. Requires b.mu held.
func (b *toyBreaker) transition(to breaker.State, at time.Time, reason string) {
	b.gen++
	b.pending = append(b.pending, breaker.Transition{From: b.state, To: to, At: at, Generation: b.gen, Reason: reason})
	b.state = to
	b.failures, b.successes, b.inFlight = 0, 0, 0
	b.rejectOpen, b.rejectHO = nil, nil
	if to == breaker.Open {
		b.openedAt = at
	}
}

// advance half-opens an open circuit whose recovery timeout has passed.
// Requires b.mu held.
func (b *toyBreaker) advance(now time.Time) {
	if probeAt := b.openedAt.Add(b.cfg.RecoveryTimeout); b.state == breaker.Open && !now.Before(probeAt) {
		b.transition(breaker.HalfOpen, probeAt, "recovery timeout elapsed")
	}
}

// reject counts a rejection in this generation and returns its error.
// Requires b.mu held.
func (b *toyBreaker) reject() error {
	b.totals.Rejected++
	if b.state == breaker.Open {
		if b.rejectOpen == nil {
			b.rejectOpen = &breaker.RejectedError{Name: b.cfg.Name, State: breaker.Open, Generation: b.gen,
				ProbeAt: b.openedAt.Add(b.cfg.RecoveryTimeout)}
		}
		return b.rejectOpen
	}
	if b.rejectHO == nil {
		b.rejectHO = &breaker.RejectedError{Name: b.cfg.Name, State: breaker.HalfOpen, Generation: b.gen}
	}
	return b.rejectHO
}

func (b *toyBreaker) Allow() (Ticket, error) {
	b.mu.Lock()
	b.advance(b.cfg.Now())
	gen := b.gen
	switch {
	case b.state == breaker.Closed:
		b.unlock()
		return toyTicket{b, gen}, nil
	case b.state == breaker.Open || b.inFlight >= b.cfg.HalfOpenMaxCalls:
		err := b.reject()
		b.unlock()
		return nil, err
	case b.bug != toyCheckThenAct:
		b.inFlight++
		b.unlock()
		return toyTicket{b, gen}, nil
	}
	// The bug: a slot was free when checked; take it later, unchecked.
	b.unlock()
	runtime.Gosched() // where a preemption would land; makes the bug show without luck
	b.mu.Lock()
	if b.gen != gen {
		b.unlock()
		return b.Allow()
	}
	b.inFlight++
	b.unlock()
	return toyTicket{b, gen}, nil
}

func (b *toyBreaker) done(gen uint64, err error) breaker.Outcome {
	o := breaker.Failure
	switch {
	case err == nil:
		o = breaker.Success
	case errors.Is(err, context.Canceled):
		o = breaker.Ignored
	}
	b.mu.Lock()
	defer b.unlock()
	now := b.cfg.Now()
	switch o {
	case breaker.Success:
		b.totals.Success++
	case breaker.Failure:
		b.totals.Failure++
	case breaker.Ignored:
		b.totals.Ignored++
	}
	if gen != b.gen {
		return o // an earlier generation's result changes nothing
	}
	switch b.state {
	case breaker.Closed:
		switch o {
		case breaker.Success:
			b.failures = 0
		case breaker.Failure:
			if b.failures++; b.failures >= b.cfg.FailureThreshold {
				b.transition(breaker.Open, now, fmt.Sprintf("%d consecutive failures", b.failures))
			}
		}
	case breaker.HalfOpen:
		b.inFlight--
		switch o {
		case breaker.Success:
			if b.successes++; b.successes >= b.cfg.SuccessThreshold {
				b.transition(breaker.Closed, now, fmt.Sprintf("%d consecutive probe successes", b.successes))
			}
		case breaker.Failure:
			b.transition(breaker.Open, now, "probe failed")
		}
	}
	return o
}

func (b *toyBreaker) Snapshot() breaker.Snapshot {
	b.mu.Lock()
	defer b.unlock()
	b.advance(b.cfg.Now())
	return breaker.Snapshot{
		Name: b.cfg.Name, State: b.state, Generation: b.gen,
		ConsecutiveFailures: b.failures, ConsecutiveSuccesses: b.successes, ProbesInFlight: b.inFlight,
		OpenedAt: b.openedAt, Totals: b.totals,
	}
}

// toyTicket is one call admitted by a toyBreaker in generation gen.
type toyTicket struct {
	b   *toyBreaker
	gen uint64
}

func (t toyTicket) Done(err error)     { t.b.done(t.gen, err) }
func (t toyTicket) Generation() uint64 { return t.gen }

func (b *toyBreaker) Execute(ctx context.Context, fn func(context.Context) error) error {
	t, err := b.Allow()
	if err != nil {
		return err
	}
	err = fn(ctx)
	t.Done(err)
	return err
}

var (
	_ Breaker = (*toyBreaker)(nil)
	_ Ticket  = toyTicket{}
)
