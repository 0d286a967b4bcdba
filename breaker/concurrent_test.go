package breaker

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrent runs many goroutines with random outcomes on a moving clock and
// checks what every observer must see: legal transitions, in order, with
// consecutive generations, and never more probes in flight than allowed. It
// runs on an injected clock and on the default one, whose deadline checks
// read the monotonic clock only (Breaker.reached).
func TestConcurrent(t *testing.T) {
	t.Run("injected clock", func(t *testing.T) {
		c := &clock{now: t0}
		runConcurrent(t, c.Now, 50*time.Millisecond, func(r *rand.Rand) {
			if r.IntN(10) == 0 {
				c.Add(time.Duration(r.IntN(20)) * time.Millisecond)
			}
		})
	})
	t.Run("default clock", func(t *testing.T) {
		runConcurrent(t, nil, 100*time.Microsecond, func(*rand.Rand) {})
	})
}

func runConcurrent(t *testing.T, now func() time.Time, recovery time.Duration, tick func(*rand.Rand)) {
	const (
		workers  = 32
		calls    = 2000
		maxProbe = 3
	)
	var (
		mu     sync.Mutex
		seen   []Transition
		probes = map[uint64]int{} // probes in flight per half-open generation
		over   int
	)
	var b *Breaker
	b, err := New(Config{
		FailureThreshold: 3, SuccessThreshold: 2, HalfOpenMaxCalls: maxProbe,
		RecoveryTimeout: recovery, Now: now, Logger: discard,
		OnStateChange: func(tr Transition) {
			mu.Lock()
			seen = append(seen, tr)
			mu.Unlock()
			_ = b.Snapshot() // listeners may call back in
		},
	})
	require.NoError(t, err)

	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for range calls {
				tick(r)
				tk, err := b.Allow()
				if err != nil {
					continue
				}
				if tk.State() == HalfOpen {
					mu.Lock()
					probes[tk.Generation()]++
					if probes[tk.Generation()] > maxProbe {
						over++
					}
					mu.Unlock()
				}
				var result error
				switch n := r.IntN(10); {
				case n < 4:
					result = errBoom
				case n == 4:
					result = context.Canceled
				}
				if tk.State() == HalfOpen {
					mu.Lock()
					probes[tk.Generation()]--
					mu.Unlock()
				}
				tk.Done(result)
			}
		}()
	}
	wg.Wait()

	assert.Zero(t, over, "probes in flight exceeded HalfOpenMaxCalls")
	require.NotEmpty(t, seen)
	legal := map[[2]State]bool{{Closed, Open}: true, {Open, HalfOpen}: true, {HalfOpen, Closed}: true, {HalfOpen, Open}: true}
	from := Closed
	for i, tr := range seen {
		assert.Equal(t, uint64(i+2), tr.Generation, "transition %d out of order", i)
		assert.Equal(t, from, tr.From, "transition %d does not start where the last ended", i)
		assert.True(t, legal[[2]State{tr.From, tr.To}], "illegal transition %v→%v", tr.From, tr.To)
		from = tr.To
	}
	s := b.Snapshot()
	assert.Equal(t, uint64(workers*calls), s.Totals.Success+s.Totals.Failure+s.Totals.Ignored+s.Totals.Rejected,
		"every call has exactly one outcome")
	t.Logf("%d transitions, totals %+v", len(seen), s.Totals)
}
