package conform

import (
	"context"
	"errors"
	"fmt"
	"testing/synctest"
	"time"

	ref "github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// Synced returns impl able to run sim mode when it reads the wall clock
// (time.Now, time.Sleep, timers) instead of cfg.Now, provided the run
// happens inside a synctest bubble (synctest.Test): there the wall clock is
// a fake one that moves only when every goroutine of the bubble is blocked,
// and each call into the breaker first sleeps the fake clock forward to the
// simulation's time, then waits until the breaker's own goroutines (timers)
// that woke on the way have run. The breaker then sees exactly the virtual
// time, shifted to the bubble's epoch, and the run is as reproducible as the
// simulation (a breaker that hands its work to goroutines of its own may
// still race with them).
//
// Its breakers keep Execute, Allow and State (whatever impl's have); a
// Snapshot method is not carried over. New fails outside a bubble: there the
// sleeps would be real.
func Synced(impl runner.Implementation) runner.Implementation {
	newInner := impl.New
	impl.Clock = true
	impl.New = func(cfg ref.Config) (runner.Breaker, error) {
		if !inBubble() {
			return nil, fmt.Errorf("conform: %s: Synced breakers run only inside a synctest bubble (synctest.Test)", impl.Name)
		}
		b, err := newInner(cfg)
		if err != nil {
			return nil, err
		}
		c := &bubbleClock{now: cfg.Now, base: cfg.Now(), start: time.Now()}
		s := synced{b: b, c: c}
		a, two := b.(runner.Allower)
		sr, state := b.(runner.StateReader)
		switch {
		case two && state:
			return syncedAllowerState{syncedAllower{s, a}, syncedState{s, sr}}, nil
		case two:
			return syncedAllower{s, a}, nil
		case state:
			return syncedState{s, sr}, nil
		}
		return s, nil
	}
	return impl
}

// inBubble reports whether the caller runs inside a synctest bubble
// (synctest.Wait panics outside one).
func inBubble() (in bool) {
	defer func() {
		if recover() != nil {
			in = false
		}
	}()
	synctest.Wait()
	return true
}

// bubbleClock keeps the bubble's fake clock on the simulation's.
type bubbleClock struct {
	now   func() time.Time // the simulation's clock
	base  time.Time        // now() when the breaker was made
	start time.Time        // time.Now() then
}

// sync sleeps the bubble's clock forward to the simulation's, then lets the
// goroutines that woke on the way (the breaker's timers) finish their turn.
// The simulation calls the breaker from one goroutine at a time.
func (c *bubbleClock) sync() {
	if d := c.now().Sub(c.base) - time.Since(c.start); d > 0 {
		time.Sleep(d)
		synctest.Wait()
	}
}

type synced struct {
	b runner.Breaker
	c *bubbleClock
}

func (s synced) Execute(ctx context.Context, fn func(context.Context) error) error {
	s.c.sync()
	return s.b.Execute(ctx, func(ctx context.Context) error {
		err := fn(ctx)
		s.c.sync() // the simulation returns fn's result at its end time
		return err
	})
}

type syncedAllower struct {
	synced
	a runner.Allower
}

func (s syncedAllower) Allow() (runner.Ticket, error) {
	s.c.sync()
	t, err := s.a.Allow()
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, errors.New("conform: Allow admitted a call without a ticket")
	}
	return syncedTicket{t, s.c}, nil
}

type syncedTicket struct {
	t runner.Ticket
	c *bubbleClock
}

func (t syncedTicket) Done(err error) {
	t.c.sync()
	t.t.Done(err)
}

type syncedState struct {
	synced
	sr runner.StateReader
}

func (s syncedState) State() ref.State {
	s.c.sync()
	return s.sr.State()
}

type syncedAllowerState struct {
	syncedAllower
	syncedState
}

// Execute resolves the ambiguity between the two embedded syncs.
func (s syncedAllowerState) Execute(ctx context.Context, fn func(context.Context) error) error {
	return s.syncedAllower.Execute(ctx, fn)
}
