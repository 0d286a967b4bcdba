package peers

import (
	"errors"
	"flag"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/breakerlab/breakerlab/bench"
	ref "github.com/breakerlab/breakerlab/breaker"
)

func TestMain(m *testing.M) {
	// eapache moves to half-open from a goroutine that sleeps for the recovery
	// timeout; after the open-reject path it is still asleep.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/eapache/go-resiliency/breaker.(*Breaker).timer"))
}

var errDep = errors.New("dependency failed")

// TestNFR6Mapping drives each peer through the NFR-6 timeline in fake time:
// closed after 4 failures, open at the 5th, rejecting without running,
// probes after 60 s, closed after 2 probe successes.
func TestNFR6Mapping(t *testing.T) {
	for _, impl := range Impls() {
		t.Run(impl.Name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b, err := impl.New(bench.NFR6())
				require.NoError(t, err)
				fail := b.Bind(func() error { return errDep })
				ran := 0
				succeed := b.Bind(func() error { ran++; return nil })

				for range 4 {
					assert.ErrorIs(t, fail(), errDep)
				}
				assert.Equal(t, ref.Closed, b.State(), "after 4 failures")
				assert.ErrorIs(t, fail(), errDep)
				assert.Equal(t, ref.Open, b.State(), "after the 5th failure")
				assert.Error(t, succeed(), "rejected while open")
				assert.Zero(t, ran, "a rejected call must not run")

				// gobreaker opens for probes strictly after the timeout, one
				// tick later than NFR-6's Now >= openedAt + RecoveryTimeout.
				time.Sleep(60*time.Second + time.Nanosecond)
				synctest.Wait() // eapache's timer goroutine
				require.NoError(t, succeed(), "the first probe")
				assert.Equal(t, ref.HalfOpen, b.State(), "after one probe success")
				require.NoError(t, succeed(), "the second probe")
				assert.Equal(t, ref.Closed, b.State(), "after two probe successes")
				assert.Equal(t, 2, ran)
			})
		})
	}
}

func TestProbeFailureReopens(t *testing.T) {
	for _, impl := range Impls() {
		t.Run(impl.Name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b, err := impl.New(bench.NFR6())
				require.NoError(t, err)
				fail := b.Bind(func() error { return errDep })
				for range 5 {
					_ = fail()
				}
				time.Sleep(60*time.Second + time.Nanosecond)
				synctest.Wait()
				assert.ErrorIs(t, fail(), errDep, "the probe runs and fails")
				assert.Equal(t, ref.Open, b.State())
				time.Sleep(60 * time.Second) // let eapache's timer goroutine finish inside the bubble
				synctest.Wait()
			})
		})
	}
}

// TestSuiteRunsAgainstPeers runs every path's serial and par=1 case briefly:
// each case's own outcome check must hold for every peer.
func TestSuiteRunsAgainstPeers(t *testing.T) {
	f := flag.Lookup("test.benchtime")
	old := f.Value.String()
	require.NoError(t, f.Value.Set("100x"))
	defer func() { _ = f.Value.Set(old) }()
	perImpl := map[string]int{}
	for _, c := range bench.Cases(Impls()) {
		if c.Par > 1 {
			continue
		}
		var err error
		r := testing.Benchmark(func(b *testing.B) {
			if err = c.Measure(b); err != nil {
				b.FailNow()
			}
		})
		require.NoError(t, err, c.Name())
		assert.Equal(t, 100, r.N, c.Name())
		perImpl[c.Impl.Name]++
	}
	assert.Equal(t, map[string]int{"gobreaker": 10, "failsafe": 10, "eapache": 6}, perImpl,
		"5 paths × 2 modes; eapache skips closed-1pct and half-open-probe")
}
