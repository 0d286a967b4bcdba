package seedport

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/breakerlab/breakerlab/breaker"
)

// Sentinel errors returned instead of running a rejected call.
var (
	// ErrOpen rejects a call while the circuit is open.
	ErrOpen = errors.New("seedport: circuit open")
	// ErrTooManyProbes rejects a call while half-open with every probe slot taken.
	ErrTooManyProbes = errors.New("seedport: too many probes in flight")
)

// Config holds the NFR-6 thresholds. A zero field means its default; a
// negative one is an error from [New] or [NewRW].
type Config struct {
	// FailureThreshold is the number of consecutive failures, while closed,
	// that open the circuit. Zero means 5.
	FailureThreshold int
	// SuccessThreshold is the number of consecutive probe successes, while
	// half-open, that close the circuit. Zero means 2.
	SuccessThreshold int
	// RecoveryTimeout is the time from opening until probes are admitted.
	// Zero means 60 s.
	RecoveryTimeout time.Duration
	// HalfOpenMaxCalls is the number of probes in flight at once while
	// half-open. Zero means SuccessThreshold.
	HalfOpenMaxCalls int

	// Name names the breaker in its rejection errors and snapshots.
	Name string
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// OnStateChange, if not nil, is called with every transition, in order,
	// under the breaker's lock as the seed logged them: it must not call back
	// into the breaker.
	OnStateChange func(breaker.Transition)
}

// withDefaults fills in zero fields and rejects negative ones.
func (c Config) withDefaults() (Config, error) {
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"FailureThreshold", int64(c.FailureThreshold)},
		{"SuccessThreshold", int64(c.SuccessThreshold)},
		{"RecoveryTimeout", int64(c.RecoveryTimeout)},
		{"HalfOpenMaxCalls", int64(c.HalfOpenMaxCalls)},
	} {
		if f.v < 0 {
			return c, fmt.Errorf("seedport: %s is %d, want >= 0 (0 means the default)", f.name, f.v)
		}
	}
	if c.FailureThreshold == 0 {
		c.FailureThreshold = 5
	}
	if c.SuccessThreshold == 0 {
		c.SuccessThreshold = 2
	}
	if c.RecoveryTimeout == 0 {
		c.RecoveryTimeout = 60 * time.Second
	}
	if c.HalfOpenMaxCalls == 0 {
		c.HalfOpenMaxCalls = c.SuccessThreshold
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// outcome is how a finished call counts.
type outcome int

const (
	success outcome = iota
	failure
	ignored
)

// classify maps a call's error to its outcome: nil is a success,
// context.Canceled is ignored (NFR-6 rule 8), anything else is a failure.
func classify(err error) outcome {
	switch {
	case err == nil:
		return success
	case errors.Is(err, context.Canceled):
		return ignored
	default:
		return failure
	}
}

// machine is the state machine shared by [Breaker] and [RWBreaker]. It is not
// safe for concurrent use: every method requires the owner's lock held for
// writing, except where a method says otherwise.
type machine struct {
	cfg Config // immutable

	state      breaker.State
	generation uint64
	failures   int // consecutive failures while closed
	successes  int // consecutive probe successes while half-open
	probes     int // probes in flight while half-open
	openedAt   time.Time
	counts     breaker.TransitionCounts // for Snapshot
	openTime   time.Duration            // the open stretches that ended, summed
}

// newMachine returns a closed machine in generation 1.
func newMachine(cfg Config) (machine, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return machine{}, err
	}
	return machine{cfg: cfg, state: breaker.Closed, generation: 1}, nil
}

// recoveryDue reports whether an open circuit may admit probes at now.
// Requires the lock held for reading.
func (m *machine) recoveryDue(now time.Time) bool {
	return m.state == breaker.Open && !now.Before(m.openedAt.Add(m.cfg.RecoveryTimeout))
}

// advance moves Open to HalfOpen once the recovery timeout has passed; the
// circuit is half-open from the moment it passed.
func (m *machine) advance(now time.Time) {
	if m.recoveryDue(now) {
		m.to(breaker.HalfOpen, m.openedAt.Add(m.cfg.RecoveryTimeout), "recovery timeout elapsed")
	}
}

// admit decides whether a call may run at now and returns the generation that
// admitted it, or the rejection error.
func (m *machine) admit(now time.Time) (uint64, error) {
	m.advance(now)
	switch m.state {
	case breaker.Open:
		return 0, ErrOpen
	case breaker.HalfOpen:
		if m.probes >= m.cfg.HalfOpenMaxCalls {
			return 0, ErrTooManyProbes
		}
		m.probes++
	}
	return m.generation, nil
}

// record applies the outcome of a call admitted in generation gen. A result
// from an earlier generation changes nothing (NFR-6 rule 6).
func (m *machine) record(gen uint64, o outcome, now time.Time) {
	if gen != m.generation {
		return
	}
	if m.state == breaker.HalfOpen {
		m.probes--
	}
	switch o {
	case success:
		switch m.state {
		case breaker.Closed:
			m.failures = 0
		case breaker.HalfOpen:
			m.successes++
			if m.successes >= m.cfg.SuccessThreshold {
				m.to(breaker.Closed, now, fmt.Sprintf("%d consecutive probe successes", m.successes))
			}
		}
	case failure:
		switch m.state {
		case breaker.Closed:
			m.failures++
			if m.failures >= m.cfg.FailureThreshold {
				m.to(breaker.Open, now, fmt.Sprintf("%d consecutive failures", m.failures))
			}
		case breaker.HalfOpen:
			m.to(breaker.Open, now, "probe failed")
		}
	}
}

// to starts a new generation in state s at now, and reports it.
func (m *machine) to(s breaker.State, now time.Time, reason string) {
	if m.cfg.OnStateChange != nil {
		m.cfg.OnStateChange(breaker.Transition{From: m.state, To: s, At: now, Generation: m.generation + 1, Reason: reason})
	}
	m.counts.Add(m.state, s)
	if m.state == breaker.Open {
		m.openTime += now.Sub(m.openedAt)
	}
	m.state = s
	m.generation++
	m.failures, m.successes, m.probes = 0, 0, 0
	if s == breaker.Open {
		m.openedAt = now
	}
}
