package fakes_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// samples returns n latencies decided by a fake with latency l.
func samples(t *testing.T, l fakes.Latency, n int) []time.Duration {
	t.Helper()
	f, err := fakes.New(fakes.Config{Seed: 7, Faults: fakes.Faults{Latency: l}})
	require.NoError(t, err)
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = f.Decide(int64(i)).Latency
	}
	slices.Sort(out)
	return out
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	return sorted[int(q*float64(len(sorted)-1))]
}

func TestLatencyQuantiles(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name     string
		lat      fakes.Latency
		p50, p99 time.Duration
	}{
		{"fixed", fakes.Latency{P50: 20 * ms}, 20 * ms, 20 * ms},
		{"uniform from quantiles", fakes.Latency{Dist: "uniform", P50: 20 * ms, P99: 30 * ms}, 20 * ms, 30 * ms},
		{"uniform from min max", fakes.Latency{Dist: "uniform", Min: 10 * ms, Max: 30 * ms}, 20 * ms, 29800 * time.Microsecond},
		{"normal", fakes.Latency{Dist: "normal", P50: 100 * ms, P99: 200 * ms}, 100 * ms, 200 * ms},
		{"normal from mean sd", fakes.Latency{Dist: "normal", Mean: 100 * ms, StdDev: 10 * ms}, 100 * ms, 123260 * time.Microsecond},
		{"lognormal", fakes.Latency{Dist: "lognormal", P50: 15 * ms, P99: 80 * ms}, 15 * ms, 80 * ms},
		{"lognormal by default", fakes.Latency{P50: 15 * ms, P99: 80 * ms}, 15 * ms, 80 * ms},
		{"pareto", fakes.Latency{Dist: "pareto", P50: 800 * ms, P99: 8 * time.Second}, 800 * ms, 8 * time.Second},
		{"pareto from alpha", fakes.Latency{Dist: "pareto", P50: 100 * ms, Alpha: 1}, 100 * ms, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := samples(t, tt.lat, 50_000)
			assert.InEpsilon(t, float64(tt.p50), float64(quantile(s, 0.50)), 0.05, "p50")
			assert.InEpsilon(t, float64(tt.p99), float64(quantile(s, 0.99)), 0.10, "p99")
		})
	}
}

func TestLatencyClampAndJitter(t *testing.T) {
	ms := time.Millisecond
	s := samples(t, fakes.Latency{Dist: "pareto", P50: 100 * ms, P99: 10 * time.Second, Min: 90 * ms, Max: 2 * time.Second}, 10_000)
	assert.GreaterOrEqual(t, s[0], 90*ms)
	assert.Equal(t, 2*time.Second, s[len(s)-1], "the tail is clamped at max")

	s = samples(t, fakes.Latency{P50: 20 * ms, Jitter: 5 * ms}, 10_000)
	assert.GreaterOrEqual(t, s[0], 15*ms)
	assert.Less(t, s[0], 15*ms+100*time.Microsecond, "jitter reaches its low end")
	assert.LessOrEqual(t, s[len(s)-1], 25*ms)
	assert.Greater(t, s[len(s)-1], 25*ms-100*time.Microsecond, "jitter reaches its high end")

	s = samples(t, fakes.Latency{Dist: "normal", P50: 5 * ms, P99: 50 * ms}, 10_000)
	assert.Equal(t, time.Duration(0), s[0], "normal samples below 0 are raised to min 0")
}

func TestLatencyValidate(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		lat   fakes.Latency
		field string
	}{
		{fakes.Latency{P50: -ms}, "p50"},
		{fakes.Latency{P50: 20 * ms, P99: 10 * ms}, "p99"},
		{fakes.Latency{Dist: "gamma", P50: ms}, "dist"},
		{fakes.Latency{Dist: "uniform", P50: 10 * ms, P99: 50 * ms}, "p99"},
		{fakes.Latency{Dist: "uniform", P50: 10 * ms}, "p99"},
		{fakes.Latency{Min: 20 * ms, Max: 10 * ms}, "max"},
		{fakes.Latency{Dist: "lognormal", P50: 10 * ms}, "p99"},
		{fakes.Latency{Dist: "pareto", P99: 10 * ms}, "p50"},
		{fakes.Latency{Dist: "normal", P50: 10 * ms}, "p99"},
		{fakes.Latency{Sigma: -1, P50: ms}, "sigma"},
		{fakes.Latency{Jitter: -ms}, "jitter"},
	}
	for _, tt := range tests {
		err := tt.lat.Validate()
		var fe *fakes.FieldError
		if assert.True(t, errors.As(err, &fe), "%+v: want a FieldError, got %v", tt.lat, err) {
			assert.Equal(t, tt.field, fe.Field, "%+v: %v", tt.lat, err)
		}
	}
	assert.NoError(t, fakes.Latency{}.Validate())
	assert.Equal(t, "lognormal p50 15ms p99 80ms", fakes.Latency{P50: 15 * ms, P99: 80 * ms}.String())
}
