package breaker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trip records n failures through the two-step form.
func trip(b *Breaker, n int) {
	for range n {
		t, err := b.Allow()
		if err == nil {
			t.Done(errBoom)
		}
	}
}

func TestStaleResultsChangeNothing(t *testing.T) {
	t.Run("late failure from a closed generation after the circuit reopened and closed", func(t *testing.T) {
		b, c, _ := newTest(t, Config{})
		late, err := b.Allow() // admitted while closed, generation 1
		require.NoError(t, err)
		trip(b, 5)
		require.Equal(t, Open, b.State())
		c.Add(60 * time.Second)
		for range 2 {
			p, err := b.Allow()
			require.NoError(t, err)
			p.Done(nil)
		}
		require.Equal(t, Closed, b.State())
		gen := b.Snapshot().Generation
		assert.Equal(t, Failure, late.Done(errBoom), "classified, but stale")
		s := b.Snapshot()
		assert.Equal(t, 0, s.ConsecutiveFailures, "a stale failure must not count")
		assert.Equal(t, gen, s.Generation)
		assert.Equal(t, uint64(6), s.Totals.Failure, "it still counts in the totals")
	})
	t.Run("late success from the closed generation does not touch half-open", func(t *testing.T) {
		b, c, _ := newTest(t, Config{})
		late, err := b.Allow()
		require.NoError(t, err)
		trip(b, 5)
		c.Add(60 * time.Second)
		probe, err := b.Allow()
		require.NoError(t, err)
		require.Equal(t, HalfOpen, probe.State())
		probe.Done(nil)
		late.Done(nil) // would be the 2nd success if it counted
		s := b.Snapshot()
		assert.Equal(t, HalfOpen, s.State, "a late success must not close the circuit")
		assert.Equal(t, 1, s.ConsecutiveSuccesses)
	})
	t.Run("late probe failure after the circuit closed", func(t *testing.T) {
		b, c, _ := newTest(t, Config{HalfOpenMaxCalls: 3})
		trip(b, 5)
		c.Add(60 * time.Second)
		p1, _ := b.Allow()
		p2, _ := b.Allow()
		p3, err := b.Allow()
		require.NoError(t, err)
		p1.Done(nil)
		p2.Done(nil)
		require.Equal(t, Closed, b.State())
		p3.Done(errBoom)
		assert.Equal(t, Closed, b.State())
		assert.Equal(t, 0, b.Snapshot().ConsecutiveFailures)
	})
	t.Run("stale probe does not free a slot of the next half-open", func(t *testing.T) {
		b, c, _ := newTest(t, Config{HalfOpenMaxCalls: 1, SuccessThreshold: 1})
		trip(b, 5)
		c.Add(60 * time.Second)
		stale, err := b.Allow()
		require.NoError(t, err)
		b.ForceOpen()
		b.Reset()
		trip(b, 5)
		c.Add(60 * time.Second)
		p, err := b.Allow()
		require.NoError(t, err)
		stale.Done(context.Canceled)
		_, err = b.Allow()
		assert.ErrorIs(t, err, ErrTooManyProbes, "the stale ticket must not free the new generation's slot")
		p.Done(nil)
		assert.Equal(t, Closed, b.State())
	})
}

func TestHalfOpenProbeLimit(t *testing.T) {
	b, c, _ := newTest(t, Config{HalfOpenMaxCalls: 2, SuccessThreshold: 3})
	trip(b, 5)
	c.Add(60 * time.Second)
	p1, err1 := b.Allow()
	p2, err2 := b.Allow()
	_, err3 := b.Allow()
	require.NoError(t, err1)
	require.NoError(t, err2)
	require.ErrorIs(t, err3, ErrTooManyProbes)
	assert.NotErrorIs(t, err3, ErrOpen)
	assert.Equal(t, 2, b.Snapshot().ProbesInFlight)
	p1.Done(nil)
	p3, err := b.Allow()
	require.NoError(t, err, "a finished probe frees its slot")
	p2.Done(nil)
	p3.Done(nil)
	assert.Equal(t, Closed, b.State())
	assert.Equal(t, uint64(1+5), b.Snapshot().Totals.Rejected+5)
}

