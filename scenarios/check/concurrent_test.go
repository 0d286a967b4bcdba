package check_test

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/check"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// Many goroutines share the reference breaker, as in live mode, on
// synctest's fake clock: they wake at the very same instants, so records tie
// and land in the files in any order. The checker's live tolerance must
// accept the correct breaker all the same.
func TestConcurrentCallersPassInLiveMode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		since := func() int64 { return int64(time.Since(t0)) }
		dir := filepath.Join(t.TempDir(), "run")
		cfg := record.BreakerConfig{FailureThreshold: 5, SuccessThreshold: 2, RecoveryTimeoutNs: int64(2 * s), HalfOpenMaxCalls: 2}
		w, err := record.Create(dir, record.Meta{Scenario: "concurrent", Mode: record.ModeLive, T0: t0,
			Dependencies: []record.Dependency{{Name: depName, Breaker: cfg, Phases: []record.Phase{
				{AtNs: 0, Label: "healthy"}, {AtNs: int64(s), Label: "error_rate 100%"}, {AtNs: int64(3 * s), Label: "healthy"}}}},
		}, record.WriterOptions{})
		require.NoError(t, err)
		b, err := breaker.New(breaker.Config{Name: depName, FailureThreshold: 5, RecoveryTimeout: 2 * time.Second,
			Logger: slog.New(slog.DiscardHandler),
			OnStateChange: func(tr breaker.Transition) {
				assert.NoError(t, w.WriteTransition(record.Transition{Dep: depName, From: state(tr.From), To: state(tr.To),
					AtNs: int64(tr.At.Sub(t0)), Gen: tr.Generation, Reason: tr.Reason}))
			}})
		require.NoError(t, err)

		var seq atomic.Uint64
		var wg sync.WaitGroup
		for g := range 20 {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(g), 7))
				for since() < int64(8*s) {
					c := record.Call{Seq: seq.Add(1), Dep: depName, StartNs: since()}
					tk, err := b.Allow()
					if err != nil {
						var re *breaker.RejectedError
						require.True(t, errors.As(err, &re))
						c.Outcome, c.Gen, c.Reject, c.Err, c.EndNs = record.OutcomeRejected, re.Generation, record.RejectOpen, err.Error(), since()
						if errors.Is(err, breaker.ErrTooManyProbes) {
							c.Reject = record.RejectProbeLimit
						}
						assert.NoError(t, w.WriteCall(c))
						time.Sleep(10 * time.Millisecond)
						continue
					}
					assert.NoError(t, w.WriteDepRequest(record.DepRequest{Dep: depName, Seq: c.Seq, AtNs: since()}))
					var callErr error
					if at := since(); at >= int64(s) && at < int64(3*s) {
						callErr = errInjected
					}
					time.Sleep(time.Duration(5+rng.IntN(20)) * time.Millisecond)
					c.Outcome, c.Gen = outcome(tk.Done(callErr)), tk.Generation()
					c.EndNs = since()
					if callErr != nil {
						c.Err = callErr.Error()
					}
					assert.NoError(t, w.WriteCall(c))
				}
			})
		}
		wg.Wait()
		snap := realBreaker{b}.snapshot()
		snap.Dep, snap.AtNs = depName, since()
		require.NoError(t, w.WriteSnapshot(snap))
		zero := 0
		w.UpdateMeta(func(m *record.Meta) { m.EndedNs, m.LeakedGoroutines = since(), &zero })
		require.NoError(t, w.Close())

		run, err := record.Read(dir)
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(run.Transitions), 3, "the breaker opened and recovered")
		v, err := check.Run(run, check.Options{})
		require.NoError(t, err)
		assert.True(t, v.Passed, "failed %v:\n%s", failed(v), explain(v))
		assert.Empty(t, v.Warnings)
	})
}
