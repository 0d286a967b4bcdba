//go:build !race

package breaker

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Rule 10 and the zero-allocation paths. Allocation counts are exact, not
// timings, so they are checked here; speed lives in bench/.
func TestNoAllocations(t *testing.T) {
	ctx := context.Background()
	ok := func(context.Context) error { return nil }
	b, c, _ := newTest(t, Config{})
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = b.Execute(ctx, ok) }), "closed success, Execute")
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		tk, _ := b.Allow()
		tk.Done(nil)
	}), "closed success, two-step")
	trip(b, 5)
	c.Add(time.Second)
	// AllocsPerRun runs f once before measuring: that first rejection of the
	// generation makes its RejectedError.
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = b.Execute(ctx, ok) }), "open rejection")
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = b.State() }), "State while open")
	b.ForceOpen()
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = b.Execute(ctx, ok) }), "forced-open rejection")
}

// Transitions allocate nothing: no generation object, no rejection error
// until a call is rejected, no reason string, and the queue of transitions to
// deliver reuses its array. Checked with a listener (transitions are queued and
// delivered) and without one (the bench's configuration: nothing is queued),
// on an injected clock and on the default one.
func TestTransitionsDoNotAllocate(t *testing.T) {
	ctx := context.Background()
	fail := func(context.Context) error { return errBoom }
	ok := func(context.Context) error { return nil }
	quiet := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		name     string
		listener bool
		clock    bool // injected clock
	}{
		{"listener, injected clock", true, true},
		{"no listener, injected clock", false, true},
		{"no listener, default clock", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{now: t0}
			cfg := Config{FailureThreshold: 2, RecoveryTimeout: time.Nanosecond, Logger: quiet}
			var seen int
			if tc.listener {
				cfg.OnStateChange = func(Transition) { seen++ }
			}
			if tc.clock {
				cfg.Now = c.Now
			}
			b, err := New(cfg)
			require.NoError(t, err)
			trip(b, 2)
			probeFails := func() {
				c.Add(time.Second) // past the recovery timeout, on either clock
				if !tc.clock {
					for b.State() != HalfOpen {
					}
				}
				_ = b.Execute(ctx, fail) // open→half-open, then half-open→open
			}
			assert.Zero(t, testing.AllocsPerRun(1000, probeFails), "failed probe")
			closeAndTrip := func() {
				c.Add(time.Second)
				if !tc.clock {
					for b.State() != HalfOpen {
					}
				}
				_ = b.Execute(ctx, ok)
				_ = b.Execute(ctx, ok) // half-open→closed
				trip(b, 2)             // closed→open
			}
			assert.Zero(t, testing.AllocsPerRun(1000, closeAndTrip), "close and trip")
			reset := func() {
				b.Reset()
				trip(b, 2)
			}
			assert.Zero(t, testing.AllocsPerRun(1000, reset), "reset and trip")
			if tc.listener {
				assert.Positive(t, seen)
			}
		})
	}
}
