package scenarios

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stressBase is the start of a stress scenario with one dependency (line 5
// is "  - name: dep").
const stressBase = "name: x\nmode: stress\nduration: 5s\ndependencies:\n  - name: dep\n"

func TestParseStress(t *testing.T) {
	sc, err := Parse("f.yaml", []byte(stressBase+"stress: {goroutines: 64, iterations: 2000, backoff: 200us, snapshot_every: 5ms}\n"))
	require.NoError(t, err)
	assert.Equal(t, ModeStress, sc.Mode)
	assert.Equal(t, &Stress{Goroutines: 64, Iterations: 2000, Backoff: 200 * time.Microsecond, SnapshotEvery: 5 * time.Millisecond}, sc.Stress)
	assert.Contains(t, sc.String(), "(stress, 5s)")
}

// TestParseStressErrors checks that each bad stress setting is reported at
// its line, column and key.
func TestParseStressErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"no stress section", stressBase,
			"f.yaml:1:1: stress: missing: stress mode wants a stress section, e.g. {goroutines: 64, iterations: 2000}"},
		{"no goroutines", stressBase + "stress:\n  iterations: 10\n",
			"f.yaml:6:1: stress.goroutines: missing: want the number of concurrent callers, 1..10000"},
		{"negative goroutines", stressBase + "stress: {goroutines: -4, iterations: 10}\n",
			"f.yaml:6:10: stress.goroutines: -4: want 1..10000"},
		{"too many goroutines", stressBase + "stress:\n  goroutines: 20000\n  iterations: 10\n",
			"f.yaml:7:3: stress.goroutines: 20000: want 1..10000"},
		{"no iterations", stressBase + "stress:\n  goroutines: 8\n",
			"f.yaml:6:1: stress.iterations: missing: want the number of calls each goroutine makes, >= 1"},
		{"too many calls", stressBase + "stress:\n  goroutines: 10000\n  iterations: 5000\n",
			"f.yaml:8:3: stress.iterations: 10000 goroutines × 5000 iterations is 50000000 calls, want at most 20000000"},
		{"negative backoff", stressBase + "stress:\n  goroutines: 8\n  iterations: 10\n  backoff: -1ms\n",
			"f.yaml:9:3: stress.backoff: want a duration >= 0 (0: none)"},
		{"negative snapshot interval", stressBase + "stress:\n  goroutines: 8\n  iterations: 10\n  snapshot_every: -1ms\n",
			"f.yaml:9:3: stress.snapshot_every: want a duration >= 0 (0: 10ms)"},
		{"bad duration", stressBase + "stress:\n  goroutines: 8\n  iterations: 10\n  backoff: 3x\n",
			"f.yaml:9:12: stress.backoff: bad duration \"3x\", want e.g. 250ms, 30s, 2m"},
		{"wrong type", stressBase + "stress:\n  goroutines: many\n  iterations: 10\n",
			"f.yaml:7:15: stress.goroutines: got \"many\", want an integer"},
		{"unknown key", stressBase + "stress:\n  goroutines: 8\n  iteration: 10\n",
			"f.yaml:8:3: stress.iteration: unknown key \"iteration\""},
		{"load in stress mode", stressBase + "load: {rate: 10/s}\nstress: {goroutines: 8, iterations: 10}\n",
			"f.yaml:6:1: load: not used in stress mode, where stress.goroutines call back to back: remove load"},
		{"max_in_flight in stress mode", stressBase + "    faults: {max_in_flight: 3}\nstress: {goroutines: 8, iterations: 10}\n",
			"f.yaml:6:14: dependencies[0].faults.max_in_flight: not supported in stress mode"},
		{"stress in sim mode", "name: x\nduration: 1m\ndependencies:\n  - name: dep\nload: {rate: 10/s}\nstress: {goroutines: 8, iterations: 10}\n",
			"f.yaml:6:1: stress: only in stress mode (this scenario's mode is sim): set mode: stress, or remove stress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.src))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			var fe *FileError
			require.True(t, errors.As(err, &fe), "every error is a *FileError: %v", err)
			assert.Equal(t, "f.yaml", fe.File)
		})
	}
}

// TestCanRun: a stress scenario cannot run in sim mode, nor a sim scenario in stress mode.
func TestCanRun(t *testing.T) {
	stress, err := Parse("s.yaml", []byte(stressBase+"stress: {goroutines: 2, iterations: 2}\n"))
	require.NoError(t, err)
	sim, err := Builtin("nfr6-iam-outage")
	require.NoError(t, err)
	assert.ErrorIs(t, stress.CanRun(ModeSim), ErrModeMismatch)
	assert.ErrorIs(t, sim.CanRun(ModeStress), ErrModeMismatch)
	assert.NoError(t, stress.CanRun(""), "its own mode")
	assert.NoError(t, sim.CanRun(""))
	assert.NoError(t, sim.CanRun(ModeLive))
	assert.ErrorIs(t, sim.CanRun("chaos"), ErrModeMismatch)
}
