package breaker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	t0      = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	errBoom = errors.New("boom")
	discard = slog.New(slog.NewTextHandler(io.Discard, nil))
)

// clock is a manual clock, safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.now = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// newTest returns a breaker on a manual clock at t0 that records its transitions.
func newTest(t *testing.T, cfg Config) (*Breaker, *clock, *[]Transition) {
	t.Helper()
	c := &clock{now: t0}
	var mu sync.Mutex
	var seen []Transition
	cfg.Now = c.Now
	cfg.Logger = discard
	cfg.OnStateChange = func(tr Transition) { mu.Lock(); seen = append(seen, tr); mu.Unlock() }
	b, err := New(cfg)
	require.NoError(t, err)
	return b, c, &seen
}

// step is one line of a timeline: at a time, do something, then want a state
// (the zero State is Closed, so a step without want checks for Closed).
type step struct {
	at   time.Duration // offset from t0
	do   string        // ok, fail, cancel, deadline, reset, force, state, panic, notfailure
	want State
	err  error // what the call must return (errors.Is); nil: not checked
}

func TestTimeline(t *testing.T) {
	s := time.Second
	tests := []struct {
		name  string
		cfg   Config
		steps []step
	}{
		{"opens at the 5th consecutive failure, not the 4th", Config{}, []step{
			{at: 0, do: "fail", want: Closed},
			{at: 1 * s, do: "fail", want: Closed},
			{at: 2 * s, do: "fail", want: Closed},
			{at: 3 * s, do: "fail", want: Closed}, // 4th
			{at: 4 * s, do: "fail", want: Open},   // 5th
			{at: 5 * s, do: "ok", want: Open, err: ErrOpen},
		}},
		{"a success resets the failure count", Config{}, []step{
			{at: 0, do: "fail", want: Closed},
			{at: 0, do: "fail", want: Closed},
			{at: 0, do: "fail", want: Closed},
			{at: 0, do: "fail", want: Closed},
			{at: 0, do: "ok", want: Closed},
			{at: 0, do: "fail", want: Closed},
			{at: 0, do: "fail", want: Closed},
			{at: 0, do: "fail", want: Closed},
			{at: 0, do: "fail", want: Closed},
			{at: 0, do: "fail", want: Open},
		}},
		{"half-open exactly at the recovery timeout, not a tick before", Config{}, []step{
			{at: 0, do: "fail"}, {at: 0, do: "fail"}, {at: 0, do: "fail"}, {at: 0, do: "fail"},
			{at: 10 * s, do: "fail", want: Open},
			{at: 70*s - 1, do: "state", want: Open},
			{at: 70*s - 1, do: "ok", want: Open, err: ErrOpen},
			{at: 70 * s, do: "state", want: HalfOpen},
		}},
		{"closes after the 2nd probe success, not the 1st", Config{}, []step{
			{at: 0, do: "fail"}, {at: 0, do: "fail"}, {at: 0, do: "fail"}, {at: 0, do: "fail"},
			{at: 0, do: "fail", want: Open},
			{at: 60 * s, do: "ok", want: HalfOpen},
			{at: 61 * s, do: "ok", want: Closed},
		}},
		{"a probe failure reopens and restarts the timeout", Config{}, []step{
			{at: 0, do: "fail"}, {at: 0, do: "fail"}, {at: 0, do: "fail"}, {at: 0, do: "fail"},
			{at: 0, do: "fail", want: Open},
			{at: 60 * s, do: "ok", want: HalfOpen},
			{at: 61 * s, do: "fail", want: Open},
			{at: 120 * s, do: "state", want: Open},
			{at: 121*s - 1, do: "state", want: Open},
			{at: 121 * s, do: "state", want: HalfOpen},
		}},
		{"cancellation is neither success nor failure", Config{}, []step{
			{at: 0, do: "fail"}, {at: 0, do: "fail"}, {at: 0, do: "fail"}, {at: 0, do: "fail"},
			{at: 0, do: "cancel", want: Closed},
			{at: 0, do: "fail", want: Open},
			{at: 60 * s, do: "ok", want: HalfOpen},
			{at: 60 * s, do: "cancel", want: HalfOpen},
			{at: 60 * s, do: "ok", want: Closed},
		}},
		{"a deadline is a failure", Config{FailureThreshold: 2}, []step{
			{at: 0, do: "deadline", want: Closed},
			{at: 0, do: "deadline", want: Open},
		}},
		{"a panic is a failure", Config{FailureThreshold: 2}, []step{
			{at: 0, do: "panic", want: Closed},
			{at: 0, do: "panic", want: Open},
		}},
		{"IsFailure false counts as success", Config{FailureThreshold: 2, IsFailure: func(err error) bool { return !errors.Is(err, errBoom) }}, []step{
			{at: 0, do: "fail", want: Closed},
			{at: 0, do: "fail", want: Closed},
			{at: 0, do: "deadline", want: Closed},
			{at: 0, do: "deadline", want: Open},
		}},
		{"reset closes from open", Config{FailureThreshold: 1}, []step{
			{at: 0, do: "fail", want: Open},
			{at: 1 * s, do: "reset", want: Closed},
			{at: 1 * s, do: "ok", want: Closed},
		}},
		{"force open holds past the timeout until reset", Config{}, []step{
			{at: 0, do: "force", want: Open},
			{at: 0, do: "ok", want: Open, err: ErrOpen},
			{at: 1000 * s, do: "state", want: Open},
			{at: 1000 * s, do: "ok", want: Open, err: ErrOpen},
			{at: 1001 * s, do: "reset", want: Closed},
		}},
		{"force open on an open circuit cancels the half-open", Config{FailureThreshold: 1}, []step{
			{at: 0, do: "fail", want: Open},
			{at: 1 * s, do: "force", want: Open},
			{at: 100 * s, do: "state", want: Open},
		}},
		{"custom thresholds", Config{FailureThreshold: 3, SuccessThreshold: 1, RecoveryTimeout: 5 * s}, []step{
			{at: 0, do: "fail"}, {at: 0, do: "fail"},
			{at: 0, do: "fail", want: Open},
			{at: 5 * s, do: "ok", want: Closed},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, c, _ := newTest(t, tt.cfg)
			for i, st := range tt.steps {
				c.Set(t0.Add(st.at))
				err := doStep(b, st.do)
				if st.err != nil {
					assert.ErrorIs(t, err, st.err, "step %d (%s at %v)", i, st.do, st.at)
				}
				assert.Equal(t, st.want, b.State(), "step %d (%s at %v)", i, st.do, st.at)
			}
		})
	}
}

// doStep performs one timeline action and returns what the call returned.
func doStep(b *Breaker, do string) (err error) {
	ctx := context.Background()
	call := func(result error) error {
		return b.Execute(ctx, func(context.Context) error { return result })
	}
	switch do {
	case "ok":
		return call(nil)
	case "fail":
		return call(errBoom)
	case "cancel":
		return call(fmt.Errorf("wrapped: %w", context.Canceled))
	case "deadline":
		return call(context.DeadlineExceeded)
	case "panic":
		defer func() { _ = recover() }()
		return b.Execute(ctx, func(context.Context) error { panic("boom") })
	case "reset":
		b.Reset()
	case "force":
		b.ForceOpen()
	case "state":
	default:
		panic("unknown step " + do)
	}
	return nil
}
