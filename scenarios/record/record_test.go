package record_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func testMeta() record.Meta {
	return record.Meta{
		Scenario:    "nfr6-iam-outage",
		Description: "IAM fails for 90 s",
		Mode:        record.ModeSim,
		Seed:        42,
		T0:          time.Date(2026, 11, 26, 19, 0, 0, 123456789, time.UTC),
		DurationNs:  300e9,
		Load:        record.Load{Kind: "constant", Rate: 200, Description: "200/s"},
		Dependencies: []record.Dependency{{
			Name: "iam", Preset: "iam",
			Breaker: record.BreakerConfig{FailureThreshold: 5, SuccessThreshold: 2, RecoveryTimeoutNs: 60e9, HalfOpenMaxCalls: 2},
			Phases: []record.Phase{
				{AtNs: 0, Label: "healthy", Healthy: true},
				{AtNs: 30e9, Label: "error_rate 100%"},
				{AtNs: 120e9, Label: "latency p99 80ms", Healthy: true},
			},
		}},
		Expect: record.Expect{Invariants: []string{"I1", "I2"}, MaxRejectionP99Ns: 1e6},
	}
}

var (
	sampleCalls = []record.Call{
		{Seq: 1, Dep: "iam", StartNs: 10, EndNs: 20, Outcome: record.OutcomeSuccess, Gen: 0},
		{Seq: 2, Dep: "iam", StartNs: 30, EndNs: 45, Outcome: record.OutcomeFailure, Gen: 0, Fallback: true, Err: "injected error"},
		{Seq: 3, Dep: "iam", StartNs: 50, EndNs: 51, Outcome: record.OutcomeRejected, Gen: 1, Reject: record.RejectOpen, Err: "breaker: circuit open"},
		{Seq: 4, Dep: "eris", StartNs: -5, EndNs: 1 << 62, Outcome: record.OutcomeIgnored, Gen: 1<<64 - 1, Err: "quote\" back\\ nl\n tab\t ctl\x01 uni é \u2028 bad\xff"},
	}
	sampleTransitions = []record.Transition{
		{Dep: "iam", From: record.StateClosed, To: record.StateOpen, AtNs: 45, Gen: 1, Reason: "5 consecutive failures"},
		{Dep: "iam", From: record.StateOpen, To: record.StateHalfOpen, AtNs: 60e9 + 45, Gen: 2, Reason: "recovery timeout"},
	}
	sampleDeps = []record.DepRequest{
		{Dep: "iam", Seq: 1, AtNs: 11, Fault: "none", LatencyNs: 9},
		{Dep: "iam", Seq: 2, AtNs: 31, Fault: "error", LatencyNs: 14, Status: 500, Err: "injected error"},
	}
	sampleSnapshots = []record.Snapshot{
		{Dep: "iam", AtNs: 300e9, State: record.StateClosed, Gen: 7, ConsecutiveFailures: 1, ConsecutiveSuccesses: 2, ProbesInFlight: 3,
			Totals: record.Totals{Success: 1, Failure: 2, Ignored: 3, Rejected: 4}},
	}
)

func writeSample(t *testing.T, dir string) {
	t.Helper()
	w, err := record.Create(dir, testMeta(), record.WriterOptions{})
	require.NoError(t, err)
	for _, c := range sampleCalls {
		require.NoError(t, w.WriteCall(c))
	}
	for _, tr := range sampleTransitions {
		require.NoError(t, w.WriteTransition(tr))
	}
	for _, d := range sampleDeps {
		require.NoError(t, w.WriteDepRequest(d))
	}
	for _, s := range sampleSnapshots {
		require.NoError(t, w.WriteSnapshot(s))
	}
	leaked := 0
	w.UpdateMeta(func(m *record.Meta) {
		m.EndedNs = 299e9
		m.Interrupted = true
		m.LeakedGoroutines = &leaked
	})
	require.NoError(t, w.Close())
}

func TestRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out", "run")
	writeSample(t, dir)

	run, err := record.Read(dir)
	require.NoError(t, err)
	assert.Empty(t, run.Warnings)
	want := testMeta()
	want.SchemaVersion = record.SchemaVersion
	want.EndedNs = 299e9
	want.Interrupted = true
	zero := 0
	want.LeakedGoroutines = &zero
	assert.Equal(t, want, run.Meta)

	wantCalls := append([]record.Call(nil), sampleCalls...)
	wantCalls[3].Err = "quote\" back\\ nl\n tab\t ctl\x01 uni é \u2028 bad\ufffd" // invalid UTF-8 is replaced
	assert.Equal(t, wantCalls, run.Calls)
	assert.Equal(t, sampleTransitions, run.Transitions)
	assert.Equal(t, sampleDeps, run.DepRequests)
	assert.Equal(t, sampleSnapshots, run.Snapshots)
}