func TestRejectedError(t *testing.T) {
	b, c, _ := newTest(t, Config{Name: "iam", FailureThreshold: 1})
	trip(b, 1)
	c.Add(15 * time.Second)
	err := b.Execute(context.Background(), func(context.Context) error {
		t.Fatal("fn must not run while open")
		return nil
	})
	var re *RejectedError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, Open, re.State)
	assert.Equal(t, uint64(2), re.Generation)
	assert.Equal(t, t0.Add(60*time.Second), re.ProbeAt)
	assert.Equal(t, 45*time.Second, re.RetryAfter(c.Now()))
	assert.Contains(t, err.Error(), `breaker: circuit open (breaker "iam", generation 2): next probe at`)
	assert.Equal(t, time.Duration(0), re.RetryAfter(t0.Add(2*time.Minute)))
}

func TestTransitionsAndLogs(t *testing.T) {
	var logs bytes.Buffer
	c := &clock{now: t0}
	var seen []Transition
	b, err := New(Config{
		Name: "eris", Now: c.Now,
		Logger:        slog.New(slog.NewJSONHandler(&logs, nil)),
		OnStateChange: func(tr Transition) { seen = append(seen, tr) },
	})
	require.NoError(t, err)
	trip(b, 5)
	c.Add(90 * time.Second)
	for range 2 {
		p, err := b.Allow()
		require.NoError(t, err)
		p.Done(nil)
	}
	b.Reset()
	want := []Transition{
		{From: Closed, To: Open, At: t0, Generation: 2, Reason: "5 consecutive failures"},
		{From: Open, To: HalfOpen, At: t0.Add(60 * time.Second), Generation: 3, Reason: "recovery timeout elapsed"},
		{From: HalfOpen, To: Closed, At: t0.Add(90 * time.Second), Generation: 4, Reason: "2 consecutive probe successes"},
		{From: Closed, To: Closed, At: t0.Add(90 * time.Second), Generation: 5, Reason: "reset"},
	}
	assert.Equal(t, want, seen)

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 4, "one log record per transition")
	var rec map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &rec))
	assert.Equal(t, "breaker transition", rec["msg"])
	assert.Equal(t, "eris", rec["breaker"])
	assert.Equal(t, "closed", rec["from"])
	assert.Equal(t, "open", rec["to"])
	assert.Equal(t, "5 consecutive failures", rec["reason"])
	assert.EqualValues(t, 2, rec["generation"])
	assert.EqualValues(t, 5, rec["consecutive_failures"])
}

func TestListenerMayCallBack(t *testing.T) {
	c := &clock{now: t0}
	var b *Breaker
	var states []State
	var snaps []Snapshot
	b, err := New(Config{
		FailureThreshold: 1, Now: c.Now, Logger: discard,
		OnStateChange: func(tr Transition) {
			states = append(states, b.State())
			snaps = append(snaps, b.Snapshot())
			if tr.To == Open {
				b.Reset() // a transition raised from inside the listener
			}
		},
	})
	require.NoError(t, err)
	trip(b, 1)
	require.Len(t, states, 2, "the transition raised by the listener is delivered too, after the first")
	assert.Equal(t, []State{Open, Closed}, states, "each listener call sees the state after its transition")
	assert.Equal(t, uint64(3), snaps[1].Generation)
}

func TestSnapshot(t *testing.T) {
	b, c, _ := newTest(t, Config{Name: "ubi"})
	ok := func() {
		require.NoError(t, b.Execute(context.Background(), func(context.Context) error { return nil }))
	}
	ok()
	c.Add(time.Second)
	trip(b, 2)
	c.Add(time.Second)
	_ = b.Execute(context.Background(), func(context.Context) error { return context.Canceled })
	s := b.Snapshot()
	assert.Equal(t, "ubi", s.Name)
	assert.Equal(t, Closed, s.State)
	assert.Equal(t, uint64(1), s.Generation)
	assert.Equal(t, 2, s.ConsecutiveFailures)
	assert.Equal(t, t0.Add(time.Second), s.LastFailure)
	assert.Equal(t, t0.Add(2*time.Second), s.LastSuccess, "fast-path success stamped by the first snapshot that sees it")
	assert.Equal(t, Totals{Success: 1, Failure: 2, Ignored: 1}, s.Totals)
	c.Add(time.Second)
	ok() // resets the streak: slow path, stamped exactly
	s = b.Snapshot()
	assert.Equal(t, t0.Add(3*time.Second), s.LastSuccess)
	assert.Equal(t, 0, s.ConsecutiveFailures)
	trip(b, 5)
	assert.Equal(t, t0.Add(3*time.Second), b.Snapshot().OpenedAt)
}

