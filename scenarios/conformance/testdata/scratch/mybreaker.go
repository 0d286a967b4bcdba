// Package mybreaker is a small circuit breaker, written without
// breakerlab: the kind of breaker a team has, to test against NFR-6 with
// breakerlab's conformance package (see mybreaker_test.go).
package mybreaker

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrOpen is returned, without calling the function, while the circuit is
// open, or half-open with every probe slot taken.
var ErrOpen = errors.New("mybreaker: circuit open")

var errPanic = errors.New("mybreaker: the function panicked")

const (
	closed = iota
	open
	halfOpen
)

// Breaker opens after failures consecutive failures, admits probes calls
// at once after cooldown, and closes after successes probe successes in a
// row. It is safe for concurrent use by multiple goroutines.
type Breaker struct {
	failures, successes, probes int
	cooldown                    time.Duration
	now                         func() time.Time

	mu                     sync.Mutex
	state                  int
	gen                    uint64 // one more per transition
	fails, succs, inFlight int
	openedAt               time.Time
}

// New returns a closed breaker; probes 0 means successes.
func New(failures, successes, probes int, cooldown time.Duration, now func() time.Time) *Breaker {
	if probes <= 0 {
		probes = successes
	}
	return &Breaker{failures: failures, successes: successes, probes: probes, cooldown: cooldown, now: now}
}

// Execute runs fn unless the circuit refuses it, and counts its result.
func (b *Breaker) Execute(ctx context.Context, fn func(context.Context) error) error {
	gen, err := b.admit()
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			b.done(gen, errPanic)
			panic(r)
		}
	}()
	err = fn(ctx)
	b.done(gen, err)
	return err
}

func (b *Breaker) admit() (uint64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == open && !b.now().Before(b.openedAt.Add(b.cooldown)) {
		b.to(halfOpen)
	}
	if b.state == open || b.state == halfOpen && b.inFlight >= b.probes {
		return 0, ErrOpen
	}
	if b.state == halfOpen {
		b.inFlight++
	}
	return b.gen, nil
}

func (b *Breaker) done(gen uint64, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if gen != b.gen {
		return // admitted before the last transition: it changes nothing
	}
	if b.state == halfOpen {
		b.inFlight--
	}
	switch {
	case errors.Is(err, context.Canceled): // neither a success nor a failure
	case err != nil && b.state == halfOpen:
		b.trip()
	case err != nil:
		if b.fails++; b.fails >= b.failures {
			b.trip()
		}
	case b.state == halfOpen:
		if b.succs++; b.succs >= b.successes {
			b.to(closed)
		}
	default:
		b.fails = 0
	}
}

func (b *Breaker) trip() {
	b.to(open)
	b.openedAt = b.now()
}

func (b *Breaker) to(state int) {
	b.state, b.gen = state, b.gen+1
	b.fails, b.succs, b.inFlight = 0, 0, 0
}
