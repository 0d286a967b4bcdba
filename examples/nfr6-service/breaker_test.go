package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// step is one moment of a timeline: at a time, do something, then look.
//
// do is one of:
//
//	ok | fail | timeout | cancel   one call, finished at once with that result
//	begin NAME                     admit a call and keep it in flight as NAME
//	end NAME ok|fail|timeout|cancel   finish the call NAME
//	look                           no call
//
// want is what the clean breaker shows after the step: its state, after
// "rejected " if the step's call was rejected. bug is what the bugged
// breaker shows instead; "" means the same as want.
type step struct {
	at   time.Duration
	do   string
	want string
	bug  string
}

var t0 = time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC)

const sec = time.Second

// fails returns n failing calls at at, the last of which shows last.
func fails(n int, at time.Duration, last string) []step {
	out := make([]step, n)
	for i := range out {
		out[i] = step{at: at, do: "fail", want: "closed"}
	}
	out[n-1].want = last
	return out
}

// timeline joins steps and step slices into one timeline.
func timeline(parts ...any) []step {
	var out []step
	for _, p := range parts {
		switch p := p.(type) {
		case step:
			out = append(out, p)
		case []step:
			out = append(out, p...)
		default:
			panic(fmt.Sprintf("timeline: %T", p))
		}
	}
	return out
}

// results maps a step's result word to the error the service would report.
var results = map[string]error{
	"ok":      nil,
	"fail":    errors.New("iam answered 500 Internal Server Error"),
	"timeout": fmt.Errorf("iam: no answer within 1s: %w", context.DeadlineExceeded),
	"cancel":  fmt.Errorf("iam: the caller hung up: %w", context.Canceled),
}

// play runs steps against a breaker with cfg on a manual clock, asserting
// the clean or the bugged column.
func play(t *testing.T, cfg Config, steps []step, bugged bool) {
	t.Helper()
	now := t0
	cfg.Now = func() time.Time { return now }
	b := NewBreaker(cfg)
	inFlight := map[string]Ticket{}
	for i, st := range steps {
		require.False(t, t0.Add(st.at).Before(now), "step %d goes back in time", i)
		now = t0.Add(st.at)
		f := strings.Fields(st.do)
		rejected := false
		switch f[0] {
		case "look":
		case "ok", "fail", "timeout", "cancel":
			tk, err := b.Allow()
			if rejected = err != nil; !rejected {
				b.Done(tk, results[f[0]])
			}
		case "begin":
			tk, err := b.Allow()
			if rejected = err != nil; !rejected {
				inFlight[f[1]] = tk
			}
		case "end":
			tk, ok := inFlight[f[1]]
			require.True(t, ok, "step %d: no call %q in flight", i, f[1])
			delete(inFlight, f[1])
			res, ok := results[f[2]]
			require.True(t, ok, "step %d: unknown result %q", i, f[2])
			b.Done(tk, res)
		default:
			t.Fatalf("step %d: unknown action %q", i, st.do)
		}
		got := b.State().String()
		if rejected {
			got = "rejected " + got
		}
		want := st.want
		if bugged && st.bug != "" {
			want = st.bug
		}
		assert.Equal(t, want, got, "step %d at +%s: %s", i, st.at, st.do)
	}
}

