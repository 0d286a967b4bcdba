package breaker

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countDelivered counts transitions as OnStateChange delivered them.
func countDelivered(seen []Transition) TransitionCounts {
	var c TransitionCounts
	for _, tr := range seen {
		c.Add(tr.From, tr.To)
	}
	return c
}

// The transition counts agree exactly with the transitions delivered to
// OnStateChange, and OpenTime is exact, over a timeline with every kind of
// transition: trips, timeouts, probe failures, forced opens (on a closed, an
// open and a due circuit) and resets (of a closed, an open and a due
// circuit). Only Snapshot is called between steps, so that Reset and
// ForceOpen meet circuits whose recovery timeout elapsed unnoticed.
func TestTransitionCountsAndOpenTime(t *testing.T) {
	s := time.Second
	steps := []struct {
		at       time.Duration
		do       string
		wantOpen time.Duration // Snapshot().OpenTime after the step
		wantGen  uint64
	}{
		{0, "fail", 0, 1},
		{0, "fail", 0, 2},               // closed → open at 0
		{4 * s, "none", 4 * s, 2},       // open so far: 4 s
		{10 * s, "none", 10 * s, 3},     // open → half-open at 10 s: the stretch is exactly RecoveryTimeout
		{11 * s, "fail", 10 * s, 4},     // half-open → open at 11 s
		{15 * s, "force", 14 * s, 4},    // forcing an open circuit: no transition
		{100 * s, "none", 99 * s, 4},    // forced: still open at 100 s
		{100 * s, "reset", 99 * s, 5},   // open → closed
		{101 * s, "reset", 99 * s, 6},   // closed → closed
		{101 * s, "force", 99 * s, 7},   // closed → open (forced)
		{103 * s, "reset", 101 * s, 8},  // open → closed
		{103 * s, "fail", 101 * s, 8},   //
		{103 * s, "fail", 101 * s, 9},   // closed → open at 103 s
		{200 * s, "reset", 111 * s, 11}, // due at 113 s: open → half-open at 113 s, half-open → closed
		{200 * s, "fail", 111 * s, 11},  //
		{200 * s, "fail", 111 * s, 12},  // closed → open at 200 s
		{300 * s, "force", 121 * s, 14}, // due at 210 s: open → half-open, half-open → open at 300 s
		{305 * s, "none", 126 * s, 14},  // forced open so far: 5 s
		{305 * s, "reset", 126 * s, 15}, // open → closed
		{400 * s, "none", 126 * s, 15},  // closed time does not count
		{400 * s, "fail", 126 * s, 15},  //
		{400 * s, "fail", 126 * s, 16},  // closed → open at 400 s
		{410 * s, "ok", 136 * s, 17},    // open → half-open at 410 s, then a probe success
		{500 * s, "none", 136 * s, 17},  // half-open time does not count
		{500 * s, "ok", 136 * s, 18},    // half-open → closed
		{500 * s, "state", 136 * s, 18},
	}
	b, c, seen := newTest(t, Config{FailureThreshold: 2, RecoveryTimeout: 10 * s})
	for i, st := range steps {
		c.Set(t0.Add(st.at))
		if st.do != "none" {
			_ = doStep(b, st.do)
		}
		snap := b.Snapshot()
		require.Equal(t, st.wantGen, snap.Generation, "step %d (%s at %v)", i, st.do, st.at)
		assert.Equal(t, st.wantOpen, snap.OpenTime, "step %d (%s at %v)", i, st.do, st.at)
		assert.Equal(t, countDelivered(*seen), snap.Transitions, "step %d (%s at %v)", i, st.do, st.at)
		assert.Equal(t, snap.Generation-1, snap.Transitions.Total(), "every transition starts a generation")
	}
	tc := b.Snapshot().Transitions
	for _, want := range []struct {
		from, to State
		n        uint64
	}{
		{Closed, Open, 5}, {Open, HalfOpen, 4}, {HalfOpen, Open, 2}, {HalfOpen, Closed, 2},
		{Open, Closed, 3}, {Closed, Closed, 1}, {Open, Open, 0}, {Closed, HalfOpen, 0}, {HalfOpen, HalfOpen, 0},
	} {
		assert.Equal(t, want.n, tc.Of(want.from, want.to), "%v → %v", want.from, want.to)
	}
	assert.Equal(t, uint64(17), tc.Total())
	assert.Zero(t, tc.Of(State(7), Open), "an unknown state has no transitions")
}

// A snapshot that reads the clock after a transition out of Open read it,
// but takes the lock first, sees a longer stretch than the transition ends:
// OpenTime must not go back.
func TestOpenTimeNeverDecreases(t *testing.T) {
	c := &clock{now: t0}
	var b *Breaker
	var during Snapshot
	hook := false
	now := func() time.Time {
		at := c.Now()
		if hook {
			// Reset has read the clock at 5 s and not yet taken the lock: a
			// snapshot at 6 s runs now.
			hook = false
			c.Set(t0.Add(6 * time.Second))
			during = b.Snapshot()
		}
		return at
	}
	b, err := New(Config{FailureThreshold: 1, Now: now, Logger: discard})
	require.NoError(t, err)
	_ = doStep(b, "fail")
	c.Set(t0.Add(5 * time.Second))
	hook = true
	b.Reset()
	require.Equal(t, 6*time.Second, during.OpenTime, "the snapshot between Reset's clock read and its lock")
	after := b.Snapshot()
	assert.Equal(t, Closed, after.State)
	assert.Equal(t, 6*time.Second, after.OpenTime, "not the 5 s the reset ended the stretch at")
}
