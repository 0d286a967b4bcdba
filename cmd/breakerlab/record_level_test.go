package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// A run recorded at the windows level, or recorded in full and judged at
// it (--check windows), gets the verdict and the report numbers of the
// same run recorded and judged in full, from a fraction of the calls.
func TestRecordWindowsJudgesAndReportsAsFull(t *testing.T) {
	dir := t.TempDir()
	summaries := map[string]map[string]any{}
	for _, flags := range [][2]string{{"--record", "full"}, {"--record", "windows:8"}, {"--check", "windows:8"}} {
		out := filepath.Join(dir, strings.TrimPrefix(flags[0], "--")+"-"+flags[1])
		code, stdout, stderr := runCLI(t, "run", flags[0], flags[1], "--out", out, "nfr6-iam-outage")
		require.Equal(t, exitOK, code, stdout+stderr)
		raw, err := os.ReadFile(filepath.Join(out, "nfr6-iam-outage", "summary.json"))
		require.NoError(t, err)
		var s map[string]any
		require.NoError(t, json.Unmarshal(raw, &s))
		summaries[flags[0]+" "+flags[1]] = s
	}
	full := summaries["--record full"]
	for _, other := range []string{"--record windows:8", "--check windows:8"} {
		for _, key := range []string{"status", "passed", "check_counts", "dependencies"} {
			require.Contains(t, full, key)
			assert.Equal(t, full[key], summaries[other][key], "%s: %s", other, key)
		}
	}
	v, err := record.ReadVerdict(filepath.Join(dir, "check-windows:8", "nfr6-iam-outage"))
	require.NoError(t, err)
	assert.Contains(t, strings.Join(v.Warnings, "\n"), "judged at the windows level, streamed from a full record (8 calls at each end")
	streamed, err := record.Read(filepath.Join(dir, "check-windows:8", "nfr6-iam-outage"))
	require.NoError(t, err)
	assert.False(t, streamed.Meta.Windows(), "recorded in full: every call stays on disk")
	assert.Len(t, streamed.Calls, 24000)
	run, err := record.Read(filepath.Join(dir, "record-windows:8", "nfr6-iam-outage"))
	require.NoError(t, err)
	assert.Equal(t, record.LevelWindows, run.Meta.RecordLevel)
	assert.Less(t, len(run.Calls), 24000/4, "most calls of the 24 000 are omitted")
	assert.NotEmpty(t, run.Omitted)
}

func TestRecordFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--record", "some"}, `run: --record "some": want full, windows or windows:N`},
		{[]string{"--record", "windows:x"}, `run: --record "windows:x": N must be a whole number of calls from 1 to 1048576`},
		{[]string{"--record", "windows:3"}, "run: --record windows:3: nfr6-iam-outage: needs windows of at least 4 calls (success_threshold + half_open_max_calls)"},
		{[]string{"--record", "windows", "race-stress"}, "run: --record windows: race-stress: stress mode records every call (each caller writes its calls in one batch"},
		{[]string{"--check", "windows:2:x"}, `run: --check "windows:2:x": N must be a whole number of calls from 1 to 1048576`},
		{[]string{"--check", "all"}, `run: --check "all": want full, windows or windows:N`},
		{[]string{"--check", "windows:3"}, "run: --check windows:3: nfr6-iam-outage: needs windows of at least 4 calls"},
		{[]string{"--check", "windows", "race-stress"}, "run: --check windows: race-stress: stress mode records every call"},
	} {
		args := append([]string{"run", "--out", t.TempDir()}, tc.args...)
		if !strings.HasSuffix(args[len(args)-1], "-stress") {
			args = append(args, "nfr6-iam-outage")
		}
		code, stdout, stderr := runCLI(t, args...)
		assert.Equal(t, exitUsage, code, tc.args)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, tc.want)
	}
}

// A live run's calls reach the recorder in the order they ended, which the
// windows level needs: it passes, omits calls, and warns of nothing.
func TestRecordWindowsLive(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--record", "windows", "--no-report", "--out", out, "live-iam-outage")
	require.Equal(t, exitOK, code, stdout+stderr)
	run, err := record.Read(filepath.Join(out, "live-iam-outage"))
	require.NoError(t, err)
	assert.Empty(t, run.Meta.Warnings)
	var omitted int64
	for _, o := range run.Omitted {
		omitted += o.Calls
	}
	assert.Positive(t, omitted)
	assert.Equal(t, 8, run.Meta.WindowCalls)
}
