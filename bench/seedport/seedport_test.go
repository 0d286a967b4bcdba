package seedport

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/breakerlab/breakerlab/breaker"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// subject is what both implementations offer; the tests run against each.
type subject interface {
	Execute(fn func() error) error
	State() breaker.State
}

var impls = []struct {
	name string
	new  func(Config) (subject, error)
}{
	{"mutex", func(c Config) (subject, error) { return New(c) }},
	{"rwmutex", func(c Config) (subject, error) { return NewRW(c) }},
}

var errDep = errors.New("dependency failed")

func fail() error    { return errDep }
func succeed() error { return nil }

// forEach runs f in a synctest bubble against each implementation, so the
// 60 s recovery timeout passes in fake time.
func forEach(t *testing.T, cfg Config, f func(t *testing.T, b subject)) {
	for _, impl := range impls {
		t.Run(impl.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b, err := impl.new(cfg)
				require.NoError(t, err)
				f(t, b)
			})
		})
	}
}

// trip records n failures.
func trip(b subject, n int) {
	for range n {
		_ = b.Execute(fail)
	}
}

func TestOpensAtTheFifthConsecutiveFailure(t *testing.T) {
	forEach(t, Config{}, func(t *testing.T, b subject) {
		trip(b, 4)
		assert.Equal(t, breaker.Closed, b.State(), "after 4 failures")
		require.NoError(t, b.Execute(succeed), "a success resets the count")
		trip(b, 4)
		assert.Equal(t, breaker.Closed, b.State(), "4 failures after a success")
		assert.ErrorIs(t, b.Execute(fail), errDep)
		assert.Equal(t, breaker.Open, b.State(), "after the 5th consecutive failure")

		ran := false
		err := b.Execute(func() error { ran = true; return nil })
		assert.ErrorIs(t, err, ErrOpen)
		assert.False(t, ran, "a call while open must not run")
	})
}

func TestRecoveryTimeoutBoundary(t *testing.T) {
	forEach(t, Config{}, func(t *testing.T, b subject) {
		trip(b, 5)
		time.Sleep(60*time.Second - time.Nanosecond)
		assert.Equal(t, breaker.Open, b.State(), "one tick before the recovery timeout")
		assert.ErrorIs(t, b.Execute(succeed), ErrOpen)
		time.Sleep(time.Nanosecond)
		assert.Equal(t, breaker.HalfOpen, b.State(), "at the recovery timeout")
	})
}

func TestHalfOpenClosesAfterTwoProbeSuccesses(t *testing.T) {
	forEach(t, Config{}, func(t *testing.T, b subject) {
		trip(b, 5)
		time.Sleep(time.Minute)
		require.NoError(t, b.Execute(succeed))
		assert.Equal(t, breaker.HalfOpen, b.State(), "after the 1st probe success")
		require.NoError(t, b.Execute(succeed))
		assert.Equal(t, breaker.Closed, b.State(), "after the 2nd probe success")
	})
}

func TestProbeFailureReopens(t *testing.T) {
	forEach(t, Config{}, func(t *testing.T, b subject) {
		trip(b, 5)
		time.Sleep(time.Minute)
		require.NoError(t, b.Execute(succeed))
		assert.ErrorIs(t, b.Execute(fail), errDep)
		assert.Equal(t, breaker.Open, b.State(), "a probe failure reopens")
		time.Sleep(time.Minute - time.Nanosecond)
		assert.Equal(t, breaker.Open, b.State(), "the recovery timeout restarts at the reopening")
	})
}

func TestHalfOpenLimitsProbesInFlight(t *testing.T) {
	forEach(t, Config{}, func(t *testing.T, b subject) {
		trip(b, 5)
		time.Sleep(time.Minute)
		release := make(chan struct{})
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() { _ = b.Execute(func() error { <-release; return nil }) })
		}
		synctest.Wait() // both probes are in flight
		ran := false
		err := b.Execute(func() error { ran = true; return nil })
		assert.ErrorIs(t, err, ErrTooManyProbes)
		assert.False(t, ran)
		close(release)
		wg.Wait()
		assert.Equal(t, breaker.Closed, b.State(), "two probe successes close the circuit")
	})
}

func TestStaleResultsChangeNothing(t *testing.T) {
	for _, late := range []struct {
		name string
		err  error
	}{{"late failure", errDep}, {"late success", nil}} {
		t.Run(late.name, func(t *testing.T) {
			forEach(t, Config{}, func(t *testing.T, b subject) {
				release := make(chan struct{})
				done := make(chan error)
				go func() { done <- b.Execute(func() error { <-release; return late.err }) }()
				synctest.Wait() // admitted while closed, in generation 1
				trip(b, 5)
				require.Equal(t, breaker.Open, b.State())
				time.Sleep(time.Minute)
				require.NoError(t, b.Execute(succeed)) // one probe success while half-open
				close(release)
				assert.Equal(t, late.err, <-done)
				assert.Equal(t, breaker.HalfOpen, b.State(), "a result from the closed generation must not count")
				require.NoError(t, b.Execute(succeed))
				assert.Equal(t, breaker.Closed, b.State())
			})
		})
	}
}

