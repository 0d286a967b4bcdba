//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package runner

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStderrTap: while runs go, what the process writes to stderr reaches
// the real stderr unchanged, and each run gets the race reports written
// while it went.
func TestStderrTap(t *testing.T) {
	// The real stderr is a file here, to read what reached it.
	real, err := os.Create(t.TempDir() + "/stderr")
	require.NoError(t, err)
	defer real.Close()
	saved, err := dupFD(2)
	require.NoError(t, err)
	require.NoError(t, redirectFD(int(real.Fd()), 2))
	restored := false
	restore := func() {
		if !restored {
			restored = true
			require.NoError(t, redirectFD(saved, 2))
			require.NoError(t, closeFD(saved))
		}
	}
	defer restore()

	first, err := tap.start()
	require.NoError(t, err)
	second, err := tap.start() // a run overlapping the first
	require.NoError(t, err)
	_, err = os.Stderr.WriteString(raceReport)
	require.NoError(t, err)
	got := tap.stop(first, 1)
	_, err = os.Stderr.WriteString("only the second run watches\n" + raceReport)
	require.NoError(t, err)
	got2 := tap.stop(second, 2)
	_, err = os.Stderr.WriteString("after\n")
	require.NoError(t, err)
	restore()

	require.Len(t, got, 1)
	require.Len(t, got2, 2)
	assert.Equal(t, got[0].lines, got2[1].lines)
	assert.Equal(t, "Read at 0x00c000094028 by goroutine 10:", got[0].lines[0])
	b, err := os.ReadFile(real.Name())
	require.NoError(t, err)
	assert.Equal(t, raceReport+"only the second run watches\n"+raceReport+"after\n", string(b))
	assert.False(t, strings.Contains(string(b), "\x00"))
	assert.Zero(t, tap.users)
	assert.Nil(t, tap.r, "stopped with its last run")
}
