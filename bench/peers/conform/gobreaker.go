package conform

import (
	"context"
	"errors"

	"github.com/sony/gobreaker/v2"

	ref "github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// Gobreaker is sony/gobreaker v2's TwoStepCircuitBreaker mapped to NFR-6:
//
//   - FailureThreshold: ReadyToTrip opens at Counts.ConsecutiveFailures >=
//     FailureThreshold (Interval 0: the closed counts are never cleared by
//     time, only by a success).
//   - RecoveryTimeout: Timeout.
//   - SuccessThreshold and HalfOpenMaxCalls: MaxRequests, one knob for both:
//     it closes after MaxRequests consecutive probe successes and admits
//     MaxRequests probes per half-open generation — probes admitted, not
//     probes in flight, so a probe that has succeeded still holds its slot.
//     HalfOpenMaxCalls is ignored (equal to SuccessThreshold by default).
//   - IsFailure: IsExcluded excludes context.Canceled (neither success nor
//     failure, and an excluded probe gives its slot back); every other
//     error, context.DeadlineExceeded included, is a failure.
//   - Rejections: ErrOpenState matches [ref.ErrOpen], ErrTooManyRequests
//     [ref.ErrTooManyProbes].
//   - OnStateChange reports every transition (Transitions), at the moment
//     gobreaker makes it: Open→HalfOpen when a call or State() first sees
//     the timeout passed. Its generations are internal: none reported.
//
// It reads the wall clock (time.Now) and takes no clock, so it runs sim
// mode only through [Synced], inside a synctest bubble.
func Gobreaker() runner.Implementation {
	return runner.Implementation{Name: "gobreaker", New: newGobreaker, Transitions: true}
}

type gobreakerBreaker struct {
	cb *gobreaker.TwoStepCircuitBreaker[struct{}]
}

func newGobreaker(cfg ref.Config) (runner.Breaker, error) {
	failures := uint32(cfg.FailureThreshold)
	return &gobreakerBreaker{cb: gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        cfg.Name,
		MaxRequests: uint32(cfg.SuccessThreshold),
		Timeout:     cfg.RecoveryTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
		IsExcluded:  func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			transition(cfg, gobreakerState(from), gobreakerState(to))
		},
	})}, nil
}

func (b *gobreakerBreaker) Allow() (runner.Ticket, error) {
	done, err := b.cb.Allow()
	switch {
	case errors.Is(err, gobreaker.ErrOpenState):
		return nil, rejected(ref.ErrOpen, err)
	case errors.Is(err, gobreaker.ErrTooManyRequests):
		return nil, rejected(ref.ErrTooManyProbes, err)
	case err != nil:
		return nil, err
	}
	return ticketFunc(done), nil
}

func (b *gobreakerBreaker) Execute(ctx context.Context, fn func(context.Context) error) error {
	return execute(ctx, b, fn)
}

func (b *gobreakerBreaker) State() ref.State { return gobreakerState(b.cb.State()) }

func gobreakerState(s gobreaker.State) ref.State {
	switch s {
	case gobreaker.StateOpen:
		return ref.Open
	case gobreaker.StateHalfOpen:
		return ref.HalfOpen
	}
	return ref.Closed
}
