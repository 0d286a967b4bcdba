package conform

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sony/gobreaker/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ref "github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

var errDep = errors.New("dependency failed")

// virtualClock is a simulation's clock that the test moves by hand.
type virtualClock struct{ now time.Time }

func (c *virtualClock) Now() time.Time { return c.now }

func newSynced(t *testing.T, impl runner.Implementation, clock *virtualClock) runner.Breaker {
	t.Helper()
	b, err := Synced(impl).New(ref.Config{Name: "dep", FailureThreshold: 5, SuccessThreshold: 2,
		RecoveryTimeout: time.Minute, HalfOpenMaxCalls: 2, Now: clock.Now})
	require.NoError(t, err)
	return b
}

// Outside a bubble the sleeps would be real: New refuses.
func TestSyncedNeedsABubble(t *testing.T) {
	_, err := Synced(Gobreaker()).New(ref.Config{Now: time.Now, FailureThreshold: 5, SuccessThreshold: 2, RecoveryTimeout: time.Minute})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "synctest bubble")
	assert.True(t, Synced(Gobreaker()).Clock)
}

// A wall-clock breaker sees the simulation's time: gobreaker opens for
// probes one tick after the timeout, exactly.
func TestSyncedGobreakerSeesVirtualTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := &virtualClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		b := newSynced(t, Gobreaker(), clock)
		a, ok := b.(runner.Allower)
		require.True(t, ok, "Synced keeps the two-step form")
		sr, ok := b.(runner.StateReader)
		require.True(t, ok, "and the state reader")
		for range 5 {
			tk, err := a.Allow()
			require.NoError(t, err)
			tk.Done(errDep)
		}
		_, err := a.Allow()
		assert.ErrorIs(t, err, ref.ErrOpen)
		assert.ErrorIs(t, err, gobreaker.ErrOpenState, "the library's error still matches")

		clock.now = clock.now.Add(time.Minute)
		assert.Equal(t, ref.Open, sr.State(), "gobreaker waits strictly past the timeout")
		clock.now = clock.now.Add(time.Nanosecond)
		assert.Equal(t, ref.HalfOpen, sr.State())
		p1, err := a.Allow()
		require.NoError(t, err)
		p2, err := a.Allow()
		require.NoError(t, err)
		_, err = a.Allow()
		assert.ErrorIs(t, err, ref.ErrTooManyProbes)
		p1.Done(nil)
		p2.Done(nil)
		assert.Equal(t, ref.Closed, sr.State())
	})
}

// A breaker's own timer goroutine fires at the virtual moment, before the
// call that comes then: eapache half-opens exactly at the timeout.
func TestSyncedEapacheTimerFiresOnTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := &virtualClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		b := newSynced(t, Eapache(), clock)
		_, two := b.(runner.Allower)
		assert.False(t, two, "eapache has Execute only")
		sr := b.(runner.StateReader)
		fail := func(context.Context) error { return errDep }
		for range 5 {
			assert.ErrorIs(t, b.Execute(context.Background(), fail), errDep)
		}
		assert.ErrorIs(t, b.Execute(context.Background(), fail), ref.ErrOpen)
		clock.now = clock.now.Add(time.Minute - time.Nanosecond)
		assert.Equal(t, ref.Open, sr.State())
		clock.now = clock.now.Add(time.Nanosecond)
		assert.Equal(t, ref.HalfOpen, sr.State())
		ran := false
		require.NoError(t, b.Execute(context.Background(), func(context.Context) error { ran = true; return nil }))
		assert.True(t, ran)
	})
}
