package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// TestInterruptedRunKeepsRecords cancels a run mid-way (as Ctrl-C does): the
// load stops, and the records and the verdict of what ran are readable.
func TestInterruptedRunKeepsRecords(t *testing.T) {
	for _, tt := range []struct {
		scenario string
		cancelAt time.Duration
	}{
		{"nfr6-iam-outage", 45 * time.Second}, // sim: just after the circuit opened
		{"live-iam-outage", 1500 * time.Millisecond},
	} {
		t.Run(tt.scenario, func(t *testing.T) {
			sc, err := scenarios.Builtin(tt.scenario)
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := t.TempDir()
			res, err := Run(ctx, sc, Options{Out: out, ProgressEvery: 50 * time.Millisecond, Progress: func(p Progress) {
				if p.Elapsed >= tt.cancelAt {
					cancel()
				}
			}})
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInterrupted), "%v", err)
			require.NotNil(t, res)
			assert.True(t, res.Interrupted)
			assert.Less(t, res.Elapsed, sc.Duration/2, "the load stopped early")

			dir := filepath.Join(out, sc.Name)
			run, err := record.Read(dir)
			require.NoError(t, err)
			assert.Empty(t, run.Warnings, "every line was flushed whole")
			assert.True(t, run.Meta.Interrupted)
			assert.Equal(t, int64(res.Elapsed), run.Meta.EndedNs)
			assert.NotEmpty(t, run.Calls)
			assert.NotEmpty(t, run.Transitions, "the outage at 1s/30s opened the circuit before the cancel")
			admitted := 0
			for _, c := range run.Calls {
				assert.NotZero(t, c.Outcome, "every call has an outcome")
				if c.Outcome != record.OutcomeRejected {
					admitted++
				}
			}
			assert.Equal(t, admitted, len(run.DepRequests), "every admitted call reached the dependency, and only those")
			v, err := record.ReadVerdict(dir)
			require.NoError(t, err)
			assert.Equal(t, len(run.Calls), v.Stats.Calls)
			assert.Regexp(t, `^interrupted after \d`, v.Incomplete, "the verdict says the run was cut short")
			assert.False(t, v.Passed, "a run cut short does not pass")
			assert.Contains(t, []string{record.StatusIncomplete, record.StatusFailed}, v.Status(),
				"never passed; failed when a check whose window was cut off failed")
			assert.False(t, res.Passed())
			_, err = os.Stat(filepath.Join(dir, record.VerdictFile))
			require.NoError(t, err)
		})
	}
}
