package conform

import (
	"context"
	"errors"

	"github.com/failsafe-go/failsafe-go/circuitbreaker"

	ref "github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// Failsafe is failsafe-go's count-based circuit breaker mapped to NFR-6,
// driven through its two-step form (TryAcquirePermit, then RecordError):
//
//   - FailureThreshold: WithFailureThreshold(n) opens when the last n
//     results recorded while closed are all failures: n consecutive failures.
//   - RecoveryTimeout: WithDelay.
//   - SuccessThreshold and HalfOpenMaxCalls: WithSuccessThreshold(m) closes
//     after m probe successes, reopens on a probe failure, and hands out m
//     permits while half-open, each given back when its result is recorded:
//     m probes in flight. HalfOpenMaxCalls is ignored (equal to
//     SuccessThreshold by default); WithSuccessThresholdRatio would set the
//     permits apart but also tolerate failed probes.
//   - IsFailure: HandleIf counts every error but context.Canceled as a
//     failure. A result that is not a failure is a success: failsafe-go has
//     no "ignored". So a cancelled call counts as a success — recording
//     nothing instead would keep its half-open permit forever (no call gives
//     a permit back without a result).
//   - Rejections: circuitbreaker.ErrOpen for an open circuit and for a
//     half-open one out of permits alike, so not translated.
//   - OnStateChanged reports every transition (Transitions), at the moment
//     failsafe-go makes it: Open→HalfOpen when a call first asks for a
//     permit after the delay (State() does not move it). It calls the
//     listener after releasing its lock, so under contention two
//     transitions may be reported out of order.
//
// Its clock is internal (an unexported field of the builder's config), so
// it runs sim mode only through [Synced], inside a synctest bubble.
func Failsafe() runner.Implementation {
	return runner.Implementation{Name: "failsafe", New: newFailsafe, Transitions: true}
}

type failsafeBreaker struct {
	cb circuitbreaker.CircuitBreaker[any]
}

func newFailsafe(cfg ref.Config) (runner.Breaker, error) {
	cb := circuitbreaker.NewBuilder[any]().
		WithFailureThreshold(uint(cfg.FailureThreshold)).
		WithSuccessThreshold(uint(cfg.SuccessThreshold)).
		WithDelay(cfg.RecoveryTimeout).
		HandleIf(func(_ any, err error) bool { return err != nil && !errors.Is(err, context.Canceled) }).
		OnStateChanged(func(e circuitbreaker.StateChangedEvent) {
			transition(cfg, failsafeState(e.OldState), failsafeState(e.NewState))
		}).
		Build()
	return &failsafeBreaker{cb: cb}, nil
}

func (b *failsafeBreaker) Allow() (runner.Ticket, error) {
	if !b.cb.TryAcquirePermit() {
		return nil, circuitbreaker.ErrOpen
	}
	return ticketFunc(b.cb.RecordError), nil
}

func (b *failsafeBreaker) Execute(ctx context.Context, fn func(context.Context) error) error {
	return execute(ctx, b, fn)
}

func (b *failsafeBreaker) State() ref.State { return failsafeState(b.cb.State()) }

func failsafeState(s circuitbreaker.State) ref.State {
	switch s {
	case circuitbreaker.OpenState:
		return ref.Open
	case circuitbreaker.HalfOpenState:
		return ref.HalfOpen
	}
	return ref.Closed
}
