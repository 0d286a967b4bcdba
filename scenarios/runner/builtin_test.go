package runner

import (
	"context"
	"os"
	"testing"

	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBuiltinsPass runs every built-in scenario against the reference
// breaker: each must pass. Live ones run only with BREAKERLAB_LIVE=1 (they
// take real seconds); nfr6-soak-10m is skipped with -short.
func TestBuiltinsPass(t *testing.T) {
	all, err := scenarios.Builtins()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(all), 14)
	out := t.TempDir()
	for _, sc := range all {
		t.Run(sc.Name, func(t *testing.T) {
			if sc.Mode == scenarios.ModeLive && os.Getenv("BREAKERLAB_LIVE") == "" {
				t.Skip("live scenario: set BREAKERLAB_LIVE=1 to run it")
			}
			if sc.Name == "nfr6-soak-10m" && testing.Short() {
				t.Skip("600 000 calls: skipped with -short")
			}
			res, err := Run(context.Background(), sc, Options{Out: out})
			require.NoError(t, err)
			keepOnFailure(t, res)
			require.NotNil(t, res.Verdict)
			for _, c := range res.Verdict.Checks {
				assert.True(t, c.Passed, "%s %s: %s %v", c.ID, c.Name, c.Detail, c.Violations)
			}
			assert.True(t, res.Passed())
			assert.Positive(t, res.Stats.Calls)
			assert.False(t, res.Interrupted)
		})
	}
}
