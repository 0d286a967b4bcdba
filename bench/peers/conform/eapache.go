package conform

import (
	"context"
	"errors"

	"github.com/eapache/go-resiliency/breaker"

	ref "github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// Eapache is eapache/go-resiliency's breaker, breaker.New(FailureThreshold,
// SuccessThreshold, RecoveryTimeout), mapped to NFR-6 as far as it goes:
//
//   - FailureThreshold: errorThreshold, but it counts failures, not
//     consecutive ones: a success does not reset the count, only an
//     error-free stretch of RecoveryTimeout does.
//   - RecoveryTimeout: timeout, which is also that error-free stretch. A
//     goroutine started at each opening sleeps for it and then half-opens
//     the circuit; it outlives a run that ends less than RecoveryTimeout
//     after the last opening.
//   - SuccessThreshold: successThreshold consecutive probe successes close
//     it; a probe failure reopens it.
//   - HalfOpenMaxCalls: none; half-open admits every call.
//   - IsFailure: every error is a failure and nil a success, with no
//     classifier, so the adapter hands eapache nil for a context.Canceled
//     (the caller still gets the error): ignored while closed (a success
//     changes nothing there), but a probe success while half-open.
//   - Rejections: ErrBreakerOpen, only while open: matches [ref.ErrOpen].
//   - A result counts in the state it arrives in, except a success of a call
//     admitted while closed; a late failure reopens a half-open circuit.
//   - It reports its state (GetState) but no transitions.
//
// It reads the wall clock and sleeps on it, so it runs sim mode only
// through [Synced], inside a synctest bubble.
func Eapache() runner.Implementation {
	return runner.Implementation{Name: "eapache", New: newEapache}
}

type eapacheBreaker struct{ b *breaker.Breaker }

func newEapache(cfg ref.Config) (runner.Breaker, error) {
	return &eapacheBreaker{breaker.New(cfg.FailureThreshold, cfg.SuccessThreshold, cfg.RecoveryTimeout)}, nil
}

func (b *eapacheBreaker) Execute(ctx context.Context, fn func(context.Context) error) error {
	var ran bool
	var fnErr error
	err := b.b.Run(func() error {
		ran = true
		fnErr = fn(ctx)
		if errors.Is(fnErr, context.Canceled) {
			return nil
		}
		return fnErr
	})
	if !ran {
		return rejected(ref.ErrOpen, err)
	}
	return fnErr
}

func (b *eapacheBreaker) State() ref.State {
	switch b.b.GetState() {
	case breaker.Open:
		return ref.Open
	case breaker.HalfOpen:
		return ref.HalfOpen
	}
	return ref.Closed
}
