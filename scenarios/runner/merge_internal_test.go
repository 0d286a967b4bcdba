package runner

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// The clock model: the offset is interpolated between measurements and
// constant beyond them; the bound is the round trip's half plus the drift
// allowance since (or until) the nearest measurement.
func TestClockModel(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	before := Measurement{At: t0, OffsetNs: 1_000_000, RoundTripNs: 200_000}                      // +1 ms, ±100 µs
	after := Measurement{At: t0.Add(10 * time.Second), OffsetNs: 2_000_000, RoundTripNs: 400_000} // +2 ms, ±200 µs
	one := &clockModel{ms: []Measurement{before}, driftPPM: 100}
	two := &clockModel{ms: []Measurement{before, after}, driftPPM: 100}
	for _, tt := range []struct {
		name       string
		c          *clockModel
		at         time.Duration // after t0
		off, bound int64
	}{
		{"one measurement, at it", one, 0, 1_000_000, 100_000},
		{"one measurement, 10 s later: 1 ms of drift allowed", one, 10 * time.Second, 1_000_000, 100_000 + 1_000_000},
		{"one measurement, 1 s before it", one, -time.Second, 1_000_000, 100_000 + 100_000},
		{"two, halfway: interpolated, nearest 5 s away", two, 5 * time.Second, 1_500_000, 200_000 + 500_000},
		{"two, near the second", two, 9 * time.Second, 1_900_000, 200_000 + 100_000},
		{"two, beyond the second: its offset", two, 12 * time.Second, 2_000_000, 200_000 + 200_000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			off, bound := tt.c.at(t0.Add(tt.at))
			assert.Equal(t, tt.off, off)
			assert.Equal(t, tt.bound, bound)
		})
	}
}

// The staggered start of attacker slot i of n: t0 plus i-1 intervals of
// the rate, on the attacker's own clock.
func TestStartAt(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	r := ClockReading{T0: t0, Rate: 100}
	m := Measurement{OffsetNs: int64(-300 * time.Millisecond)} // its clock is 300 ms ahead
	assert.Equal(t, t0.Add(300*time.Millisecond), StartAt(r, m, 1, 3))
	assert.Equal(t, t0.Add(320*time.Millisecond), StartAt(r, m, 3, 3))
	assert.Equal(t, t0.Add(300*time.Millisecond), StartAt(r, m, 2, 1), "one attacker: no stagger")
}

// The merged load is judged in tenths of the run: a late attacker is
// caught even when the total would pass.
func TestCheckArrival(t *testing.T) {
	sc, err := scenarios.Parse("a.yaml", []byte("name: a\nmode: live\nduration: 10s\ndependencies: [{name: iam}]\nload: {rate: 1000/s}\n"))
	require.NoError(t, err)
	calls := func(from, to time.Duration, every time.Duration) []mergedCall {
		var out []mergedCall
		for at := from; at < to; at += every {
			out = append(out, mergedCall{call: record.Call{StartNs: int64(at)}})
		}
		return out
	}
	full := calls(0, 10*time.Second, time.Millisecond)
	a := checkArrival(full, []int64{0}, sc, int64(10*time.Second))
	assert.Empty(t, a.Short)
	assert.Equal(t, 10000, a.Achieved)
	assert.InDelta(t, 10000, a.Planned, 0.001)

	// The first second at a third of the rate, the rest 5% over: 95% in all.
	late := append(calls(0, time.Second, 3*time.Millisecond), calls(time.Second, 10*time.Second, time.Second/1050)...)
	a = checkArrival(late, []int64{0}, sc, int64(10*time.Second))
	assert.Equal(t, "the merged load in a tenth of the run: 334 calls of 1000 planned (33%) from 0s to 1s", a.Short)

	half := calls(0, 10*time.Second, 2*time.Millisecond)
	a = checkArrival(half, []int64{0}, sc, int64(10*time.Second))
	assert.Contains(t, a.Short, "the merged load: 5000 calls of 10000 planned (50%) from 0s to 10s")

	// A short run is judged on its total only: its tenths hold too few
	// calls. Here the first tenth has none, and the total is 90%.
	short := int64(500 * time.Millisecond)
	a = checkArrival(calls(50*time.Millisecond, 500*time.Millisecond, time.Millisecond), []int64{0}, sc, short)
	assert.Empty(t, a.Short)
	assert.Equal(t, 450, a.Achieved)

	// A call within its clock error of the start or the end counts.
	edges := []mergedCall{{call: record.Call{StartNs: -40_000}}, {call: record.Call{StartNs: short + 40_000}}, {call: record.Call{StartNs: -60_000}}}
	assert.Equal(t, 2, checkArrival(edges, []int64{50_000}, sc, short).Achieved)
}