// The contract fixes key order and spelling; these are its example lines.
func TestLinesMatchContract(t *testing.T) {
	c := record.Call{Seq: 17, Dep: "iam", StartNs: 123, EndNs: 456, Outcome: record.OutcomeSuccess, Gen: 3}
	assert.Equal(t, `{"seq":17,"dep":"iam","start_ns":123,"end_ns":456,"outcome":"success","fallback":false,"gen":3,"err":""}`,
		string(c.AppendJSON(nil)))
	c = record.Call{Seq: 18, Dep: "iam", StartNs: 1, EndNs: 2, Outcome: record.OutcomeRejected, Fallback: true, Gen: 4, Reject: record.RejectProbeLimit, Err: "x"}
	assert.Equal(t, `{"seq":18,"dep":"iam","start_ns":1,"end_ns":2,"outcome":"rejected","fallback":true,"gen":4,"reject":"probe_limit","err":"x"}`,
		string(c.AppendJSON(nil)))
	tr := record.Transition{Dep: "iam", From: record.StateClosed, To: record.StateOpen, AtNs: 31000000000, Gen: 4, Reason: "5 consecutive failures"}
	assert.Equal(t, `{"dep":"iam","from":"closed","to":"open","at_ns":31000000000,"gen":4,"reason":"5 consecutive failures"}`,
		string(mustJSON(t, tr)))
	d := record.DepRequest{Dep: "iam", Seq: 17, AtNs: 124, Fault: "error", LatencyNs: 15000000, Status: 500, Err: "injected error"}
	assert.Equal(t, `{"dep":"iam","seq":17,"at_ns":124,"fault":"error","latency_ns":15000000,"status":500,"err":"injected error"}`,
		string(d.AppendJSON(nil)))
	d = record.DepRequest{Dep: "iam", Seq: 3, AtNs: 5, Fault: "none", SeqSent: true, Attack: "host-2"}
	assert.Equal(t, `{"dep":"iam","seq":3,"at_ns":5,"fault":"none","latency_ns":0,"status":0,"err":"","seq_sent":true,"attack":"host-2"}`,
		string(d.AppendJSON(nil)))
	var back record.DepRequest
	require.NoError(t, json.Unmarshal(d.AppendJSON(nil), &back))
	assert.Equal(t, d, back)
	s := record.Snapshot{Dep: "iam", AtNs: 300000000000, State: record.StateClosed, Gen: 7, Totals: record.Totals{Success: 1, Failure: 2, Rejected: 3}}
	assert.Equal(t, `{"dep":"iam","at_ns":300000000000,"state":"closed","gen":7,"consecutive_failures":0,"consecutive_successes":0,"probes_in_flight":0,"totals":{"success":1,"failure":2,"ignored":0,"rejected":3}}`,
		string(mustJSON(t, s)))
}

// encoding/json must read what we write, with the same values.
func TestLinesAreValidJSON(t *testing.T) {
	for _, c := range sampleCalls {
		line := c.AppendJSON(nil)
		var m map[string]any
		require.NoError(t, json.Unmarshal(line, &m), "%s", line)
		assert.Equal(t, strings.ToValidUTF8(c.Err, "\ufffd"), m["err"])
		assert.Equal(t, c.Outcome.String(), m["outcome"])
		var back record.Call
		require.NoError(t, json.Unmarshal(line, &back))
		assert.Equal(t, c.Seq, back.Seq)
		assert.Equal(t, c.Gen, back.Gen)
	}
}

// Identical input gives identical records: the same bytes for the JSON
// files, the same JSON lines out of the binary ones.
func TestDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writeSample(t, a)
	writeSample(t, b)
	for _, name := range []string{record.MetaFile, record.CallsFile, record.TransitionsFile, record.DependencyFile, record.SnapshotsFile} {
		x, y := catFile(t, filepath.Join(a, name)), catFile(t, filepath.Join(b, name))
		assert.Equal(t, x, y, name)
		assert.NotEmpty(t, x, name)
	}
}

