package check_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/check"
)

// TestRecordedRunsOfACorrectBreaker: probe-race-stress runs of seedport
// recorded under -race on a loaded machine, where the checker once blamed
// the breaker for what the records cannot tell apart. seedport is correct
// (its model tests say so), so each must pass, its report and its inferred
// timeline agreeing:
//   - half-open-at-end: it reports the half-open its recovery timeout
//     allowed just before the run ended, which no call showed (was R1);
//   - stalled-probe: two calls stalled ~12 ms waiting for the lock, and the
//     one taken for the failing probe was not it, so the reopening looked
//     later than it was and the next probe early (was I4).
func TestRecordedRunsOfACorrectBreaker(t *testing.T) {
	// windows-probe-fails-reopens: recorded at the windows level (4), it
	// has more snapshots than calls, and the checker once took a snapshot
	// for a call while looking for a probe result's cause (an index out of
	// range).
	for _, name := range []string{"seedport-half-open-at-end", "seedport-stalled-probe", "windows-probe-fails-reopens"} {
		t.Run(name, func(t *testing.T) {
			v, inferred, err := check.Dir("testdata/"+name, check.Options{})
			require.NoError(t, err)
			assert.True(t, v.Passed, explain(v))
			assert.NotEmpty(t, inferred)
			for _, c := range v.Checks {
				if c.ID == "R1" || c.ID == "I4" {
					assert.False(t, c.Skipped, "%s judged", c.ID)
				}
			}
		})
	}
}
