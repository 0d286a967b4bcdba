package check_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/check"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// A fold (a short streak of failures and cancellations among successes,
// left out of a windows-level record) is judged in I2 as failures that did
// not open the circuit, and the breaker's consecutive-failure count is not
// judged while the fold's failures counted; outside a fold's stretch it is.
func TestFoldedFailures(t *testing.T) {
	verdict := func(outcome record.Outcome, resetNs int64, snapAt int) record.Verdict {
		f := newFixture(record.ModeSim)
		f.run.Meta.RecordLevel, f.run.Meta.WindowCalls = record.LevelWindows, 4
		f.reports()
		for i := range 10 {
			f.ok(i*100, i*100+10)
		}
		// Between the 5th and 6th recorded successes: a failure (or a
		// cancellation), then 4 successes, all omitted.
		f.run.Omitted = []record.Omitted{{Dep: depName, Outcome: outcome, Err: "injected error", Calls: 1,
			StartNs: msNs(460), EndNs: msNs(470), ResetNs: resetNs, Requests: 1, Faults: map[string]int64{"error": 1}}}
		f.snap = &record.Snapshot{Dep: depName, AtNs: msNs(snapAt), State: record.StateClosed, Gen: 1, ConsecutiveFailures: 1,
			Totals: record.Totals{Success: 5, Failure: 1}} // by 475 ms
		if outcome == record.OutcomeIgnored {
			f.snap.ConsecutiveFailures, f.snap.Totals = 0, record.Totals{Success: 5, Ignored: 1}
		}
		v, err := check.Run(f.build(), check.Options{})
		require.NoError(t, err)
		return v
	}
	byID := func(v record.Verdict, id string) record.Check {
		for _, c := range v.Checks {
			if c.ID == id {
				return c
			}
		}
		t.Fatalf("no check %s", id)
		return record.Check{}
	}

	v := verdict(record.OutcomeFailure, msNs(480), 475)
	assert.Empty(t, failed(v), explain(v))
	i2 := byID(v, "I2")
	assert.False(t, i2.Skipped, "the folded failure is judged: it did not open the circuit")
	assert.Contains(t, i2.Detail, "1 trip judged")

	v = verdict(record.OutcomeFailure, 0, 475) // not a fold: nothing excuses the count
	assert.Equal(t, []string{"R2"}, failed(v), explain(v))

	v = verdict(record.OutcomeIgnored, msNs(480), 475)
	assert.Empty(t, failed(v), explain(v))
	assert.True(t, byID(v, "I2").Skipped, "a folded cancellation is no failure")
}
