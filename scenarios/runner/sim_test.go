package runner

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSimDeterministic runs one scenario twice with one seed: every file
// must be byte-identical.
func TestSimDeterministic(t *testing.T) {
	// Random latencies and overlapping calls; random cancellations.
	for _, name := range []string{"nfr6-eris-outage", "caller-cancellations"} {
		sc, err := scenarios.Builtin(name)
		require.NoError(t, err)
		a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
		ra, err := Run(context.Background(), sc, Options{Out: a})
		require.NoError(t, err)
		_, err = Run(context.Background(), sc, Options{Out: b})
		require.NoError(t, err)
		_, err = Run(context.Background(), sc, Options{Out: c, Seed: sc.Seed + 1})
		require.NoError(t, err)
		assert.Positive(t, ra.Stats.Calls)
		for _, f := range []string{"meta.json", "calls.jsonl", "transitions.jsonl", "dependency.jsonl", "snapshots.jsonl", "verdict.json"} {
			x := readFile(t, filepath.Join(a, sc.Name, f))
			y := readFile(t, filepath.Join(b, sc.Name, f))
			assert.True(t, x == y, "%s: %s differs between two runs with one seed", name, f)
		}
		assert.NotEqual(t, readFile(t, filepath.Join(a, sc.Name, "calls.jsonl")), readFile(t, filepath.Join(c, sc.Name, "calls.jsonl")),
			"%s: another seed gives other calls", name)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}