// catFile returns record.Cat's output for the file at path.
func catFile(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out bytes.Buffer
	_, err = record.Cat(&out, f, filepath.Base(path))
	require.NoError(t, err)
	return out.String()
}

func TestConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	w, err := record.Create(dir, testMeta(), record.WriterOptions{FlushInterval: time.Millisecond, BufferSize: 512})
	require.NoError(t, err)
	const goroutines, each = 8, 500
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				seq := uint64(g*each + i)
				assert.NoError(t, w.WriteCall(record.Call{Seq: seq, Dep: "iam", Outcome: record.OutcomeFailure, Err: strings.Repeat("e", i%300)}))
				assert.NoError(t, w.WriteDepRequest(record.DepRequest{Dep: "iam", Seq: seq}))
			}
		})
	}
	wg.Wait()
	require.NoError(t, w.Close())
	run, err := record.Read(dir)
	require.NoError(t, err)
	require.Len(t, run.Calls, goroutines*each)
	require.Len(t, run.DepRequests, goroutines*each)
	seen := make(map[uint64]bool)
	for _, c := range run.Calls {
		assert.Equal(t, int(c.Seq%each)%300, len(c.Err))
		seen[c.Seq] = true
	}
	assert.Len(t, seen, goroutines*each)
}

// A record reaches the file within one flush interval, without Close: a
// killed run's files hold it, and read with a warning that they were cut.
func TestPeriodicFlush(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		w, err := record.Create(dir, testMeta(), record.WriterOptions{})
		require.NoError(t, err)
		require.NoError(t, w.WriteCall(sampleCalls[0]))
		require.NoError(t, w.WriteTransition(sampleTransitions[0]))
		run, err := record.Read(dir)
		require.NoError(t, err)
		assert.Empty(t, run.Calls, "buffered until the flush interval")

		time.Sleep(record.DefaultFlushInterval + time.Millisecond)
		synctest.Wait()
		run, err = record.Read(dir)
		require.NoError(t, err)
		assert.Equal(t, sampleCalls[:1], run.Calls)
		assert.Equal(t, sampleTransitions[:1], run.Transitions)
		require.Len(t, run.Warnings, 1, "the calls end mid-stream (no dependency request was written)")
		assert.Contains(t, run.Warnings[0], "calls.bin: cut off mid-stream")
		require.NoError(t, w.Close())
	})
}

func TestCloseRewritesMetaAndStops(t *testing.T) {
	dir := t.TempDir()
	w, err := record.Create(dir, testMeta(), record.WriterOptions{})
	require.NoError(t, err)
	m, err := record.ReadMeta(dir)
	require.NoError(t, err)
	assert.Zero(t, m.EndedNs)
	assert.Nil(t, m.LeakedGoroutines)

	w.UpdateMeta(func(m *record.Meta) { m.EndedNs = 42 })
	require.NoError(t, w.Close())
	m, err = record.ReadMeta(dir)
	require.NoError(t, err)
	assert.Equal(t, int64(42), m.EndedNs)

	assert.ErrorIs(t, w.Close(), record.ErrClosed)
	assert.ErrorIs(t, w.WriteCall(sampleCalls[0]), record.ErrClosed)
	assert.ErrorIs(t, w.WriteTransition(sampleTransitions[0]), record.ErrClosed)
	assert.ErrorIs(t, w.WriteDepRequest(sampleDeps[0]), record.ErrClosed)
	assert.ErrorIs(t, w.WriteSnapshot(sampleSnapshots[0]), record.ErrClosed)
	assert.ErrorIs(t, w.Flush(), record.ErrClosed)
}

func TestCreateRemovesStaleVerdictAndTruncates(t *testing.T) {
	dir := t.TempDir()
	writeSample(t, dir)
	require.NoError(t, (&record.Verdict{Scenario: "old"}).Write(dir))
	w, err := record.Create(dir, testMeta(), record.WriterOptions{})
	require.NoError(t, err)
	require.NoError(t, w.Close())
	_, err = os.Stat(filepath.Join(dir, record.VerdictFile))
	assert.ErrorIs(t, err, os.ErrNotExist)
	run, err := record.Read(dir)
	require.NoError(t, err)
	assert.Empty(t, run.Calls)
}

func TestCreateRejectsBadOptions(t *testing.T) {
	_, err := record.Create(t.TempDir(), testMeta(), record.WriterOptions{FlushInterval: -1})
	assert.ErrorContains(t, err, "FlushInterval")
	_, err = record.Create(t.TempDir(), testMeta(), record.WriterOptions{BufferSize: -1})
	assert.ErrorContains(t, err, "BufferSize")
}

