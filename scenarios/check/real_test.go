package check_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// realBreaker drives the reference breaker through the subject interface.
type realBreaker struct{ b *breaker.Breaker }

func newReal(t testing.TB, cfg record.BreakerConfig, now func() time.Time, t0 time.Time, notify func(record.Transition)) subject {
	b, err := breaker.New(breaker.Config{
		Name:             depName,
		FailureThreshold: cfg.FailureThreshold,
		SuccessThreshold: cfg.SuccessThreshold,
		RecoveryTimeout:  time.Duration(cfg.RecoveryTimeoutNs),
		HalfOpenMaxCalls: cfg.HalfOpenMaxCalls,
		Now:              now,
		Logger:           slog.New(slog.DiscardHandler),
		OnStateChange: func(tr breaker.Transition) {
			notify(record.Transition{From: state(tr.From), To: state(tr.To), AtNs: int64(tr.At.Sub(t0)), Gen: tr.Generation, Reason: tr.Reason})
		},
	})
	require.NoError(t, err)
	return realBreaker{b}
}

func state(s breaker.State) record.State {
	switch s {
	case breaker.Closed:
		return record.StateClosed
	case breaker.Open:
		return record.StateOpen
	}
	return record.StateHalfOpen
}

func outcome(o breaker.Outcome) record.Outcome {
	switch o {
	case breaker.Success:
		return record.OutcomeSuccess
	case breaker.Failure:
		return record.OutcomeFailure
	case breaker.Ignored:
		return record.OutcomeIgnored
	}
	return record.OutcomeRejected
}

func (r realBreaker) allow() (uint64, func(result) record.Outcome, string, error) {
	tk, err := r.b.Allow()
	if err != nil {
		var re *breaker.RejectedError
		if !errors.As(err, &re) {
			panic(err)
		}
		reject := record.RejectOpen
		if errors.Is(err, breaker.ErrTooManyProbes) {
			reject = record.RejectProbeLimit
		}
		return re.Generation, nil, reject, err
	}
	return tk.Generation(), func(res result) record.Outcome {
		switch res {
		case ok:
			return outcome(tk.Done(nil))
		case fail:
			return outcome(tk.Done(errInjected))
		}
		return outcome(tk.Done(context.Canceled))
	}, "", nil
}

func (r realBreaker) poll() { r.b.State() }

func (r realBreaker) snapshot() record.Snapshot {
	s := r.b.Snapshot()
	return record.Snapshot{State: state(s.State), Gen: s.Generation, ConsecutiveFailures: s.ConsecutiveFailures,
		ConsecutiveSuccesses: s.ConsecutiveSuccesses, ProbesInFlight: s.ProbesInFlight,
		Totals: record.Totals{Success: s.Totals.Success, Failure: s.Totals.Failure, Ignored: s.Totals.Ignored, Rejected: s.Totals.Rejected}}
}
