package record

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A rerun into a run directory removes what the earlier run recorded, in
// any encoding, and nothing that is not this package's.
func TestClearRemovesOnlyTheRecord(t *testing.T) {
	dir := t.TempDir()
	own := []string{MetaFile, CallsFile, "calls.jsonl", "calls.jsonl.zst", "dependency.jsonl", TransitionsFile, DependencyFile, SnapshotsFile, VerdictFile, InferredFile, ".meta.json.1x2y3z"}
	others := []string{"vegeta.bin", "report.html", "notes.txt", "meta.json5", "plots/timeline.svg"}
	for _, name := range append(own, others...) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644))
	}
	require.NoError(t, Clear(dir))
	for _, name := range own {
		assert.NoFileExists(t, filepath.Join(dir, name))
	}
	for _, name := range others {
		assert.FileExists(t, filepath.Join(dir, name), "not the record's: left to its owner")
	}
}

func TestClearRefusesAFolderThatIsNotARun(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, Clear(filepath.Join(dir, "new")), "a directory yet to be made")
	require.NoError(t, Clear(dir), "an empty one")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, CallsFile), []byte("{}"), 0o644))
	err := Clear(dir)
	require.ErrorIs(t, err, ErrNotRunDir)
	assert.Contains(t, err.Error(), dir+" holds other files")
	assert.FileExists(t, filepath.Join(dir, "main.go"))
	assert.FileExists(t, filepath.Join(dir, CallsFile), "nothing is removed from a folder that is not a run's")

	err = Clear(filepath.Join(dir, "main.go"))
	require.ErrorIs(t, err, ErrNotRunDir)
	assert.Contains(t, err.Error(), "main.go is a file")
}