func TestTruncatedLastLineIsAWarning(t *testing.T) {
	dir := t.TempDir()
	writeSample(t, dir)
	// A schema-1 run: calls.jsonl in place of calls.bin.
	var data []byte
	for _, c := range sampleCalls {
		data = append(c.AppendJSON(data), '\n')
	}
	require.NoError(t, os.Remove(filepath.Join(dir, record.CallsFile)))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "calls.jsonl"), data[:len(data)-20], 0o644))

	run, err := record.Read(dir)
	require.NoError(t, err)
	assert.Len(t, run.Calls, len(sampleCalls)-1)
	require.Len(t, run.Warnings, 1)
	assert.Contains(t, run.Warnings[0], "calls.jsonl:4: last line cut off")
}

func TestLastLineWithoutNewlineIsAccepted(t *testing.T) {
	var got []record.Call
	warnings, err := record.EachCall(strings.NewReader(string(sampleCalls[0].AppendJSON(nil))), "calls.jsonl", func(c *record.Call) error {
		got = append(got, *c)
		return nil
	})
	require.NoError(t, err)
	assert.Empty(t, warnings)
	assert.Equal(t, sampleCalls[:1], got)
}

func TestMissingFilesAreWarnings(t *testing.T) {
	dir := t.TempDir()
	writeSample(t, dir)
	require.NoError(t, os.Remove(filepath.Join(dir, record.SnapshotsFile)))
	run, err := record.Read(dir)
	require.NoError(t, err)
	assert.Empty(t, run.Snapshots)
	require.Len(t, run.Warnings, 1)
	assert.Contains(t, run.Warnings[0], "snapshots.jsonl: missing")

	_, err = record.Read(t.TempDir())
	assert.ErrorContains(t, err, "meta.json")
}

