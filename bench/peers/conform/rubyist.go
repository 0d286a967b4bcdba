package conform

import (
	"context"
	"errors"
	"time"

	"github.com/cenk/backoff"
	"github.com/facebookgo/clock"
	circuit "github.com/rubyist/circuitbreaker"

	ref "github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// Rubyist is rubyist/circuitbreaker's Breaker mapped to NFR-6, driven
// through its two-step form (Ready, then Success or Fail), on the run's
// clock:
//
//   - FailureThreshold: ShouldTrip is ConsecutiveTripFunc(FailureThreshold).
//   - RecoveryTimeout: a ConstantBackOff of RecoveryTimeout, counted from
//     the latest failure (a late failure of a call admitted before the
//     opening pushes the probes back), and passed only strictly after it.
//   - SuccessThreshold: none; the first probe success closes it.
//   - HalfOpenMaxCalls: none; once the backoff has passed every call is
//     admitted until a result comes back.
//   - A probe failure leaves it open for another backoff.
//   - IsFailure: Fail for every error but context.Canceled, which records
//     nothing — what its CallContext does for a cancelled context.
//   - Rejections: Ready is false only while open: matches [ref.ErrOpen].
//   - It reports neither its state (Ready has side effects, Tripped does
//     not tell half-open) nor transitions (its events go to channels that
//     drop what nobody reads in time).
//
// Clock: its Clock option is the run's clock (cfg.Now), which every decision
// reads; its success/failure counting window reads the wall clock, but
// ConsecutiveTripFunc does not use it. So it runs sim mode as it is.
func Rubyist() runner.Implementation {
	return runner.Implementation{Name: "rubyist", New: newRubyist, Clock: true}
}

type rubyistBreaker struct{ cb *circuit.Breaker }

func newRubyist(cfg ref.Config) (runner.Breaker, error) {
	return &rubyistBreaker{cb: circuit.NewBreakerWithOptions(&circuit.Options{
		BackOff:    backoff.NewConstantBackOff(cfg.RecoveryTimeout),
		Clock:      nowClock{Clock: clock.New(), now: cfg.Now},
		ShouldTrip: circuit.ConsecutiveTripFunc(int64(cfg.FailureThreshold)),
	})}, nil
}

func (b *rubyistBreaker) Allow() (runner.Ticket, error) {
	if !b.cb.Ready() {
		return nil, rejected(ref.ErrOpen, circuit.ErrBreakerOpen)
	}
	return ticketFunc(b.done), nil
}

func (b *rubyistBreaker) done(err error) {
	switch {
	case err == nil:
		b.cb.Success()
	case !errors.Is(err, context.Canceled):
		b.cb.Fail()
	}
}

func (b *rubyistBreaker) Execute(ctx context.Context, fn func(context.Context) error) error {
	return execute(ctx, b, fn)
}

// nowClock is a clock.Clock whose Now is the run's clock. The breaker calls
// nothing else while driven through Ready, Success and Fail (its timers are
// for Call's timeout): those stay on the wall clock.
type nowClock struct {
	clock.Clock
	now func() time.Time
}

func (c nowClock) Now() time.Time { return c.now() }
