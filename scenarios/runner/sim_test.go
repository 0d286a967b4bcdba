package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSimDeterministic runs one scenario twice with one seed: every file
// must hold the same records (read as JSON lines: the compressed bytes of
// calls.bin and dependency.bin depend on where the timed flushes fell).
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
		for _, f := range []string{record.MetaFile, record.CallsFile, record.TransitionsFile, record.DependencyFile, record.SnapshotsFile, record.VerdictFile} {
			x := readFile(t, filepath.Join(a, sc.Name, f))
			y := readFile(t, filepath.Join(b, sc.Name, f))
			assert.True(t, x == y, "%s: %s differs between two runs with one seed", name, f)
		}
		assert.NotEqual(t, readFile(t, filepath.Join(a, sc.Name, record.CallsFile)), readFile(t, filepath.Join(c, sc.Name, record.CallsFile)),
			"%s: another seed gives other calls", name)
	}
}

// readFile returns the file's records as JSON lines (record.Cat).
func readFile(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var b strings.Builder
	_, err = record.Cat(&b, f, path)
	require.NoError(t, err)
	return b.String()
}
