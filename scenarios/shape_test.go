package scenarios

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestShapesInvertHits checks each profile's At against its Hits: call n is
// due exactly when n calls have become due, and the totals are the integrals.
func TestShapesInvertHits(t *testing.T) {
	shapes := []struct {
		s     Shape
		total float64 // calls due in the first minute
	}{
		{Constant{100}, 6000},
		{Ramp{From: 0, To: 200, Over: time.Minute}, 6000},
		{Ramp{From: 300, To: 100, Over: 30 * time.Second}, 6000 + 3000},
		{Sine{Mean: 100, Amplitude: 50, Period: time.Minute}, 6000},
		{Steps{{At: 0, Rate: 50}, {At: 20 * time.Second, Rate: 0}, {At: 40 * time.Second, Rate: 250}}, 1000 + 5000},
	}
	for _, tt := range shapes {
		assert.InDelta(t, tt.total, tt.s.Hits(time.Minute), 1e-6, tt.s.String())
		for _, n := range []float64{1, 10, 999, 2500, 5999} {
			at := tt.s.At(n)
			assert.InDelta(t, n, tt.s.Hits(at), 1e-3, "%s: At(%v) = %s", tt.s, n, at)
		}
	}
	assert.Equal(t, Never, Constant{0}.At(1), "a zero rate never makes a call")
	assert.Equal(t, 20*time.Second+40*time.Second, Steps{{At: 0, Rate: 50}, {At: 20 * time.Second, Rate: 0}, {At: time.Minute, Rate: 10}}.At(1000.0001).Round(time.Second))
}
