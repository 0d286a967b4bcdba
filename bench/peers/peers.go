package peers

import (
	"context"
	"errors"

	"github.com/eapache/go-resiliency/breaker"
	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/sony/gobreaker/v2"

	"github.com/breakerlab/breakerlab/bench"
	ref "github.com/breakerlab/breakerlab/breaker"
)

// Impls returns the three peers.
func Impls() []bench.Impl {
	return []bench.Impl{Gobreaker(), Failsafe(), Eapache()}
}

// Compile-time checks that each adapter satisfies bench.Breaker.
var (
	_ bench.Breaker = gobreakerAdapter{}
	_ bench.Breaker = failsafeAdapter{}
	_ bench.Breaker = eapacheAdapter{}
)

// gobreakerAdapter adapts a gobreaker v2 CircuitBreaker.
type gobreakerAdapter struct {
	cb *gobreaker.CircuitBreaker[struct{}]
}

// Gobreaker returns sony/gobreaker v2 mapped to NFR-6:
// ReadyToTrip opens at FailureThreshold consecutive failures, Timeout is the
// recovery timeout, context.Canceled is excluded (neither success nor
// failure), and MaxRequests is the success threshold.
//
// Where it cannot match: gobreaker has one knob, MaxRequests, for both the
// success threshold and the half-open limit, and the limit counts every probe
// admitted in the half-open generation, not the probes in flight; so
// HalfOpenMaxCalls follows SuccessThreshold (equal under NFR-6 defaults).
// It admits probes strictly after the timeout, one clock tick later than
// NFR-6's Now >= openedAt + RecoveryTimeout.
func Gobreaker() bench.Impl {
	return bench.Impl{Name: "gobreaker", New: func(s bench.Settings) (bench.Breaker, error) {
		failures := uint32(s.FailureThreshold)
		cb := gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
			Name:        "bench",
			MaxRequests: uint32(s.SuccessThreshold),
			Timeout:     s.RecoveryTimeout,
			ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
			IsExcluded:  func(err error) bool { return errors.Is(err, context.Canceled) },
		})
		return gobreakerAdapter{cb}, nil
	}}
}

func (a gobreakerAdapter) Bind(fn func() error) func() error {
	wrapped := func() (struct{}, error) { return struct{}{}, fn() }
	return func() error {
		_, err := a.cb.Execute(wrapped)
		return err
	}
}

func (a gobreakerAdapter) State() ref.State {
	switch a.cb.State() {
	case gobreaker.StateOpen:
		return ref.Open
	case gobreaker.StateHalfOpen:
		return ref.HalfOpen
	default:
		return ref.Closed
	}
}

// failsafeAdapter adapts a failsafe-go circuit breaker through a
// failsafe.Executor, the way failsafe-go is meant to be called.
type failsafeAdapter struct {
	cb   circuitbreaker.CircuitBreaker[any]
	exec failsafe.Executor[any]
}

// Failsafe returns failsafe-go's count-based circuit breaker mapped to NFR-6:
// WithFailureThreshold(n) opens when the last n executions all failed, which
// is n consecutive failures; WithSuccessThreshold(m) closes after m probe
// successes, reopens on a probe failure, and admits m probes at a time;
// WithDelay is the recovery timeout. Calls run through failsafe.With(cb).Run.
//
// Where it cannot match: the half-open probe limit is the success threshold
// (HalfOpenMaxCalls follows SuccessThreshold; equal under NFR-6 defaults), and
// a result is either a failure or a success: context.Canceled is classified a
// success here rather than ignored.
func Failsafe() bench.Impl {
	return bench.Impl{Name: "failsafe", New: func(s bench.Settings) (bench.Breaker, error) {
		cb := circuitbreaker.NewBuilder[any]().
			WithFailureThreshold(uint(s.FailureThreshold)).
			WithSuccessThreshold(uint(s.SuccessThreshold)).
			WithDelay(s.RecoveryTimeout).
			HandleIf(func(_ any, err error) bool { return err != nil && !errors.Is(err, context.Canceled) }).
			Build()
		return failsafeAdapter{cb: cb, exec: failsafe.With[any](cb)}, nil
	}}
}

func (a failsafeAdapter) Bind(fn func() error) func() error {
	return func() error { return a.exec.Run(fn) }
}

func (a failsafeAdapter) State() ref.State {
	switch a.cb.State() {
	case circuitbreaker.OpenState:
		return ref.Open
	case circuitbreaker.HalfOpenState:
		return ref.HalfOpen
	default:
		return ref.Closed
	}
}

// eapacheAdapter adapts an eapache/go-resiliency breaker.
type eapacheAdapter struct{ b *breaker.Breaker }

// Eapache returns eapache/go-resiliency's breaker:
// breaker.New(FailureThreshold, SuccessThreshold, RecoveryTimeout).
//
// Where it cannot match: it counts failures, not consecutive failures — a
// success does not reset the count, only an error-free RecoveryTimeout does —
// so the closed-1pct path (which must never trip) is skipped; the recovery
// timeout doubles as that window, so the half-open-probe path (1 ns timeout)
// cannot open it and is skipped too; half-open has no
// probe limit (HalfOpenMaxCalls is ignored); every error, context.Canceled
// included, is a failure; and it moves to half-open from a timer goroutine
// started at each opening, so after the recovery timeout calls are still
// rejected until that goroutine has run.
func Eapache() bench.Impl {
	return bench.Impl{
		Name: "eapache",
		New: func(s bench.Settings) (bench.Breaker, error) {
			return eapacheAdapter{breaker.New(s.FailureThreshold, s.SuccessThreshold, s.RecoveryTimeout)}, nil
		},
		Skip: map[string]string{
			bench.PathClosed1Pct: "counts failures within a window, not consecutive failures: 1% failures would trip it",
			bench.PathHalfOpen:   "the recovery timeout is also its failure-counting window: with the path's 1 ns timeout it never opens",
		},
	}
}

func (a eapacheAdapter) Bind(fn func() error) func() error {
	return func() error { return a.b.Run(fn) }
}

func (a eapacheAdapter) State() ref.State {
	switch a.b.GetState() {
	case breaker.Open:
		return ref.Open
	case breaker.HalfOpen:
		return ref.HalfOpen
	default:
		return ref.Closed
	}
}
