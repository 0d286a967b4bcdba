package seedport

import (
	"sync"

	"github.com/breakerlab/breakerlab/breaker"
)

// RWBreaker is [Breaker] behind a sync.RWMutex: admitting a call while closed,
// rejecting one while open and a success while closed with no failure counted
// take the read lock; everything that changes state takes the write lock. The
// clock is read for the same decisions as in [Breaker], except that a success
// that changes nothing reads none. It is safe for concurrent use by multiple
// goroutines.
type RWBreaker struct {
	mu sync.RWMutex
	m  machine // guarded by mu
}

// NewRW returns a closed RWBreaker, or an error naming the first negative field.
func NewRW(cfg Config) (*RWBreaker, error) {
	m, err := newMachine(cfg)
	if err != nil {
		return nil, err
	}
	return &RWBreaker{m: m}, nil
}

// Execute runs fn unless the circuit rejects it, and records its outcome, like
// [Breaker.Execute].
func (b *RWBreaker) Execute(fn func() error) error {
	gen, err := b.admit()
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

// admit takes the read lock for the decisions that change nothing and falls
// back to the write lock for the rest.
func (b *RWBreaker) admit() (uint64, error) {
	now := b.m.cfg.Now()
	b.mu.RLock()
	switch {
	case b.m.state == breaker.Closed:
		gen := b.m.generation
		b.mu.RUnlock()
		return gen, nil
	case b.m.state == breaker.Open && !b.m.recoveryDue(now):
		b.mu.RUnlock()
		return 0, ErrOpen
	}
	b.mu.RUnlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.m.admit(now)
}

// finish records one outcome; a success that would change nothing is checked
// under the read lock only.
func (b *RWBreaker) finish(gen uint64, o outcome) {
	if o == success {
		b.mu.RLock()
		noop := gen != b.m.generation || (b.m.state == breaker.Closed && b.m.failures == 0)
		b.mu.RUnlock()
		if noop {
			return
		}
	}
	if o == ignored {
		b.mu.RLock()
		noop := gen != b.m.generation || b.m.state == breaker.Closed
		b.mu.RUnlock()
		if noop {
			return
		}
	}
	b.mu.Lock()
	b.m.record(gen, o, b.m.cfg.Now())
	b.mu.Unlock()
}

// State returns the current state, moving Open to HalfOpen once the recovery
// timeout has passed.
func (b *RWBreaker) State() breaker.State {
	now := b.m.cfg.Now()
	b.mu.RLock()
	s, due := b.m.state, b.m.recoveryDue(now)
	b.mu.RUnlock()
	if !due {
		return s
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m.advance(now)
	return b.m.state
}
