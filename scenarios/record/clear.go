package record

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotRunDir matches a directory that is not a recorded run's: it has no
// meta.json.
var ErrNotRunDir = errors.New("record: not a recorded run directory (no meta.json)")

// runFiles are the files this package writes into a run directory, and the
// schema-1 files that calls.bin and dependency.bin replace; a name with a
// suffix (calls.jsonl.zst) is the same file in another encoding.
var runFiles = []string{MetaFile, CallsFile, TransitionsFile, DependencyFile, SnapshotsFile, VerdictFile, InferredFile, OmittedFile,
	legacyNames[CallsFile], legacyNames[DependencyFile]}

// Clear prepares dir to record a new run over an earlier one: it removes
// the files of this package ([MetaFile], the logs, [VerdictFile],
// [InferredFile], in any encoding) so that nothing of the earlier run is
// read as the new one's, and nothing else; other owners (the runner, the
// reports) clear their own files. A dir that does not exist or is empty is
// fine. A dir that holds files but no meta.json, or a file, is not a run
// directory: Clear leaves it alone and returns an error matching
// [ErrNotRunDir], rather than record into someone else's folder.
func Clear(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("record: %w", err)
	case !st.IsDir():
		return fmt.Errorf("%w: %s is a file; record the run elsewhere (another --out) or remove it", ErrNotRunDir, dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if len(entries) == 0 {
		return nil
	}
	if st, err := os.Stat(filepath.Join(dir, MetaFile)); err != nil || !st.Mode().IsRegular() {
		return fmt.Errorf("%w: %s holds other files; record the run elsewhere (another --out) or empty it", ErrNotRunDir, dir)
	}
	for _, e := range entries {
		if e.IsDir() || !isRunFile(e.Name()) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("record: clearing the earlier run: %w", err)
		}
	}
	return nil
}

// isRunFile reports whether name is one of runFiles, with or without a
// suffix, or an atomic write's leftover (.meta.json.RANDOM).
func isRunFile(name string) bool {
	for _, f := range runFiles {
		if name == f || strings.HasPrefix(name, f+".") || strings.HasPrefix(name, "."+f+".") {
			return true
		}
	}
	return false
}
