package reports

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// writeRun writes a small run directory from file contents keyed by name.
func writeRun(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	return dir
}

// The small runs are schema 1, as breakerlab recorded before calls.bin:
// JSON lines, which Load still reads.
const (
	v1CallsFile      = "calls.jsonl"
	v1DependencyFile = "dependency.jsonl"
)

const smallMeta = `{"schema_version":1,"scenario":"small","mode":"sim","duration_ns":10000000000,"ended_ns":10000000000,
 "dependencies":[{"name":"iam","breaker":{"failure_threshold":2,"success_threshold":1,"recovery_timeout_ns":3000000000,"half_open_max_calls":1},
   "phases":[{"at_ns":0,"label":"healthy"},{"at_ns":2000000000,"label":"down"}]}],
 "expect":{"invariants":["I1","I2"],"max_rejection_p99_ns":1000000}}`

const smallCalls = `{"seq":1,"dep":"iam","start_ns":1000000000,"end_ns":1010000000,"outcome":"success","fallback":false,"gen":1,"err":""}
{"seq":2,"dep":"iam","start_ns":2000000000,"end_ns":2005000000,"outcome":"failure","fallback":true,"gen":1,"err":"injected \"error\""}
{"seq":3,"dep":"iam","start_ns":2100000000,"end_ns":2105000000,"outcome":"failure","fallback":false,"gen":1,"err":"injected error"}
{"seq":4,"dep":"iam","start_ns":2200000000,"end_ns":2200002000,"outcome":"rejected","fallback":true,"gen":2,"reject":"open","err":"breaker: circuit open"}
{"seq":5,"dep":"iam","start_ns":2300000000,"end_ns":2300002000,"outcome":"rejected","fallback":false,"gen":2,"reject":"open","err":"breaker: circuit open"}
{"seq":6,"dep":"iam","start_ns":5200000000,"end_ns":5200000000,"outcome":"ignored","fallback":false,"gen":3,"err":"context canceled"}
`

const smallTransitions = `{"dep":"iam","from":"closed","to":"open","at_ns":2105000000,"gen":2,"reason":"2 consecutive failures"}
{"dep":"iam","from":"open","to":"half-open","at_ns":5105000000,"gen":3,"reason":"recovery timeout"}
{"dep":"iam","from":"half-open","to":"closed","at_ns":6000000000,"gen":4,"reason":"1 probe success"}
`

const smallDeps = `{"dep":"iam","seq":1,"at_ns":1000100000,"fault":"none","latency_ns":9000000,"status":0,"err":""}
{"dep":"iam","seq":2,"at_ns":2000100000,"fault":"error","latency_ns":4000000,"status":0,"err":"injected error"}
{"dep":"iam","seq":3,"at_ns":2100100000,"fault":"error","latency_ns":4000000,"status":0,"err":"injected error"}
{"dep":"iam","seq":6,"at_ns":5200100000,"fault":"none","latency_ns":0,"status":0,"err":""}
`

func smallRun(t *testing.T, override map[string]string) string {
	files := map[string]string{
		record.MetaFile: smallMeta, v1CallsFile: smallCalls, record.TransitionsFile: smallTransitions, v1DependencyFile: smallDeps,
		record.SnapshotsFile: `{"dep":"iam","at_ns":10000000000,"state":"closed","gen":4,"totals":{"success":1,"failure":2,"ignored":1,"rejected":2}}` + "\n",
	}
	for k, v := range override {
		if v == "" {
			delete(files, k)
		} else {
			files[k] = v
		}
	}
	return writeRun(t, files)
}