func TestPanicIsAFailureAndRepanics(t *testing.T) {
	forEach(t, Config{FailureThreshold: 1}, func(t *testing.T, b subject) {
		assert.PanicsWithValue(t, "boom", func() {
			_ = b.Execute(func() error { panic("boom") })
		})
		assert.Equal(t, breaker.Open, b.State())
	})
}

func TestCanceledIsIgnored(t *testing.T) {
	forEach(t, Config{}, func(t *testing.T, b subject) {
		trip(b, 4)
		canceled := func() error { return context.Canceled }
		assert.ErrorIs(t, b.Execute(canceled), context.Canceled)
		assert.Equal(t, breaker.Closed, b.State())
		trip(b, 1)
		assert.Equal(t, breaker.Open, b.State(), "canceled neither reset nor added to the count")
	})
}

func TestNegativeConfigNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		cfg   Config
		field string
	}{
		{Config{FailureThreshold: -1}, "FailureThreshold"},
		{Config{SuccessThreshold: -1}, "SuccessThreshold"},
		{Config{RecoveryTimeout: -time.Second}, "RecoveryTimeout"},
		{Config{HalfOpenMaxCalls: -2}, "HalfOpenMaxCalls"},
	} {
		for _, impl := range impls {
			_, err := impl.new(tc.cfg)
			require.Error(t, err, impl.name)
			assert.Contains(t, err.Error(), tc.field, impl.name)
		}
	}
}

// TestTwoStepFormReportsTransitionsAndTotals drives the mutex port the way
// breakerlab's scenario runner does: Allow, Done, Snapshot, transitions to
// OnStateChange, on an injected clock.
func TestTwoStepFormReportsTransitionsAndTotals(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	var got []breaker.Transition
	b, err := New(Config{Name: "iam", Now: func() time.Time { return now },
		OnStateChange: func(tr breaker.Transition) { got = append(got, tr) }})
	require.NoError(t, err)

	call := func(err error) (breaker.Outcome, error) {
		tk, rej := b.Allow()
		if rej != nil {
			return 0, rej
		}
		return tk.Done(err), nil
	}
	for i := range 5 {
		o, err := call(errDep)
		require.NoError(t, err, "failure %d is admitted", i+1)
		assert.Equal(t, breaker.Failure, o)
	}
	now = t0.Add(time.Second)
	_, err = call(nil)
	var rej *breaker.RejectedError
	require.ErrorAs(t, err, &rej)
	assert.ErrorIs(t, err, breaker.ErrOpen)
	assert.Equal(t, uint64(2), rej.Generation)
	assert.Equal(t, t0.Add(60*time.Second), rej.ProbeAt)

	now = t0.Add(61 * time.Second)
	p1, err := b.Allow()
	require.NoError(t, err)
	p2, err := b.Allow()
	require.NoError(t, err)
	_, err = b.Allow()
	assert.ErrorIs(t, err, breaker.ErrTooManyProbes, "two probes in flight at most")
	assert.Equal(t, uint64(3), p1.Generation())
	s := b.Snapshot()
	assert.Equal(t, breaker.HalfOpen, s.State)
	assert.Equal(t, 2, s.ProbesInFlight)
	assert.Equal(t, breaker.Success, p1.Done(nil))
	assert.Equal(t, breaker.Ignored, p2.Done(context.Canceled), "a cancelled probe is neither success nor failure")
	p3, err := b.Allow()
	require.NoError(t, err)
	assert.Equal(t, breaker.Success, p3.Done(nil))

	assert.Equal(t, []breaker.Transition{
		{From: breaker.Closed, To: breaker.Open, At: t0, Generation: 2, Reason: "5 consecutive failures"},
		{From: breaker.Open, To: breaker.HalfOpen, At: t0.Add(60 * time.Second), Generation: 3, Reason: "recovery timeout elapsed"},
		{From: breaker.HalfOpen, To: breaker.Closed, At: t0.Add(61 * time.Second), Generation: 4, Reason: "2 consecutive probe successes"},
	}, got)
	var counts breaker.TransitionCounts
	for _, tr := range got {
		counts.Add(tr.From, tr.To)
	}
	s = b.Snapshot()
	assert.Equal(t, breaker.Snapshot{
		Name: "iam", State: breaker.Closed, Generation: 4, OpenedAt: t0,
		LastFailure: t0, LastSuccess: t0.Add(61 * time.Second),
		Totals:      breaker.Totals{Success: 2, Failure: 5, Ignored: 1, Rejected: 2},
		Transitions: counts, OpenTime: 60 * time.Second,
	}, s)
}