func TestBadLinesNameFileLineAndKey(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"bad outcome", `{"seq":1,"dep":"a","start_ns":1,"end_ns":2,"outcome":"maybe","gen":0}`, `calls.jsonl:2: key "outcome": column 61: unknown outcome "maybe"`},
		{"missing key", `{"seq":1,"dep":"a","start_ns":1,"end_ns":2,"outcome":"success"}`, `calls.jsonl:2: missing key "gen"`},
		{"float seq", `{"seq":1.5,"dep":"a","start_ns":1,"end_ns":2,"outcome":"success","gen":0}`, `calls.jsonl:2: key "seq": column 9: want an integer, got a fraction`},
		{"negative gen", `{"seq":1,"dep":"a","start_ns":1,"end_ns":2,"outcome":"success","gen":-1}`, `key "gen": column 70: want an integer`},
		{"overflow", `{"seq":99999999999999999999,"dep":"a"}`, `key "seq": column 27: integer overflows 64 bits`},
		{"string for int", `{"seq":"1"}`, `key "seq"`},
		{"trailing junk", `{"seq":1,"dep":"a","start_ns":1,"end_ns":2,"outcome":"success","gen":0} x`, `unexpected 'x' after the object`},
		{"not an object", `[1,2]`, `unexpected '[', want '{'`},
		{"bad bool", `{"fallback":yes}`, `key "fallback": column 13: want true or false`},
		{"missing comma", `{"seq":1 "dep":"a"}`, `want ',' or '}'`},
		{"bad escape", `{"dep":"a\q"}`, `key "dep": column 12: bad escape \q`},
		{"control char", "{\"dep\":\"a\x01\"}", `control character 0x1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := string(sampleCalls[0].AppendJSON(nil)) + "\n" + tt.input + "\n"
			_, err := record.EachCall(strings.NewReader(input), "calls.jsonl", func(*record.Call) error { return nil })
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestIntegerAndStringEdges(t *testing.T) {
	const prefix = `{"dep":"a","start_ns":1,"end_ns":2,"outcome":"success","gen":0,`
	tests := []struct {
		name, fields string
		want         record.Call // Dep "a", StartNs 1 and EndNs 2 unless set
		err          string
	}{
		{"max uint64", `"seq":18446744073709551615}`, record.Call{Seq: 1<<64 - 1}, ""},
		{"max uint64 + 1", `"seq":18446744073709551616}`, record.Call{}, "integer overflows 64 bits"},
		{"leading zeros", `"seq":000000000000000000000042}`, record.Call{Seq: 42}, ""},
		{"min int64", `"seq":1,"start_ns":-9223372036854775808}`, record.Call{Seq: 1, StartNs: -1 << 63}, ""},
		{"min int64 - 1", `"seq":1,"start_ns":-9223372036854775809}`, record.Call{}, "integer overflows 64 bits"},
		{"max int64 + 1", `"seq":1,"end_ns":9223372036854775808}`, record.Call{}, "integer overflows 64 bits"},
		{"UTF-8 and DEL kept", "\"seq\":1,\"err\":\"é😀 x\x7f\"}", record.Call{Seq: 1, Err: "é😀 x\x7f"}, ""},
		{"invalid UTF-8 replaced", "\"seq\":1,\"err\":\"a\xffb\xc3\"}", record.Call{Seq: 1, Err: "a\uFFFDb\uFFFD"}, ""},
		{"control character", "\"seq\":1,\"err\":\"a\x1fb\"}", record.Call{}, "control character 0x1f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got record.Call
			_, err := record.EachCall(strings.NewReader(prefix+tt.fields+"\n"), "calls.jsonl", func(c *record.Call) error {
				got = *c
				return nil
			})
			if tt.err != "" {
				assert.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			want := tt.want
			want.Dep, want.Outcome = "a", record.OutcomeSuccess
			if want.StartNs == 0 {
				want.StartNs = 1
			}
			if want.EndNs == 0 {
				want.EndNs = 2
			}
			assert.Equal(t, want, got)
		})
	}
}

func TestUnknownKeysAreSkipped(t *testing.T) {
	line := `{"extra":{"a":[1,2.5e3,"x",{"b":null}],"c":true}, "seq":1,"dep":"a\u00e9\ud83d\ude00","start_ns":-1,"end_ns":2,"outcome":"ignored","gen":0,"latency_ns":5}`
	var c record.Call
	require.NoError(t, json.Unmarshal([]byte(line), &c))
	assert.Equal(t, record.Call{Seq: 1, Dep: "aé😀", StartNs: -1, EndNs: 2, Outcome: record.OutcomeIgnored}, c)
}

func TestCallbackErrorStopsAndPassesThrough(t *testing.T) {
	stop := fmt.Errorf("enough")
	var input bytes.Buffer
	for _, c := range sampleCalls {
		input.Write(c.AppendJSON(nil))
		input.WriteByte('\n')
	}
	n := 0
	_, err := record.EachCall(&input, "calls.jsonl", func(*record.Call) error {
		n++
		return stop
	})
	assert.Equal(t, stop, err)
	assert.Equal(t, 1, n)
}

func TestInvalidCallbackErrorNamesFileAndLine(t *testing.T) {
	var input bytes.Buffer
	for _, c := range sampleCalls {
		input.Write(c.AppendJSON(nil))
		input.WriteString("\n\n") // blank lines count as lines
	}
	tooLate := errors.New("too late")
	n := 0
	_, err := record.EachCall(&input, "calls.jsonl", func(*record.Call) error {
		n++
		if n == 2 {
			return fmt.Errorf("checking: %w", record.Invalid(tooLate))
		}
		return record.Invalid(nil)
	})
	assert.EqualError(t, err, "record: calls.jsonl:3: checking: too late")
	assert.ErrorIs(t, err, tooLate)
	assert.Equal(t, 2, n, "the read stops at the invalid record")

	// The last line is complete JSON without its newline: an invalid record
	// there is an error too, not a cut-off line.
	last := sampleCalls[0].AppendJSON(nil)
	warnings, err := record.EachCall(bytes.NewReader(last), "calls.jsonl", func(*record.Call) error {
		return record.Invalid(tooLate)
	})
	assert.Empty(t, warnings)
	assert.EqualError(t, err, "record: calls.jsonl:1: too late")
}

func TestLongLines(t *testing.T) {
	c := sampleCalls[1]
	c.Err = strings.Repeat("x", 600<<10)
	var got record.Call
	_, err := record.EachCall(bytes.NewReader(append(c.AppendJSON(nil), '\n')), "calls.jsonl", func(r *record.Call) error {
		got = *r
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, c, got)
}

func TestMarshalRejectsInvalidEnums(t *testing.T) {
	_, err := json.Marshal(record.Call{})
	assert.ErrorContains(t, err, "invalid outcome")
	_, err = json.Marshal(record.Transition{From: record.StateOpen})
	assert.ErrorContains(t, err, "invalid state")
	_, err = json.Marshal(record.Snapshot{})
	assert.ErrorContains(t, err, "invalid state")
	var o record.Outcome
	assert.ErrorContains(t, o.UnmarshalText([]byte("nope")), `unknown outcome "nope"`)
	var s record.State
	require.NoError(t, s.UnmarshalText([]byte("half-open")))
	assert.Equal(t, record.StateHalfOpen, s)
	assert.Equal(t, "half-open", s.String())
	assert.Equal(t, "State(9)", record.State(9).String())
}

func TestMetaErrors(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, record.MetaFile), []byte("{\n  \"schema_version\": 1,\n  \"seed\": \"x\"\n}\n"), 0o644))
	_, err := record.ReadMeta(dir)
	assert.ErrorContains(t, err, `meta.json: line 3: key "seed"`)

	require.NoError(t, os.WriteFile(filepath.Join(dir, record.MetaFile), []byte(`{"schema_version": 3}`), 0o644))
	_, err = record.ReadMeta(dir)
	assert.ErrorContains(t, err, `key "schema_version": got 3, want 1 to 2`)
	require.NoError(t, os.WriteFile(filepath.Join(dir, record.MetaFile), []byte(`{"schema_version": 1}`), 0o644))
	m, err := record.ReadMeta(dir)
	require.NoError(t, err, "schema 1 reads")
	assert.Equal(t, 1, m.SchemaVersion)
}

func TestPhaseIsHealthy(t *testing.T) {
	assert.True(t, record.Phase{Label: "healthy"}.IsHealthy())
	assert.True(t, record.Phase{Label: "latency p99 80ms", Healthy: true}.IsHealthy())
	assert.False(t, record.Phase{Label: "error_rate 100%"}.IsHealthy())
	m := testMeta()
	d, ok := m.Dependency("iam")
	assert.True(t, ok)
	assert.Equal(t, "iam", d.Preset)
	_, ok = m.Dependency("nope")
	assert.False(t, ok)
}

func TestVerdictRoundTrip(t *testing.T) {
	dir := t.TempDir()
	v := record.Verdict{
		Scenario: "s",
		Checks: []record.Check{
			{ID: "I2", Kind: record.KindInvariant, Name: "opens at the threshold", Detail: "1 violation", ViolationsTotal: 1,
				Violations: []record.Violation{{ID: "I2", Dep: "iam", AtNs: 5, Gen: 3, Event: "transition #1 closed→open", Message: "m"}}},
			{ID: "I11", Kind: record.KindInvariant, Passed: true, Skipped: true},
		},
		Stats: record.Stats{Calls: 3},
	}
	require.NoError(t, v.Write(dir))
	raw, err := os.ReadFile(filepath.Join(dir, record.VerdictFile))
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"violations": []`)
	assert.Contains(t, string(raw), `"context": []`)
	assert.NotContains(t, string(raw), "null")
	assert.Nil(t, v.Checks[0].Violations[0].Context, "Write does not modify its receiver")

	got, err := record.ReadVerdict(dir)
	require.NoError(t, err)
	assert.Equal(t, record.SchemaVersion, got.SchemaVersion)
	c, ok := got.Check("I2")
	require.True(t, ok)
	assert.Equal(t, "transition #1 closed→open", c.Violations[0].Event)
	assert.Equal(t, []string{}, c.Violations[0].Context)
	_, ok = got.Check("I9")
	assert.False(t, ok)

	_, err = record.ReadVerdict(t.TempDir())
	assert.ErrorContains(t, err, "verdict.json")
}