func TestLoadAggregates(t *testing.T) {
	r, err := Load(smallRun(t, nil))
	require.NoError(t, err)
	require.Len(t, r.deps, 1)
	d := r.deps[0]
	assert.Equal(t, record.Totals{Success: 1, Failure: 2, Ignored: 1, Rejected: 2}, d.Totals)
	assert.Equal(t, int64(6), d.Calls())
	assert.Equal(t, int64(2), d.Fallback)
	assert.Equal(t, int64(2), d.RejectedOpen)
	assert.Equal(t, int64(4), d.Requests)
	assert.Equal(t, map[string]int64{"none": 2, "error": 2}, d.Faults)
	assert.Len(t, d.Reported, 3)
	assert.Empty(t, d.Inferred, "no inferred.jsonl")
	require.NotNil(t, d.Final)
	assert.Equal(t, uint64(4), d.Final.Gen)
	assert.Equal(t, int64(10e9), r.endNs)
	assert.Equal(t, []string{"verdict.json: missing; every check is reported as not checked"}, r.Warnings)

	assert.Equal(t, latencyStats{Count: 2, Min: 2000, P50: 2000, P90: 2000, P99: 2000, Max: 2000, Mean: 2000}, d.Latency("rejected"))
	assert.Equal(t, int64(10_000_000), d.Latency("success").Max)
	assert.Equal(t, int64(4), d.Latency("admitted").Count, "success, 2 failures and the ignored call ran")
	assert.Equal(t, int64(0), d.Latency("admitted").Min, "the ignored call took no time")

	st := r.states(d)
	assert.Equal(t, sourceReported, st.source, "not checked: the breaker's own transitions")
	spans := st.spans(r.endNs)
	assert.Equal(t, []stateSpan{
		{State: "closed", FromNs: 0, ToNs: 2105000000, EnteredBecause: "start"},
		{State: "open", FromNs: 2105000000, ToNs: 5105000000, Generation: 2, EnteredBecause: "2 consecutive failures"},
		{State: "half-open", FromNs: 5105000000, ToNs: 6000000000, Generation: 3, EnteredBecause: "recovery timeout"},
		{State: "closed", FromNs: 6000000000, ToNs: 10000000000, Generation: 4, EnteredBecause: "1 probe success"},
	}, spans)
	in := st.timeIn(r.endNs)
	assert.Equal(t, 3*time.Second, in["open"])
	assert.Equal(t, 895*time.Millisecond, in["half-open"])
	assert.Equal(t, []episode{{OpenedNs: 2105000000, FirstProbeNs: 5105000000, ClosedNs: 6000000000, HalfOpenTries: 1}},
		episodes(d.Reported))

	checks := r.checks()
	require.Len(t, checks, 2, "max_rejection_p99 is I9's bound, not a check of its own")
	assert.Equal(t, "I1", checks[0].ID)
	assert.Equal(t, "I2", checks[1].ID)
	for _, c := range checks {
		assert.Equal(t, record.StatusNotChecked, c.Status)
	}
	assert.Equal(t, record.StatusNotChecked, r.Status())
}

func TestLoadCutShortLastLine(t *testing.T) {
	dir := smallRun(t, map[string]string{v1CallsFile: smallCalls + `{"seq":7,"dep":"iam","start_`})
	r, err := Load(dir)
	require.NoError(t, err)
	assert.Equal(t, int64(6), r.deps[0].Calls(), "the half line is skipped")
	assert.Contains(t, r.Warnings, "calls.jsonl:7: last line cut off (column 29: unterminated string); skipped")
}

func TestLoadErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"bad line in the middle", map[string]string{v1CallsFile: "{\"seq\":1,\"dep\":\"iam\"\nnot json\n" + smallCalls},
			"calls.jsonl:1: "},
		{"unknown outcome", map[string]string{v1CallsFile: `{"seq":1,"dep":"iam","start_ns":1,"end_ns":2,"outcome":"maybe","gen":1}` + "\n"},
			`calls.jsonl:1: key "outcome": column 63: unknown outcome "maybe", want success, failure, ignored or rejected`},
		{"end before start", map[string]string{v1CallsFile: smallCalls + `{"seq":9,"dep":"iam","start_ns":5,"end_ns":2,"outcome":"success","gen":1}` + "\n"},
			"calls.jsonl:7: end_ns 2 before start_ns 5"},
		{"missing dep", map[string]string{v1DependencyFile: `{"seq":1,"at_ns":5}` + "\n"},
			`dependency.jsonl:1: missing key "dep"`},
		{"empty dep", map[string]string{v1DependencyFile: smallDeps + `{"dep":"","seq":1,"at_ns":5}` + "\n"},
			`dependency.jsonl:5: key "dep": empty name`},
		{"bad state", map[string]string{record.TransitionsFile: `{"dep":"iam","from":"closed","to":"ajar","at_ns":1,"gen":2}` + "\n"},
			`transitions.jsonl:1: key "to": unknown state "ajar", want closed, open or half-open`},
		{"bad meta", map[string]string{record.MetaFile: "{\n \"scenario\": 5\n}"},
			`meta.json: line 2: key "scenario"`},
		{"newer schema version", map[string]string{record.MetaFile: `{"schema_version":3,"scenario":"small"}`},
			`meta.json: key "schema_version": got 3, want 1 to 2`},
		{"bad verdict", map[string]string{record.VerdictFile: "{\n\"passed\": tru\n}"},
			`verdict.json: line 3: invalid character`},
		{"repeated dependency", map[string]string{record.MetaFile: `{"schema_version":1,"dependencies":[{"name":"a"},{"name":"a"}]}`},
			`meta.json: dependencies[1]: name "a" is empty or repeated`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(smallRun(t, tt.files))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestNotCheckedOpensExpectation(t *testing.T) {
	tests := []struct {
		expect string
		want   string
	}{
		{`"min_opens":1`, "each circuit opens >= 1 times"},
		{`"min_opens":1,"max_opens":2`, "each circuit opens 1..2 times"},
		{`"max_opens":0`, "each circuit opens 0..0 times"},
		{`"min_opens":0`, ""}, // no bound: no check
	}
	for _, tt := range tests {
		t.Run(tt.expect, func(t *testing.T) {
			meta := `{"schema_version":1,"scenario":"small","ended_ns":1,"expect":{"invariants":["I1"],` + tt.expect + `}}`
			r, err := Load(smallRun(t, map[string]string{record.MetaFile: meta}))
			require.NoError(t, err)
			assert.Empty(t, summarize(r).T0, "meta.json without t0")
			checks := r.checks()
			if tt.want == "" {
				assert.Len(t, checks, 1, "I1 only")
				return
			}
			require.Len(t, checks, 2)
			assert.Equal(t, checkResult{ID: "opens", Kind: "expectation", Name: tt.want, Status: record.StatusNotChecked,
				Detail: "verdict.json is missing: the checker did not run"}, checks[1])
		})
	}
}

func TestLoadNotARunDir(t *testing.T) {
	_, err := Load(t.TempDir())
	assert.ErrorIs(t, err, record.ErrNotRunDir)
}

func TestLoadMissingLogsAreWarnings(t *testing.T) {
	r, err := Load(smallRun(t, map[string]string{v1DependencyFile: "", record.SnapshotsFile: "", record.TransitionsFile: ""}))
	require.NoError(t, err)
	assert.Contains(t, r.Warnings, "dependency.bin: missing; read as empty", "named as it is now called")
	assert.Contains(t, r.Warnings, "snapshots.jsonl: missing; read as empty")
	assert.Contains(t, r.Warnings, "transitions.jsonl: missing; read as empty")
	assert.Nil(t, r.deps[0].Final)
	assert.Equal(t, []stateSpan{{State: "closed", ToNs: 10e9, EnteredBecause: "start"}}, r.states(r.deps[0]).spans(r.endNs))
}

func TestLoadDependencyOnlyInLogs(t *testing.T) {
	r, err := Load(smallRun(t, map[string]string{v1CallsFile: smallCalls +
		`{"seq":1,"dep":"eris","start_ns":1,"end_ns":2,"outcome":"success","gen":0}` + "\n"}))
	require.NoError(t, err)
	require.Len(t, r.deps, 2)
	assert.Equal(t, "iam", r.deps[0].Name, "meta.json order first")
	assert.Equal(t, "eris", r.deps[1].Name)
	assert.Equal(t, uint64(1), r.deps[1].Totals.Success)
}

func TestLoadLongLine(t *testing.T) {
	long := `{"seq":1,"dep":"iam","start_ns":1,"end_ns":2,"outcome":"success","gen":1,"err":"` + strings.Repeat("x", 600<<10) + `"}` + "\n"
	r, err := Load(smallRun(t, map[string]string{v1CallsFile: long + smallCalls}))
	require.NoError(t, err)
	assert.Equal(t, int64(7), r.deps[0].Calls(), "a line longer than the read buffer decodes")
}

func TestSeriesCoarsenKeepsCounts(t *testing.T) {
	s := newSeries(int64(time.Millisecond))
	var n int64
	for i := range 5000 {
		b := s.at(int64(i) * int64(time.Millisecond) * 3)
		b.classes[clsSuccess]++
		n++
	}
	assert.LessOrEqual(t, len(s.buckets), maxStoredBuckets)
	assert.Equal(t, int64(32*time.Millisecond), s.width, "doubled until 15 s fits in 480 buckets")
	var total int64
	for i := range s.buckets {
		total += s.buckets[i].calls()
	}
	assert.Equal(t, n, total)
	assert.Equal(t, int64(0), s.at(-5).classes[clsFailure], "negative times land in the first bucket")
}

func TestDisplayBuckets(t *testing.T) {
	tests := []struct {
		name     string
		planned  time.Duration
		calls    int64
		wantW    time.Duration
		wantN    int
		maxWidth time.Duration
	}{
		{"10 s at 200/s", 10 * time.Second, 2000, 100 * time.Millisecond, 100, time.Second},
		{"10 min at 1000/s", 10 * time.Minute, 600000, 5 * time.Second, 120, 10 * time.Second},
		{"1 h at 10/s", time.Hour, 36000, 40 * time.Second, 90, time.Minute},
		{"10 s at 5/s", 10 * time.Second, 50, 250 * time.Millisecond, 40, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := storedWidth(tt.planned)
			stored := int(int64(tt.planned) / w)
			f := displayFactor(stored, tt.calls)
			width := time.Duration(w * int64(f))
			n := stored / f
			assert.Equal(t, tt.wantW, width)
			assert.Equal(t, tt.wantN, n)
			assert.GreaterOrEqual(t, n, minDisplayBuckets)
			assert.LessOrEqual(t, n, maxDisplayBuckets)
			assert.LessOrEqual(t, width, tt.maxWidth)
		})
	}
}

func TestFindRuns(t *testing.T) {
	out := t.TempDir()
	for _, name := range []string{"b", "a"} {
		require.NoError(t, os.MkdirAll(filepath.Join(out, name), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(out, name, record.MetaFile), []byte(smallMeta), 0o644))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(out, "not-a-run"), 0o755))

	runs, err := FindRuns(out)
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(out, "a"), filepath.Join(out, "b")}, runs)

	runs, err = FindRuns(filepath.Join(out, "a"))
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(out, "a")}, runs)

	_, err = FindRuns(filepath.Join(out, "not-a-run"))
	assert.ErrorIs(t, err, record.ErrNotRunDir)
	_, err = FindRuns(filepath.Join(out, "missing"))
	assert.Error(t, err)
	_, err = FindRuns(filepath.Join(out, "a", record.MetaFile))
	assert.ErrorContains(t, err, "not a directory")
	assert.False(t, errors.Is(err, record.ErrNotRunDir))
}