func TestNewRejectsNegativeFields(t *testing.T) {
	for _, tc := range []struct {
		cfg   Config
		field string
	}{
		{Config{FailureThreshold: -1}, "FailureThreshold"},
		{Config{SuccessThreshold: -2}, "SuccessThreshold"},
		{Config{RecoveryTimeout: -time.Second}, "RecoveryTimeout"},
		{Config{HalfOpenMaxCalls: -1}, "HalfOpenMaxCalls"},
	} {
		_, err := New(tc.cfg)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "Config."+tc.field)
	}
	b, err := New(Config{SuccessThreshold: 3})
	require.NoError(t, err)
	cfg := b.Config()
	assert.Equal(t, 5, cfg.FailureThreshold)
	assert.Equal(t, 60*time.Second, cfg.RecoveryTimeout)
	assert.Equal(t, 3, cfg.HalfOpenMaxCalls, "defaults to SuccessThreshold")
}

func TestDoFallback(t *testing.T) {
	b, _, _ := newTest(t, Config{FailureThreshold: 1})
	ctx := context.Background()
	fallback := func(_ context.Context, err error) (string, error) {
		if errors.Is(err, ErrOpen) {
			return "cached", nil
		}
		return "default", nil
	}
	v, err := Do(ctx, b, func(context.Context) (string, error) { return "fresh", nil }, fallback)
	assert.Equal(t, "fresh", v)
	assert.NoError(t, err)
	v, err = Do(ctx, b, func(context.Context) (string, error) { return "", errBoom }, fallback)
	assert.Equal(t, "default", v, "a failed call uses the fallback")
	assert.NoError(t, err)
	v, err = Do(ctx, b, func(context.Context) (string, error) { return "fresh", nil }, fallback)
	assert.Equal(t, "cached", v, "a rejected call uses the fallback")
	assert.NoError(t, err)
	_, err = Do(ctx, b, func(context.Context) (string, error) { return "fresh", nil }, nil)
	assert.ErrorIs(t, err, ErrOpen, "without a fallback the rejection is returned")
	assert.Equal(t, Totals{Success: 1, Failure: 1, Rejected: 2}, b.Snapshot().Totals)
}

func TestPanicIsRecordedAndContinues(t *testing.T) {
	b, _, _ := newTest(t, Config{FailureThreshold: 1})
	assert.PanicsWithValue(t, "kaboom", func() {
		_ = b.Execute(context.Background(), func(context.Context) error { panic("kaboom") })
	})
	assert.Equal(t, Open, b.State())
	assert.PanicsWithValue(t, "again", func() {
		b.Reset()
		_, _ = Do(context.Background(), b, func(context.Context) (int, error) { panic("again") }, nil)
	})
	assert.Equal(t, Open, b.State())
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	iam, err := r.GetOrCreate("iam", Config{FailureThreshold: 3, Logger: discard})
	require.NoError(t, err)
	again, err := r.GetOrCreate("iam", Config{FailureThreshold: 9})
	require.NoError(t, err)
	assert.Same(t, iam, again, "get-or-create returns the existing breaker")
	assert.Equal(t, 3, again.Config().FailureThreshold, "and keeps its first config")
	_, err = r.Add(Config{Name: "iam"})
	assert.ErrorContains(t, err, `"iam" exists already`)
	_, err = r.Add(Config{})
	assert.EqualError(t, err, "breaker: Registry: the breaker's name is empty, want a name")
	_, err = r.GetOrCreate("", Config{})
	assert.EqualError(t, err, "breaker: Registry: the breaker's name is empty, want a name", "GetOrCreate refuses what Add refuses")
	assert.NotContains(t, r.Names(), "")
	_, err = r.GetOrCreate("eris", Config{RecoveryTimeout: -1})
	assert.ErrorContains(t, err, "Config.RecoveryTimeout")
	_, err = r.Add(Config{Name: "eris", Logger: discard})
	require.NoError(t, err)
	_, ok := r.Get("nope")
	assert.False(t, ok)
	assert.Equal(t, []string{"eris", "iam"}, r.Names())
	snaps := r.Snapshot()
	require.Len(t, snaps, 2)
	assert.Equal(t, "eris", snaps[0].Name)
	assert.Equal(t, "iam", snaps[1].Name)
}