// Any bytes: an error or a warning, never a panic, and what decodes
// re-encodes to something that decodes the same.
func FuzzEachCall(f *testing.F) {
	for _, c := range sampleCalls {
		f.Add(string(c.AppendJSON(nil)) + "\n")
	}
	f.Add(`{"seq":1,"dep":"a\u00e9\ud83d","start_ns":-1,"end_ns":2,"outcome":"ignored","gen":0,"x":[{"y":null}]}`)
	f.Add(`{"seq":1e3}` + "\n" + `{`)
	f.Fuzz(func(t *testing.T, input string) {
		var got []record.Call
		_, err := record.EachCall(strings.NewReader(input), "calls.jsonl", func(c *record.Call) error {
			got = append(got, *c)
			return nil
		})
		if err != nil {
			return
		}
		for _, c := range got {
			var back record.Call
			require.NoError(t, json.Unmarshal(c.AppendJSON(nil), &back))
			assert.Equal(t, c, back)
		}
	})
}

func TestEncodingJSONRoundTripsEveryRecord(t *testing.T) {
	for _, v := range []any{&sampleTransitions[0], &sampleDeps[1], &sampleSnapshots[0]} {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		switch want := v.(type) {
		case *record.Transition:
			var got record.Transition
			require.NoError(t, json.Unmarshal(b, &got))
			assert.Equal(t, *want, got)
		case *record.DepRequest:
			var got record.DepRequest
			require.NoError(t, json.Unmarshal(b, &got))
			assert.Equal(t, *want, got)
		case *record.Snapshot:
			var got record.Snapshot
			require.NoError(t, json.Unmarshal(b, &got))
			assert.Equal(t, *want, got)
		}
	}
	var tr record.Transition
	assert.EqualError(t, json.Unmarshal([]byte(`{"dep":"a","from":"ajar","to":"open","at_ns":1,"gen":1}`), &tr), `key "from": unknown state "ajar", want closed, open or half-open`)
	assert.EqualError(t, json.Unmarshal([]byte(`{"dep":"a","from":"open","to":"closed","at_ns":1.5,"gen":1}`), &tr), `key "at_ns": want int64, got number 1.5`)
	assert.EqualError(t, json.Unmarshal([]byte(`{"dep":"a","from":"open","to":"closed","gen":1}`), &tr), `missing key "at_ns"`)
	assert.EqualError(t, json.Unmarshal([]byte(`[1]`), &tr), `column 1: unexpected '[', want '{'`)
	assert.EqualError(t, tr.UnmarshalJSON([]byte(`{"dep":"a",}`)), `column 12: invalid character '}' looking for beginning of object key string`)
	var s record.Snapshot
	assert.EqualError(t, json.Unmarshal([]byte(`{"dep":"a","at_ns":1,"state":"open","gen":1}`), &s), `missing key "totals"`)
	assert.EqualError(t, json.Unmarshal([]byte(`{"dep":"a","at_ns":1,"state":"open","gen":1,"totals":{"success":-1}}`), &s), `key "totals": key "success": want uint64, got number -1`)
	var d record.DepRequest
	assert.ErrorContains(t, json.Unmarshal([]byte(`{"dep":"a","seq":1,"at_ns":1,"status":99999999999}`), &d), `key "status": column 50: integer 99999999999 out of range`)
}

func TestCreateFailsOnAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	_, err := record.Create(filepath.Join(file, "run"), testMeta(), record.WriterOptions{})
	assert.ErrorContains(t, err, "not a directory")
}

func TestWriterDir(t *testing.T) {
	dir := t.TempDir()
	w, err := record.Create(dir, testMeta(), record.WriterOptions{})
	require.NoError(t, err)
	assert.Equal(t, dir, w.Dir())
	require.NoError(t, w.Flush())
	require.NoError(t, w.Close())
}

func TestInferredRoundTrip(t *testing.T) {
	dir := t.TempDir()
	ts := []record.Transition{
		{Dep: "iam", From: record.StateClosed, To: record.StateOpen, AtNs: 45, Gen: 2, Reason: "5 consecutive failures", Inferred: true, LoNs: 40, HiNs: 50},
		{Dep: "iam", From: record.StateOpen, To: record.StateHalfOpen, AtNs: 60e9 + 45, Gen: 3, Inferred: true},
	}
	require.NoError(t, record.WriteInferred(dir, ts))
	raw, err := os.ReadFile(filepath.Join(dir, record.InferredFile))
	require.NoError(t, err)
	assert.Equal(t, `{"dep":"iam","from":"closed","to":"open","at_ns":45,"gen":2,"reason":"5 consecutive failures","inferred":true,"lo_ns":40,"hi_ns":50}
{"dep":"iam","from":"open","to":"half-open","at_ns":60000000045,"gen":3,"reason":"","inferred":true}
`, string(raw))
	back, err := record.ReadInferred(dir)
	require.NoError(t, err)
	assert.Equal(t, ts, back)

	err = record.WriteInferred(dir, []record.Transition{{Dep: "iam", From: record.StateOpen}})
	assert.ErrorContains(t, err, "inferred.jsonl: transition 1: ")
	assert.ErrorContains(t, err, "invalid state 0")
}
