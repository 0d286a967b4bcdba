package fakes_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCallWaitsTheLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t, fakes.Config{Faults: fakes.Faults{Latency: fakes.Latency{P50: 60 * time.Second}}})
		start := time.Now()
		require.NoError(t, f.Call(context.Background()))
		assert.Equal(t, 60*time.Second, time.Since(start))

		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start = time.Now()
		err := f.Call(ctx)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.NotErrorIs(t, err, fakes.ErrInjected, "the caller gave up first")
		assert.Equal(t, 5*time.Second, time.Since(start))
	})
}

// TestDecideThenWait is what a caller that shares nothing with the fake does
// (breakerlab's stress runner): it asks for the decision, then carries it
// out itself; the fake counts nothing.
func TestDecideThenWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t, fakes.Config{Faults: fakes.Faults{ErrorRate: 1, Latency: fakes.Latency{P50: 2 * time.Second}}})
		d := f.Decide(7)
		assert.Equal(t, f.Decide(7), d, "a pure function of the request")
		start := time.Now()
		assert.ErrorIs(t, d.Wait(context.Background()), fakes.ErrInjected)
		assert.Equal(t, 2*time.Second, time.Since(start))
		assert.Zero(t, f.Counters().Requests, "Decide and Wait record nothing")

		hang := newFake(t, fakes.Config{Faults: fakes.Faults{HangRate: 1}}).Decide(0)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		err := hang.Wait(ctx)
		assert.ErrorIs(t, err, fakes.ErrHang)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestCallHangsUntilTheContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t, fakes.Config{Faults: fakes.Faults{HangRate: 1}})
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		start := time.Now()
		err := f.Call(ctx)
		assert.ErrorIs(t, err, fakes.ErrHang)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 3*time.Second, time.Since(start))

		ctx, cancel = context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- f.Call(ctx) }()
		synctest.Wait()
		assert.EqualValues(t, 1, f.Counters().InFlight, "the hang is in flight")
		cancel()
		assert.ErrorIs(t, <-done, context.Canceled)
		assert.EqualValues(t, 0, f.Counters().InFlight)
	})
}

func TestCallTimeoutAndImmediateFaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t, fakes.Config{Faults: fakes.Faults{
			Latency: fakes.Latency{P50: time.Second},
			Timeout: fakes.Timeout{After: 10 * time.Second},
			Sequence: fakes.Sequence{Steps: []fakes.Step{
				{Fault: "timeout"}, {Fault: "reset"}, {Fault: "down"}, {Fault: "error"}, {Fault: "truncate"}, {Fault: "slow_body"},
			}},
			SlowBody: fakes.SlowBody{BytesPerSec: 32}, // 64-byte default body: 2 s
		}})
		want := []struct {
			is   error
			took time.Duration
		}{
			{fakes.ErrTimeout, 10 * time.Second},
			{fakes.ErrReset, 0},
			{fakes.ErrDown, 0},
			{fakes.ErrInjected, time.Second},
			{fakes.ErrTruncated, time.Second},
			{nil, 3 * time.Second},
		}
		for i, w := range want {
			start := time.Now()
			err := f.Call(context.Background())
			if w.is == nil {
				assert.NoError(t, err, "call %d", i)
			} else {
				assert.ErrorIs(t, err, w.is, "call %d", i)
			}
			assert.Equal(t, w.took, time.Since(start), "call %d", i)
		}
	})
}

func TestCallOverload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t, fakes.Config{Faults: fakes.Faults{MaxInFlight: 2, Latency: fakes.Latency{P50: time.Second}}})
		var wg sync.WaitGroup
		errs := make([]error, 5)
		for i := range errs {
			wg.Go(func() { errs[i] = f.Call(context.Background()) })
		}
		wg.Wait()
		ok, over := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, fakes.ErrOverload):
				over++
				var fe *fakes.Error
				require.ErrorAs(t, err, &fe)
				assert.Equal(t, 503, fe.Status)
			}
		}
		assert.Equal(t, 2, ok)
		assert.Equal(t, 3, over)
		assert.EqualValues(t, 3, f.Counters().Of(fakes.KindOverload))
	})
}

func TestCallWithDoneContextDoesNotReachTheFake(t *testing.T) {
	f := newFake(t, fakes.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, f.Call(ctx), context.Canceled)
	assert.Zero(t, f.Counters().Requests)
}

func TestSimulateDoesNotWait(t *testing.T) {
	clk := newClock()
	f := newFake(t, fakes.Config{Now: clk.Now, Faults: fakes.Faults{
		Latency:  fakes.Latency{P50: time.Minute},
		Sequence: fakes.Sequence{Steps: []fakes.Step{{Fault: "none"}, {Fault: "hang"}, {Fault: "error"}}},
	}})
	lat, err := f.Simulate(0)
	assert.NoError(t, err)
	assert.Equal(t, time.Minute, lat)
	lat, err = f.Simulate(1)
	assert.ErrorIs(t, err, fakes.ErrHang)
	assert.Equal(t, fakes.Forever, lat, "a hang lasts until the caller's timeout")
	lat, err = f.Simulate(2)
	assert.ErrorIs(t, err, fakes.ErrInjected)
	assert.Equal(t, time.Minute, lat)
	assert.EqualValues(t, 3, f.Counters().Requests)
}

func TestReturning(t *testing.T) {
	f := newFake(t, fakes.Config{Faults: fakes.Faults{Sequence: fakes.Sequence{Steps: []fakes.Step{{Fault: "none"}, {Fault: "error"}}}}})
	get := fakes.Returning(f, "token")
	v, err := get(context.Background())
	assert.NoError(t, err)
	assert.Equal(t, "token", v)
	v, err = get(context.Background())
	assert.ErrorIs(t, err, fakes.ErrInjected)
	assert.Equal(t, "", v)
}
