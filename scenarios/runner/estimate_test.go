package runner

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// The live estimate of an external breaker's state, answer by answer, in
// the order the answers arrive (a call's start in ms, its outcome).
func TestTallyEstimate(t *testing.T) {
	const (
		ok   = record.OutcomeSuccess
		fail = record.OutcomeFailure
		rej  = record.OutcomeRejected
	)
	type answer struct {
		start   int64 // ms
		outcome record.Outcome
		want    breaker.State
	}
	tests := []struct {
		name    string
		answers []answer
	}{
		{"closed until a rejection", []answer{
			{0, ok, breaker.Closed}, {10, fail, breaker.Closed}, {20, fail, breaker.Closed},
		}},
		{"trip, probe, close", []answer{
			{0, fail, breaker.Closed}, {10, rej, breaker.Open}, {20, rej, breaker.Open},
			{30, ok, breaker.HalfOpen}, {40, ok, breaker.Closed}, {50, ok, breaker.Closed},
		}},
		{"a failed probe reopens", []answer{
			{10, rej, breaker.Open}, {30, fail, breaker.HalfOpen}, {40, rej, breaker.Open},
		}},
		{"a slow call admitted before the trip answers late and says nothing", []answer{
			{10, rej, breaker.Open}, {5, fail, breaker.Open}, {20, rej, breaker.Open},
		}},
		{"a rejection answered late cuts the admissions that began before it", []answer{
			{10, rej, breaker.Open}, {30, ok, breaker.HalfOpen}, {40, ok, breaker.Closed},
			{35, rej, breaker.HalfOpen}, // 40 alone follows it
		}},
		{"probe slots taken read as open (a known lag)", []answer{
			{10, rej, breaker.Open}, {30, ok, breaker.HalfOpen}, {31, rej, breaker.Open},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := newTally(2)
			_, known := tl.estimate()
			assert.False(t, known, "nothing answered yet")
			for i, a := range tt.answers {
				tl.add(record.Call{StartNs: a.start * 1e6, Outcome: a.outcome})
				got, known := tl.estimate()
				assert.True(t, known)
				assert.Equal(t, a.want, got, "after answer %d (start %d ms, %s)", i, a.start, a.outcome)
			}
			var want record.Totals
			for _, a := range tt.answers {
				switch a.outcome {
				case ok:
					want.Success++
				case fail:
					want.Failure++
				case rej:
					want.Rejected++
				}
			}
			assert.Equal(t, want, tl.counts())
		})
	}
}