// TestBreakerTimeline: the clean breaker follows NFR-6 exactly.
func TestBreakerTimeline(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		steps []step
	}{
		{"five consecutive failures open it", Config{}, timeline(
			fails(4, 0, "closed"),
			step{at: 1 * sec, do: "fail", want: "open"},
			step{at: 2 * sec, do: "ok", want: "rejected open"},
		)},
		{"a success resets the count", Config{}, timeline(
			fails(4, 0, "closed"),
			step{at: 1 * sec, do: "ok", want: "closed"},
			fails(4, 2*sec, "closed"),
			step{at: 3 * sec, do: "fail", want: "open"},
		)},
		{"a timeout is a failure", Config{}, timeline(
			step{do: "timeout", want: "closed"},
			step{do: "timeout", want: "closed"},
			step{do: "timeout", want: "closed"},
			step{do: "timeout", want: "closed"},
			step{do: "timeout", want: "open"},
		)},
		{"a hang-up is neither success nor failure", Config{}, timeline(
			fails(4, 0, "closed"),
			step{do: "cancel", want: "closed"},
			step{do: "fail", want: "open"},
		)},
		{"half-open at the recovery timeout, closed after two probe successes", Config{}, timeline(
			fails(5, 0, "open"),
			step{at: 60*sec - 1, do: "ok", want: "rejected open"},
			step{at: 60 * sec, do: "look", want: "half-open"},
			step{at: 61 * sec, do: "ok", want: "half-open"},
			step{at: 62 * sec, do: "ok", want: "closed"},
			step{at: 63 * sec, do: "ok", want: "closed"},
		)},
		{"a probe failure reopens it for another recovery timeout", Config{}, timeline(
			fails(5, 0, "open"),
			step{at: 60 * sec, do: "ok", want: "half-open"},
			step{at: 70 * sec, do: "fail", want: "open"},
			step{at: 130*sec - 1, do: "ok", want: "rejected open"},
			step{at: 130 * sec, do: "look", want: "half-open"},
		)},
		{"at most two probes in flight", Config{}, timeline(
			fails(5, 0, "open"),
			step{at: 60 * sec, do: "begin A", want: "half-open"},
			step{at: 60 * sec, do: "begin B", want: "half-open"},
			step{at: 60 * sec, do: "begin C", want: "rejected half-open"},
			step{at: 61 * sec, do: "end A ok", want: "half-open"},
			step{at: 61 * sec, do: "begin C", want: "half-open"},
			step{at: 62 * sec, do: "end B ok", want: "closed"},
			step{at: 62 * sec, do: "end C fail", want: "closed"}, // a probe of the last generation
		)},
		{"a hung-up probe frees its slot and counts as nothing", Config{}, timeline(
			fails(5, 0, "open"),
			step{at: 60 * sec, do: "begin A", want: "half-open"},
			step{at: 60 * sec, do: "begin B", want: "half-open"},
			step{at: 61 * sec, do: "end A cancel", want: "half-open"},
			step{at: 61 * sec, do: "ok", want: "half-open"},
			step{at: 62 * sec, do: "end B ok", want: "closed"},
		)},
		{"a late failure after the trip changes nothing", Config{}, timeline(
			step{do: "begin A", want: "closed"},
			fails(5, 0, "open"),
			step{at: 1 * sec, do: "end A fail", want: "open"},
			step{at: 60 * sec, do: "look", want: "half-open"},
		)},
		{"a late success after a reopen changes nothing", Config{}, timeline(
			fails(5, 0, "open"),
			step{at: 60 * sec, do: "begin A", want: "half-open"},
			step{at: 60 * sec, do: "begin B", want: "half-open"},
			step{at: 61 * sec, do: "end A fail", want: "open"},
			step{at: 61 * sec, do: "end B ok", want: "open"},
			step{at: 121 * sec, do: "ok", want: "half-open"}, // the first success of this half-open
			step{at: 121 * sec, do: "ok", want: "closed"},
		)},
		{"flag values: threshold 3, recovery 10 s, one probe at a time", Config{FailureThreshold: 3, SuccessThreshold: 1, RecoveryTimeout: 10 * sec}, timeline(
			fails(3, 0, "open"),
			step{at: 10 * sec, do: "begin A", want: "half-open"},
			step{at: 10 * sec, do: "begin B", want: "rejected half-open"},
			step{at: 11 * sec, do: "end A ok", want: "closed"},
		)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { play(t, tt.cfg, tt.steps, false) })
	}
}

// TestBreakerTransitions: OnStateChange sees every transition in order,
// with its generation, time and reason, and may call back into the breaker.
func TestBreakerTransitions(t *testing.T) {
	now := t0
	var got []string
	var b *Breaker
	b = NewBreaker(Config{
		Now: func() time.Time { return now },
		OnStateChange: func(tr Transition) {
			got = append(got, fmt.Sprintf("+%s %s->%s gen %d: %s (state %s)",
				tr.At.Sub(t0), tr.From, tr.To, tr.Generation, tr.Reason, b.State()))
		},
	})
	call := func(err error) {
		if tk, aerr := b.Allow(); aerr == nil {
			b.Done(tk, err)
		}
	}
	for range 5 {
		call(results["fail"])
	}
	now = t0.Add(75 * sec) // the transition is dated when the timeout passed, not when seen
	call(results["fail"])
	now = t0.Add(140 * sec)
	call(nil)
	call(nil)
	assert.Equal(t, []string{
		"+0s closed->open gen 1: 5 consecutive failures (state open)",
		"+1m0s open->half-open gen 2: recovery timeout elapsed (state half-open)",
		"+1m15s half-open->open gen 3: probe failed (state open)",
		"+2m15s open->half-open gen 4: recovery timeout elapsed (state half-open)",
		"+2m20s half-open->closed gen 5: 2 consecutive probe successes (state closed)",
	}, got)
}

// TestBreakerConcurrent hammers one breaker from several goroutines (for
// -race) and checks that the transitions it reports are legal and numbered
// without gaps.
func TestBreakerConcurrent(t *testing.T) {
	var (
		clockMu sync.Mutex
		now     = t0
		trMu    sync.Mutex
		trs     []Transition
	)
	b := NewBreaker(Config{
		RecoveryTimeout: 10 * time.Millisecond,
		Now: func() time.Time {
			clockMu.Lock()
			defer clockMu.Unlock()
			now = now.Add(time.Millisecond) // time moves a little at every reading
			return now
		},
		OnStateChange: func(tr Transition) {
			trMu.Lock()
			trs = append(trs, tr)
			trMu.Unlock()
		},
	})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range 300 {
				tk, err := b.Allow()
				if err != nil {
					continue
				}
				b.Done(tk, []error{nil, results["fail"], results["timeout"], results["cancel"]}[r.IntN(4)])
			}
		})
	}
	wg.Wait()
	legal := map[[2]State]bool{{Closed, Open}: true, {Open, HalfOpen}: true, {HalfOpen, Closed}: true, {HalfOpen, Open}: true}
	require.NotEmpty(t, trs)
	byGen := map[uint64]Transition{}
	for _, tr := range trs {
		assert.True(t, legal[[2]State{tr.From, tr.To}], "illegal transition %s -> %s", tr.From, tr.To)
		byGen[tr.Generation] = tr
	}
	for g := uint64(1); g <= uint64(len(trs)); g++ {
		require.Contains(t, byGen, g, "generation %d missing", g)
		if g > 1 {
			assert.Equal(t, byGen[g-1].To, byGen[g].From, "generation %d does not start where %d ended", g, g-1)
		}
	}
}
