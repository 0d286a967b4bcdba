package mutants

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// seed is a small breaker in the seed's style — the NFR-6 rules under one
// mutex, a two-step Allow/Done, a generation counter — with at most one
// planted bug. Every place a bug changes what it does is marked "Bug:".
// It reads the time only through cfg.Now and reports every transition to
// cfg.OnStateChange, in order and outside its lock. It is safe for
// concurrent use by multiple goroutines.
type seed struct {
	cfg breaker.Config // defaults filled in
	bug bug

	// notify is taken, in order, before mu is let go with transitions
	// pending, so listeners see them in order and outside mu.
	notify sync.Mutex

	mu                   sync.Mutex
	state                breaker.State
	gen                  uint64
	openedAt             time.Time
	failures, successes  int // consecutive: failures while closed, probe successes while half-open
	inFlight             int // probes, in this half-open generation
	totals               breaker.Totals
	pending              []breaker.Transition
	held                 []breaker.Transition   // Bug outOfOrder: half-open transitions not yet reported
	rejectOpen, rejectHO *breaker.RejectedError // this generation's rejections
}

func newSeed(cfg breaker.Config, b bug) *seed {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.FailureThreshold = cmpOr(cfg.FailureThreshold, breaker.DefaultFailureThreshold)
	cfg.SuccessThreshold = cmpOr(cfg.SuccessThreshold, breaker.DefaultSuccessThreshold)
	if cfg.RecoveryTimeout == 0 {
		cfg.RecoveryTimeout = breaker.DefaultRecoveryTimeout
	}
	cfg.HalfOpenMaxCalls = cmpOr(cfg.HalfOpenMaxCalls, cfg.SuccessThreshold)
	return &seed{cfg: cfg, bug: b, state: breaker.Closed, gen: 1}
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// unlock lets go of mu, then delivers the transitions raised under it.
// Requires b.mu held.
func (b *seed) unlock() {
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
func (b *seed) transition(to breaker.State, at time.Time, reason string) {
	b.gen++
	t := breaker.Transition{From: b.state, To: to, At: at, Generation: b.gen, Reason: reason}
	switch {
	case b.bug == unreportedTransition && to == breaker.HalfOpen:
		// Bug: the transition it makes lazily, when a call or a snapshot
		// finds the recovery timeout passed, is never reported.
	case b.bug == outOfOrder && to == breaker.HalfOpen:
		// Bug: reported only after the transition that ends it.
		b.held = append(b.held, t)
	default:
		b.pending = append(b.pending, t)
		b.pending = append(b.pending, b.held...)
		b.held = nil
	}
	b.state = to
	b.failures, b.inFlight = 0, 0
	if b.bug != successesCarried || to == breaker.Closed {
		b.successes = 0 // Bug successesCarried: only a close resets them
	}
	b.rejectOpen, b.rejectHO = nil, nil
	if to == breaker.Open {
		b.openedAt = at
	}
}

// recoveryTimeout is how long the circuit stays open.
func (b *seed) recoveryTimeout() time.Duration {
	switch b.bug {
	case earlyProbe:
		return b.cfg.RecoveryTimeout * 9 / 10 // Bug: a tenth early
	case lateProbe:
		return b.cfg.RecoveryTimeout * 11 / 10 // Bug: a tenth late
	}
	return b.cfg.RecoveryTimeout
}

// advance half-opens an open circuit whose recovery timeout has passed.
// Requires b.mu held.
func (b *seed) advance(now time.Time) {
	if probeAt := b.openedAt.Add(b.recoveryTimeout()); b.state == breaker.Open && !now.Before(probeAt) {
		b.transition(breaker.HalfOpen, probeAt, "recovery timeout elapsed")
	}
}

// reject counts a rejection in this generation and returns its error.
// Requires b.mu held.
func (b *seed) reject() error {
	b.totals.Rejected++
	if b.state == breaker.Open {
		if b.rejectOpen == nil {
			b.rejectOpen = &breaker.RejectedError{Name: b.cfg.Name, State: breaker.Open, Generation: b.gen,
				ProbeAt: b.openedAt.Add(b.recoveryTimeout())}
		}
		return b.rejectOpen
	}
	if b.rejectHO == nil {
		b.rejectHO = &breaker.RejectedError{Name: b.cfg.Name, State: breaker.HalfOpen, Generation: b.gen}
	}
	return b.rejectHO
}

// Allow admits a call or rejects it.
func (b *seed) Allow() (runner.Ticket, error) {
	b.mu.Lock()
	b.advance(b.cfg.Now())
	gen := b.gen
	full := b.inFlight >= b.cfg.HalfOpenMaxCalls && b.bug != noProbeLimit // Bug noProbeLimit: never full
	switch {
	case b.state == breaker.Closed:
		b.unlock()
		return ticket{b, gen}, nil
	case b.state == breaker.Open || full:
		err := b.reject()
		b.unlock()
		return nil, err
	case b.bug != checkThenAct:
		b.inFlight++
		b.unlock()
		return ticket{b, gen}, nil
	}
	// Bug checkThenAct: a slot was free when checked; take it later,
	// unchecked. Callers that check in between all get in. One goroutine
	// (sim mode) never interleaves here; stress callers do.
	b.unlock()
	runtime.Gosched() // where a preemption would land; makes the bug show without luck
	b.mu.Lock()
	if b.gen != gen {
		b.unlock()
		return b.Allow()
	}
	b.inFlight++
	b.unlock()
	return ticket{b, gen}, nil
}

// classify is how the breaker counts a result.
func (b *seed) classify(err error) breaker.Outcome {
	switch {
	case err == nil:
		return breaker.Success
	case b.bug == cancelIsFailure:
		return breaker.Failure // Bug: every error fails, context.Canceled too
	case errors.Is(err, context.Canceled):
		return breaker.Ignored
	case b.bug == deadlineIgnored && errors.Is(err, context.DeadlineExceeded):
		return breaker.Ignored // Bug: the caller's deadline is not the dependency's fault
	}
	return breaker.Failure
}

// done takes in the result of a call admitted in generation gen.
func (b *seed) done(gen uint64, err error) {
	o := b.classify(err)
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
	if gen != b.gen && b.bug != noGenerationCheck { // Bug noGenerationCheck: every result counts
		return // an earlier generation's result changes nothing
	}
	switch b.state {
	case breaker.Closed:
		b.closedResult(o, now)
	case breaker.HalfOpen:
		b.probeResult(o, now)
	}
}

// closedResult counts a result while closed. Requires b.mu held.
func (b *seed) closedResult(o breaker.Outcome, now time.Time) {
	threshold := b.cfg.FailureThreshold
	switch b.bug {
	case opensEarly:
		threshold-- // Bug: off by one
	case opensLate:
		threshold++ // Bug: off by one
	}
	switch o {
	case breaker.Success:
		if b.bug != successNoReset { // Bug successNoReset: failures add up
			b.failures = 0
		}
	case breaker.Failure:
		if b.failures++; b.failures >= threshold {
			b.transition(breaker.Open, now, fmt.Sprintf("%d consecutive failures", b.failures))
		}
	}
}

// probeResult counts a probe's result. Requires b.mu held.
func (b *seed) probeResult(o breaker.Outcome, now time.Time) {
	threshold := b.cfg.SuccessThreshold
	switch b.bug {
	case closesEarly:
		threshold-- // Bug: off by one
	case closesLate:
		threshold++ // Bug: off by one
	}
	if o != breaker.Ignored || b.bug != cancelledProbeKeepsSlot { // Bug cancelledProbeKeepsSlot: its slot is gone
		b.inFlight--
	}
	switch o {
	case breaker.Success:
		if b.successes++; b.successes >= threshold && b.bug != neverCloses { // Bug neverCloses
			b.transition(breaker.Closed, now, fmt.Sprintf("%d consecutive probe successes", b.successes))
		}
	case breaker.Failure:
		b.transition(breaker.Open, now, "probe failed")
	}
}

// Snapshot reports the breaker's state and counters.
func (b *seed) Snapshot() breaker.Snapshot {
	b.mu.Lock()
	defer b.unlock()
	b.advance(b.cfg.Now())
	state := b.state
	if b.bug == stateLies && state == breaker.Open {
		state = breaker.Closed // Bug: the state it reports is not the one it has
	}
	return breaker.Snapshot{
		Name: b.cfg.Name, State: state, Generation: b.gen,
		ConsecutiveFailures: b.failures, ConsecutiveSuccesses: b.successes, ProbesInFlight: b.inFlight,
		OpenedAt: b.openedAt, Totals: b.totals,
	}
}

// Execute runs fn if the breaker admits it.
func (b *seed) Execute(ctx context.Context, fn func(context.Context) error) error {
	t, err := b.Allow()
	if err != nil {
		return err
	}
	err = fn(ctx)
	t.Done(err)
	return err
}

// ticket is one call admitted by a seed breaker in generation gen.
type ticket struct {
	b   *seed
	gen uint64
}

func (t ticket) Done(err error)     { t.b.done(t.gen, err) }
func (t ticket) Generation() uint64 { return t.gen }

var (
	_ runner.Breaker     = (*seed)(nil)
	_ runner.Allower     = (*seed)(nil)
	_ runner.Snapshotter = (*seed)(nil)
	_ runner.Ticket      = ticket{}
)