// One RejectedError per generation: made by the generation's first rejection,
// shared by the others, never changed afterwards.
func TestRejectedErrorPerGeneration(t *testing.T) {
	b, c, _ := newTest(t, Config{Name: "iam", HalfOpenMaxCalls: 1})
	trip(b, 5)
	_, err1 := b.Allow()
	_, err2 := b.Allow()
	var err error
	var e1, e2 *RejectedError
	require.ErrorAs(t, err1, &e1)
	require.ErrorAs(t, err2, &e2)
	assert.Same(t, e1, e2, "rejections of one generation share their error")
	assert.Equal(t, RejectedError{Name: "iam", State: Open, Generation: 2, ProbeAt: t0.Add(time.Minute)}, *e1)
	e1.ProbeAt = t0 // a caller that ignores "read-only" does not move the breaker's deadline
	_, err = b.Allow()
	require.ErrorIs(t, err, ErrOpen)
	e1.ProbeAt = t0.Add(time.Minute)

	b.ForceOpen()
	_, err3 := b.Allow()
	var e3 *RejectedError
	require.ErrorAs(t, err3, &e3)
	assert.NotSame(t, e1, e3)
	assert.Equal(t, uint64(2), e3.Generation, "forcing an open circuit keeps its generation")
	assert.True(t, e3.ProbeAt.IsZero())
	assert.Contains(t, e3.Error(), "forced open until Reset")
	assert.Equal(t, t0.Add(time.Minute), e1.ProbeAt, "an error already returned does not change")
	assert.Contains(t, e1.Error(), "next probe at")

	b.Reset()
	trip(b, 5)
	c.Add(time.Minute)
	probe, err := b.Allow()
	require.NoError(t, err)
	_, err4 := b.Allow()
	_, err5 := b.Allow()
	var e4, e5 *RejectedError
	require.ErrorAs(t, err4, &e4)
	require.ErrorAs(t, err5, &e5)
	assert.Same(t, e4, e5)
	assert.ErrorIs(t, e4, ErrTooManyProbes)
	assert.Equal(t, HalfOpen, e4.State)
	assert.Equal(t, probe.Generation(), e4.Generation)
	assert.True(t, e4.ProbeAt.IsZero())
	probe.Done(errBoom)
	_, err6 := b.Allow()
	var e6 *RejectedError
	require.ErrorAs(t, err6, &e6)
	assert.Equal(t, RejectedError{Name: "iam", State: Open, Generation: probe.Generation() + 1, ProbeAt: t0.Add(2 * time.Minute)}, *e6)
}

// With the default clock the deadline checks read only the monotonic clock;
// they must answer as time.Now would, and RetryAfter must stay right.
func TestDefaultClock(t *testing.T) {
	b, err := New(Config{RecoveryTimeout: time.Hour, Logger: discard})
	require.NoError(t, err)
	before := time.Now()
	now := b.clock()
	after := time.Now()
	assert.False(t, now.Before(before), "clock %v before time.Now %v", now, before)
	assert.False(t, after.Before(now), "clock %v after time.Now %v", now, after)
	for _, tc := range []struct {
		deadline time.Time
		want     bool
	}{
		{before, true},
		{before.Add(-time.Millisecond), true},
		{after.Add(time.Millisecond), false},
		{after.Add(time.Hour), false},
		{time.Time{}, true},
	} {
		assert.Equal(t, tc.want, reached(b.clock(), tc.deadline), "deadline %v", tc.deadline)
		if !tc.deadline.IsZero() {
			now, ok := b.reachedNow(tc.deadline)
			assert.Equal(t, tc.want, ok, "deadline %v", tc.deadline)
			if ok {
				assert.False(t, now.Before(before), "reachedNow %v before time.Now %v", now, before)
				assert.False(t, time.Now().Before(now), "reachedNow %v after time.Now", now)
			}
		}
	}

	trip(b, 5)
	before = time.Now()
	for range 3 { // the first rejection takes the lock, the others not
		_, err := b.Allow()
		var re *RejectedError
		require.ErrorAs(t, err, &re)
		assert.ErrorIs(t, err, ErrOpen)
		assert.InDelta(t, float64(time.Hour), float64(re.RetryAfter(before)), float64(time.Second))
		assert.Equal(t, Open, b.State())
	}
}
