//go:build unix

package record

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// meta.json and verdict.json, written atomically, get the mode of the record
// files beside them (calls.bin, transitions.jsonl, …): 0666 less the umask, 0644 under the usual 022, so that
// an artifact upload run as another user can read them.
func TestAtomicFilesRespectTheUmask(t *testing.T) {
	for _, tc := range []struct {
		umask int
		want  os.FileMode
	}{{0o022, 0o644}, {0o002, 0o664}, {0o077, 0o600}} {
		old := syscall.Umask(tc.umask)
		dir := filepath.Join(t.TempDir(), "run")
		w, err := Create(dir, Meta{Scenario: "modes", T0: time.Unix(0, 0)}, WriterOptions{})
		require.NoError(t, err)
		require.NoError(t, w.Close())
		require.NoError(t, (&Verdict{Scenario: "modes", Passed: true}).Write(dir))
		syscall.Umask(old)
		for _, name := range []string{MetaFile, VerdictFile, CallsFile} {
			st, err := os.Stat(filepath.Join(dir, name))
			require.NoError(t, err)
			assert.Equal(t, tc.want, st.Mode().Perm(), "%s under umask %03o", name, tc.umask)
		}
	}
}
