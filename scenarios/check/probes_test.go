package check_test

import (
	"testing"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// A probe that takes no time (sim), or whose interval trims to nothing
// (real time, stress mode's sub-millisecond probes), overlaps no other: it
// must not stay counted as in flight for the rest of its generation.
func TestI5EmptyProbeIntervals(t *testing.T) {
	runFixtures(t, []fixtureCase{
		{"sim: a zero-length probe", "", func(f *fixture) {
			f.halfOpen()
			f.call(10400, 10400, record.OutcomeIgnored, 3)
			f.call(10500, 10700, record.OutcomeIgnored, 3)
			f.call(10500, 10800, record.OutcomeIgnored, 3)
		}, nil, ""},
		{"live: a probe shorter than the trim", record.ModeLive, func(f *fixture) {
			f.halfOpen()
			f.call(10400, 10401, record.OutcomeIgnored, 3) // trims to nothing at 100 ms tolerance
			f.call(10401, 10700, record.OutcomeIgnored, 3)
			f.call(10402, 10800, record.OutcomeIgnored, 3)
		}, nil, ""},
		{"sim: a zero-length probe among two", "", func(f *fixture) {
			f.halfOpen()
			f.call(10400, 10400, record.OutcomeIgnored, 3)
			f.call(10400, 10700, record.OutcomeIgnored, 3)
			f.call(10400, 10800, record.OutcomeIgnored, 3)
		}, nil, ""},
	})
}

// A stress run records an admitted call inside the breaker's own view of
// it, so its probes are not trimmed: short probes that overlap count.
func TestI5StressProbesUntrimmed(t *testing.T) {
	runFixtures(t, []fixtureCase{
		{"three 1 ms probes at once", record.ModeStress, func(f *fixture) {
			f.halfOpen()
			f.call(10400, 10401, record.OutcomeIgnored, 3)
			f.call(10400, 10401, record.OutcomeIgnored, 3)
			f.call(10400, 10401, record.OutcomeIgnored, 3)
		}, []string{"I5"}, "3 probes in flight in generation 3, at most 2 allowed"},
		{"a probe ending as another starts frees its slot", record.ModeStress, func(f *fixture) {
			f.halfOpen()
			f.call(10400, 10401, record.OutcomeIgnored, 3)
			f.call(10400, 10402, record.OutcomeIgnored, 3)
			f.call(10401, 10403, record.OutcomeIgnored, 3)
		}, nil, ""},
	})
}
