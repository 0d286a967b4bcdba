package fakes_test

import (
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newFake(t *testing.T, cfg fakes.Config) *fakes.Fake {
	t.Helper()
	f, err := fakes.New(cfg)
	require.NoError(t, err)
	return f
}

func TestErrorRateWithinBinomialBounds(t *testing.T) {
	const n, p = 10_000, 0.3
	f := newFake(t, fakes.Config{Seed: 42, Faults: fakes.Faults{ErrorRate: p}})
	errs := 0
	for seq := range int64(n) {
		_, err := f.Simulate(seq)
		if err != nil {
			require.ErrorIs(t, err, fakes.ErrInjected)
			errs++
		}
	}
	sd := math.Sqrt(n * p * (1 - p)) // 45.8
	assert.InDelta(t, n*p, errs, 4*sd, "errors: %d of %d", errs, n)
	c := f.Counters()
	assert.EqualValues(t, n, c.Requests)
	assert.EqualValues(t, errs, c.Of(fakes.KindError))
	assert.EqualValues(t, n-errs, c.Of(fakes.KindNone))
	assert.EqualValues(t, n-1, c.LastSeq)
}

func TestEveryRateLandsWithinBounds(t *testing.T) {
	const n = 20_000
	f := newFake(t, fakes.Config{Seed: 3, Faults: fakes.Faults{
		ErrorRate: 0.1, HangRate: 0.05, ResetRate: 0.05, TruncateRate: 0.1,
		Timeout:  fakes.Timeout{Rate: 0.05, After: time.Second},
		SlowBody: fakes.SlowBody{Rate: 0.1, BytesPerSec: 1000},
	}})
	counts := map[fakes.Kind]int{}
	for seq := range int64(n) {
		counts[f.Decide(seq).Kind]++
	}
	for k, p := range map[fakes.Kind]float64{
		fakes.KindError: 0.1, fakes.KindHang: 0.05, fakes.KindReset: 0.05, fakes.KindTruncate: 0.1,
		fakes.KindTimeout: 0.05, fakes.KindSlowBody: 0.1, fakes.KindNone: 0.55,
	} {
		assert.InDelta(t, n*p, counts[k], 4.5*math.Sqrt(n*p*(1-p)), "%s", k)
	}
}

func TestDecisionsAreDeterministic(t *testing.T) {
	cfg := fakes.Config{Name: "iam", Seed: 99, Now: newClock().Now, Faults: fakes.Faults{ErrorRate: 0.3,
		Latency: fakes.Latency{P50: 10 * time.Millisecond, P99: 50 * time.Millisecond}}}
	a, b := newFake(t, cfg), newFake(t, cfg)
	cfg.Seed = 100
	other := newFake(t, cfg)
	cfg.Seed, cfg.Name = 99, "eris"
	renamed := newFake(t, cfg)

	sameOther, sameRenamed := 0, 0
	for seq := range int64(1000) {
		da, db := a.Decide(seq), b.Decide(seq)
		require.Equal(t, da.Kind, db.Kind)
		require.Equal(t, da.Latency, db.Latency)
		require.Equal(t, da, a.Decide(seq), "Decide is pure")
		if other.Decide(seq).Latency == da.Latency {
			sameOther++
		}
		if renamed.Decide(seq).Latency == da.Latency {
			sameRenamed++
		}
	}
	assert.Less(t, sameOther, 10, "another seed gives other latencies")
	assert.Less(t, sameRenamed, 10, "another name gives other latencies")

	// Concurrency does not change a request's decision: it is keyed on seq.
	var wg sync.WaitGroup
	got := make([]fakes.Kind, 1000)
	for w := range 4 {
		wg.Go(func() {
			for seq := w; seq < len(got); seq += 4 {
				got[seq] = b.Decide(int64(seq)).Kind
			}
		})
	}
	wg.Wait()
	for seq := range got {
		assert.Equal(t, a.Decide(int64(seq)).Kind, got[seq])
	}
}

func TestLatencyDoesNotDependOnErrorRate(t *testing.T) {
	lat := fakes.Latency{P50: 10 * time.Millisecond, P99: 50 * time.Millisecond}
	healthy := newFake(t, fakes.Config{Seed: 5, Faults: fakes.Faults{Latency: lat}})
	failing := newFake(t, fakes.Config{Seed: 5, Faults: fakes.Faults{Latency: lat, ErrorRate: 0.5}})
	for seq := range int64(200) {
		assert.Equal(t, healthy.Decide(seq).Latency, failing.Decide(seq).Latency)
	}
}

func TestSequenceIsExact(t *testing.T) {
	f := newFake(t, fakes.Config{Seed: 1, Faults: fakes.Faults{
		Sequence: fakes.Sequence{Start: 10, Steps: []fakes.Step{{Fault: "error", Count: 5}, {Fault: "none", Count: 2}, {Fault: "reset"}}},
	}})
	var got []string
	for seq := int64(8); seq < 20; seq++ {
		got = append(got, f.Decide(seq).Kind.String())
	}
	assert.Equal(t, []string{
		"none", "none", // before start: the rates decide (none here)
		"error", "error", "error", "error", "error", "none", "none", "reset",
		"none", "none", // after the steps: the rates again
	}, got)

	rep := newFake(t, fakes.Config{Faults: fakes.Faults{ErrorRate: 1,
		Sequence: fakes.Sequence{Repeat: true, Steps: []fakes.Step{{Fault: "none", Count: 2}, {Fault: "hang"}}}}})
	got = got[:0]
	for seq := range int64(7) {
		got = append(got, rep.Decide(seq).Kind.String())
	}
	assert.Equal(t, []string{"none", "none", "hang", "none", "none", "hang", "none"}, got, "a sequence overrides the rates")
}

func TestDecisionFields(t *testing.T) {
	f := newFake(t, fakes.Config{Name: "iam", Faults: fakes.Faults{ErrorStatus: 503, BodyBytes: 1000,
		Latency:  fakes.Latency{P50: 20 * time.Millisecond},
		Timeout:  fakes.Timeout{After: 3 * time.Second},
		SlowBody: fakes.SlowBody{BytesPerSec: 500},
		Sequence: fakes.Sequence{Steps: []fakes.Step{{Fault: "none"}, {Fault: "error"}, {Fault: "hang"},
			{Fault: "timeout"}, {Fault: "reset"}, {Fault: "down"}, {Fault: "slow_body"}, {Fault: "truncate"}}},
	}})
	want := []struct {
		kind    fakes.Kind
		latency time.Duration
		status  int
		is      error
	}{
		{fakes.KindLatency, 20 * time.Millisecond, 200, nil},
		{fakes.KindError, 20 * time.Millisecond, 503, fakes.ErrInjected},
		{fakes.KindHang, fakes.Forever, 0, fakes.ErrHang},
		{fakes.KindTimeout, 3 * time.Second, 0, fakes.ErrTimeout},
		{fakes.KindReset, 0, 0, fakes.ErrReset},
		{fakes.KindDown, 0, 0, fakes.ErrDown},
		{fakes.KindSlowBody, 20*time.Millisecond + 2*time.Second, 200, nil},
		{fakes.KindTruncate, 20 * time.Millisecond, 200, fakes.ErrTruncated},
	}
	for seq, w := range want {
		d := f.Decide(int64(seq))
		assert.Equal(t, w.kind, d.Kind, "seq %d", seq)
		assert.Equal(t, w.latency, d.Latency, "seq %d", seq)
		assert.Equal(t, w.status, d.Status, "seq %d", seq)
		if w.is == nil {
			assert.NoError(t, d.Err)
			continue
		}
		assert.ErrorIs(t, d.Err, w.is, "seq %d", seq)
		assert.ErrorIs(t, d.Err, fakes.ErrInjected, "seq %d", seq)
		var fe *fakes.Error
		require.True(t, errors.As(d.Err, &fe))
		assert.Equal(t, "iam", fe.Fake)
	}
	assert.EqualError(t, f.Decide(1).Err, "fakes: iam: injected error (status 503)")
	assert.NotErrorIs(t, f.Decide(1).Err, fakes.ErrReset)
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, tt := range []struct {
		cfg   fakes.Config
		field string
	}{
		{fakes.Config{Preset: "ldap"}, "preset"},
		{fakes.Config{Name: "i am"}, "name"},
		{fakes.Config{LogSize: -1}, "log_size"},
		{fakes.Config{Faults: fakes.Faults{ErrorRate: 2}}, "error_rate"},
		{fakes.Config{Schedule: &fakes.Schedule{Phases: []fakes.Phase{{At: time.Second}, {At: time.Second}}}}, "schedule.phases[1].at"},
	} {
		_, err := fakes.New(tt.cfg)
		var fe *fakes.FieldError
		if assert.True(t, errors.As(err, &fe), "%+v: %v", tt.cfg, err) {
			assert.Equal(t, tt.field, fe.Field, "%v", err)
		}
	}
	f := newFake(t, fakes.Config{Preset: "llm-gateway"})
	assert.Equal(t, "llm-gateway", f.Name(), "the name defaults to the preset's")
	assert.Equal(t, 10_000, f.Config().LogSize, "defaults are filled in")
	assert.NotNil(t, f.Config().Now)
	assert.Equal(t, "fake", newFake(t, fakes.Config{}).Name())
}
