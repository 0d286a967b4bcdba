package scenarios

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A directory named like a built-in scenario (a run directory of 'run --out
// .') does not shadow it; a directory given as a path is not a scenario.
func TestResolveDirectories(t *testing.T) {
	t.Chdir(t.TempDir())
	require.NoError(t, os.Mkdir("nfr6-iam-outage", 0o755))
	require.NoError(t, os.Mkdir("mine.yaml", 0o755))
	require.NoError(t, os.Mkdir("runs", 0o755))

	sc, err := Resolve("nfr6-iam-outage")
	require.NoError(t, err)
	assert.Equal(t, "builtin:nfr6-iam-outage", sc.File)

	for _, arg := range []string{"." + string(filepath.Separator) + "nfr6-iam-outage", "mine.yaml", "runs"} {
		_, err := Resolve(arg)
		require.ErrorIs(t, err, ErrUnknownScenario, arg)
		assert.Contains(t, err.Error(), `"`+arg+`": a directory, not a scenario file (want a .yaml file or a built-in name`, arg)
	}

	require.NoError(t, os.WriteFile("nfr6-eris-outage", []byte("name: mine\nduration: 1m\nload: {rate: 1/s}\ndependencies:\n  - name: d\n"), 0o644))
	sc, err = Resolve("nfr6-eris-outage")
	require.NoError(t, err)
	assert.Equal(t, "mine", sc.Name, "a file by that name is the user's scenario")
}
