package reports

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A rerun into the same directory leaves nothing of the earlier run's
// reports: a sim run after a live one has no contention plot.
func TestWriteRemovesPlotsTheRunDoesNotHave(t *testing.T) {
	dir := t.TempDir()
	_, err := Write(dir, loadFixture(t, "checkout-flaky"))
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(dir, plotsDir, "contention.svg"), "a live run has one")

	_, err = Write(dir, loadFixture(t, "nfr6-iam-outage"))
	require.NoError(t, err)
	assert.NoFileExists(t, filepath.Join(dir, plotsDir, "contention.svg"))
	assert.NoFileExists(t, filepath.Join(dir, plotsDir, "contention.png"))
	assert.FileExists(t, filepath.Join(dir, plotsDir, "timeline.svg"))

	out := t.TempDir()
	_, err = WriteIndex(out, []*Run{loadFixture(t, "checkout-flaky")}, nil)
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(out, contentionBase+".svg"))
	_, err = WriteIndex(out, []*Run{loadFixture(t, "nfr6-iam-outage")}, nil)
	require.NoError(t, err)
	assert.NoFileExists(t, filepath.Join(out, contentionBase+".svg"), "no run on the real clock: no comparison")
}

// Remove takes the reports away, and nothing else.
func TestRemoveDeletesOnlyTheReports(t *testing.T) {
	dir := t.TempDir()
	_, err := Write(dir, loadFixture(t, "checkout-flaky"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644))
	require.NoError(t, Remove(dir))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "notes.txt", entries[0].Name(), "plots/ went too, once empty")
	require.NoError(t, Remove(dir), "nothing left to remove is fine")
}
