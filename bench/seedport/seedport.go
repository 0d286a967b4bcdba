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
	gen, err := b.m.admit(time.Now())
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
	b.m.record(gen, o, time.Now())
	b.mu.Unlock()
}

// State returns the current state, moving Open to HalfOpen once the recovery
// timeout has passed.
func (b *Breaker) State() breaker.State {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m.advance(time.Now())
	return b.m.state
}
