package record_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// writeCalls records calls and requests into a new run directory.
func writeCalls(t *testing.T, calls []record.Call, deps []record.DepRequest) string {
	t.Helper()
	dir := t.TempDir()
	w, err := record.Create(dir, testMeta(), record.WriterOptions{})
	require.NoError(t, err)
	for _, c := range calls {
		require.NoError(t, w.WriteCall(c))
	}
	for _, d := range deps {
		require.NoError(t, w.WriteDepRequest(d))
	}
	require.NoError(t, w.Close())
	return dir
}

// Every value round-trips, whatever the differences between neighbours.
func TestBinaryRoundTripsEdges(t *testing.T) {
	calls := []record.Call{
		{Seq: math.MaxUint64, Dep: "a", StartNs: math.MinInt64, EndNs: math.MaxInt64, Outcome: record.OutcomeSuccess, Gen: math.MaxUint64},
		{Seq: 0, Dep: "b", StartNs: math.MaxInt64, EndNs: math.MinInt64, Outcome: record.OutcomeFailure, Gen: 0, Fallback: true},
		{Seq: 7, Dep: "a", StartNs: 10, AdmitNs: 12, DoneNs: 18, EndNs: 20, Outcome: record.OutcomeIgnored, Err: "context canceled"},
		{Seq: 8, Dep: "a", StartNs: 10, AdmitNs: 10, DoneNs: 20, EndNs: 20, Outcome: record.OutcomeSuccess}, // admit = start, done = end: left out
		{Seq: 9, Dep: "a", StartNs: 30, EndNs: 31, Outcome: record.OutcomeRejected, Reject: record.RejectProbeLimit, Err: "bad\xff\xfe utf-8"},
	}
	for i := range 5000 { // more distinct strings than the table holds
		calls = append(calls, record.Call{Seq: uint64(100 + i), Dep: "a", StartNs: int64(i), EndNs: int64(i), Outcome: record.OutcomeFailure, Err: fmt.Sprintf("error %d", i%4500)})
	}
	deps := []record.DepRequest{
		{Dep: "a", Seq: math.MaxUint64, AtNs: math.MinInt64, Fault: "hang", LatencyNs: -1, Status: -3, HungUp: true},
		{Dep: "b", Seq: 1, AtNs: math.MaxInt64, Fault: "none", LatencyNs: math.MaxInt64, Status: 503, Err: "x", SeqSent: true},
		{Dep: "b", Seq: 1, AtNs: 5, Fault: "none", SeqSent: true, Attack: "host-1"},
		{Dep: "b", Seq: 1, AtNs: 6, Fault: "none", SeqSent: true, Attack: "host-2"},
		{Dep: "b", Seq: 2, AtNs: 7, Fault: "none", SeqSent: true, Attack: "host-1"}, // the attacker's name by reference
		{Dep: "b", Seq: 2, AtNs: 8, Fault: "none", SeqSent: true},
	}
	run, err := record.Read(writeCalls(t, calls, deps))
	require.NoError(t, err)
	assert.Empty(t, run.Warnings)
	want := append([]record.Call(nil), calls...)
	want[3].AdmitNs, want[3].DoneNs = 0, 0
	want[4].Err = "bad\ufffd\ufffd utf-8" // as the JSON lines read it
	assert.Equal(t, want, run.Calls)
	assert.Equal(t, deps, run.DepRequests)
}

// binaryFile is a calls file holding payload as its records.
func binaryFile(t testing.TB, kind string, payload []byte) []byte {
	var out bytes.Buffer
	fmt.Fprintf(&out, "breakerlab %s v%d: binary records\n", kind, record.SchemaVersion)
	z, err := zstd.NewWriter(&out)
	require.NoError(t, err)
	_, err = z.Write(payload)
	require.NoError(t, err)
	require.NoError(t, z.Close())
	return out.Bytes()
}

func eachCall(data []byte) ([]record.Call, []string, error) {
	var got []record.Call
	warnings, err := record.EachCall(bytes.NewReader(data), "calls.bin", func(c *record.Call) error {
		got = append(got, *c)
		return nil
	})
	return got, warnings, err
}

func TestBinaryBadFilesAreErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"other version", []byte("breakerlab calls v9: binary records\n"), "calls.bin: binary records of version 9, want 2"},
		{"other kind", []byte("breakerlab dependency v2: binary records\n"), "calls.bin: holds dependency records, not calls"},
		{"unreadable header", []byte("breakerlab !\n"), `calls.bin: unreadable first line "breakerlab !"`},
		{"not zstd", []byte("breakerlab calls v2: x\nplain text"), "calls.bin: reading record 1: invalid input: magic number mismatch"},
		{"bad outcome", binaryFile(t, "calls", []byte{7, 0, 2, 0, 0, 0, 2, 2}), "calls.bin: record 1: corrupt record: outcome 7, want 1–4"},
		{"unknown flags", binaryFile(t, "calls", []byte{1 | 64, 0, 2, 0, 0, 0, 2, 2}), "calls.bin: record 1: corrupt record: unknown flags 0x40"},
		{"undefined string", binaryFile(t, "calls", []byte{1, 0, 9, 0, 0, 0, 2, 2}), "calls.bin: record 1: corrupt record: string #7 is not defined"},
		{"huge string", binaryFile(t, "calls", []byte{1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}), "corrupt record: a string of 4294967295 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := eachCall(tt.data)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	calls, warnings, err := eachCall(binaryFile(t, "calls", []byte{1, 2, 1, 3, 'i', 'a', 'm', 4, 6, 0, 2, 2}))
	require.NoError(t, err, "the payload these cases spoil is a good call")
	assert.Empty(t, warnings)
	assert.Equal(t, []record.Call{{Seq: 1, Dep: "iam", StartNs: 2, EndNs: 5, Outcome: record.OutcomeSuccess}}, calls)
}

// A killed run loses nothing it flushed: cut the file anywhere, and every
// call flushed before the cut reads, in order, with a warning; nothing
// else is read, and nothing fails.
func TestBinaryCutAnywhere(t *testing.T) {
	dir := t.TempDir()
	w, err := record.Create(dir, testMeta(), record.WriterOptions{FlushInterval: time.Hour}) // the test flushes
	require.NoError(t, err)
	path := filepath.Join(dir, record.CallsFile)
	var (
		calls   []record.Call
		flushed []int // file size after each flush
		counts  []int // calls written by then
	)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 800 {
		c := benchCall(i)
		c.EndNs += rng.Int64N(20e6) // latencies that do not compress away
		calls = append(calls, c)
		require.NoError(t, w.WriteCall(c))
		if i%100 == 99 { // a flush interval
			require.NoError(t, w.Flush())
			st, err := os.Stat(path)
			require.NoError(t, err)
			flushed = append(flushed, int(st.Size()))
			counts = append(counts, i+1)
		}
	}
	killed, err := os.ReadFile(path) // what a kill -9 now leaves
	require.NoError(t, err)
	require.NoError(t, w.Close())
	full, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(full, killed), "Close only appends")

	got, warnings, err := eachCall(killed)
	require.NoError(t, err)
	assert.Equal(t, calls, got, "everything flushed reads")
	assert.Equal(t, []string{"calls.bin: cut off mid-stream (the run was killed, or is still being written); read what was flushed before it"}, warnings)

	for cut := 0; cut <= len(full); cut++ {
		if !nearAny(cut, append(flushed, 0, len(killed), len(full)), 24) && cut%7 != 0 {
			continue // every offset near a flush or an end, every 7th elsewhere
		}
		got, warnings, err := eachCall(full[:cut])
		require.NoError(t, err, "cut at %d of %d", cut, len(full))
		if len(got) > 0 {
			require.Equal(t, calls[:len(got)], got, "cut at %d: a prefix of the calls", cut)
		}
		least := 0
		for i, size := range flushed {
			if cut >= size {
				least = counts[i]
			}
		}
		require.GreaterOrEqual(t, len(got), least, "cut at %d: every call flushed before it", cut)
		if cut == len(full) {
			require.Empty(t, warnings)
		} else if cut > bytes.IndexByte(full, '\n')+1 { // a header alone is an empty file
			require.NotEmpty(t, warnings, "cut at %d: the cut is reported", cut)
		}
	}
}

func nearAny(x int, marks []int, d int) bool {
	for _, m := range marks {
		if x >= m-d && x <= m+d {
			return true
		}
	}
	return false
}

// Old runs read: a run directory recorded with schema 1 (JSON lines).
func TestReadsSchema1Run(t *testing.T) {
	run, err := record.Read(filepath.Join("testdata", "v1-run"))
	require.NoError(t, err)
	assert.Empty(t, run.Warnings)
	assert.Equal(t, 1, run.Meta.SchemaVersion)
	assert.Equal(t, []record.Call{
		{Seq: 1, Dep: "iam", StartNs: 10, EndNs: 20, Outcome: record.OutcomeSuccess, Gen: 1},
		{Seq: 2, Dep: "iam", StartNs: 30, AdmitNs: 31, DoneNs: 44, EndNs: 45, Outcome: record.OutcomeFailure, Gen: 1, Fallback: true, Err: "injected error"},
		{Seq: 3, Dep: "iam", StartNs: 50, EndNs: 51, Outcome: record.OutcomeRejected, Gen: 2, Reject: record.RejectOpen, Err: "breaker: circuit open"},
	}, run.Calls)
	assert.Equal(t, []record.DepRequest{
		{Dep: "iam", Seq: 1, AtNs: 11, Fault: "none", LatencyNs: 9},
		{Dep: "iam", Seq: 2, AtNs: 31, Fault: "error", LatencyNs: 14, Status: 500, Err: "injected error", HungUp: true},
	}, run.DepRequests)
	require.Len(t, run.Transitions, 1)
	require.Len(t, run.Snapshots, 1)
	v, err := record.ReadVerdict(filepath.Join("testdata", "v1-run"))
	require.NoError(t, err)
	assert.True(t, v.Passed)

	// Recording into an old run's directory removes its JSON lines.
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "v1-run"))))
	writeSample(t, dir)
	assert.NoFileExists(t, filepath.Join(dir, "calls.jsonl"))
	run, err = record.Read(dir)
	require.NoError(t, err)
	assert.Len(t, run.Calls, len(sampleCalls))
}

// Cat prints any run file as JSON lines: the binary records in the form of
// schema 1, compressed JSON lines decompressed, the rest as it is.
func TestCat(t *testing.T) {
	dir := writeCalls(t, sampleCalls, sampleDeps)
	run, err := record.Read(dir)
	require.NoError(t, err)
	var want strings.Builder
	for _, c := range run.Calls { // with invalid UTF-8 replaced
		want.Write(c.AppendJSON(nil))
		want.WriteByte('\n')
	}
	assert.Equal(t, want.String(), catFile(t, filepath.Join(dir, record.CallsFile)))
	want.Reset()
	for _, d := range sampleDeps {
		want.Write(d.AppendJSON(nil))
		want.WriteByte('\n')
	}
	assert.Equal(t, want.String(), catFile(t, filepath.Join(dir, record.DependencyFile)))

	v1 := filepath.Join("testdata", "v1-run", "calls.jsonl")
	raw, err := os.ReadFile(v1)
	require.NoError(t, err)
	assert.Equal(t, string(raw), catFile(t, v1), "JSON lines as they are")

	var z bytes.Buffer
	zw, err := zstd.NewWriter(&z)
	require.NoError(t, err)
	_, err = zw.Write(raw)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	var out bytes.Buffer
	warnings, err := record.Cat(&out, bytes.NewReader(z.Bytes()), "calls.jsonl.zst")
	require.NoError(t, err)
	assert.Empty(t, warnings)
	assert.Equal(t, string(raw), out.String(), "zstd decompressed")
	calls, _, err := eachCall(z.Bytes())
	require.NoError(t, err)
	assert.Len(t, calls, 3, "and the readers read compressed JSON lines too")

	out.Reset()
	warnings, err = record.Cat(&out, bytes.NewReader(z.Bytes()[:z.Len()-4]), "calls.jsonl.zst")
	require.NoError(t, err)
	assert.Equal(t, []string{"calls.jsonl.zst: cut off mid-stream (the run was killed, or is still being written); read what was flushed before it"}, warnings)
}

// Any payload: an error or warnings, never a panic, and what decodes
// re-encodes to the same calls.
func FuzzEachCallBinary(f *testing.F) {
	f.Add([]byte{1, 2, 1, 3, 'i', 'a', 'm', 4, 6, 0, 2, 2})
	f.Add([]byte{1, 2, 1, 3, 'i', 'a', 'm', 4, 6, 0, 2, 2, 2 | 16 | 32, 2, 2, 4, 6, 3, 5, 1, 2, 1, 1, 'x'})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, payload []byte) {
		got, _, err := eachCall(binaryFile(t, "calls", payload))
		if err != nil {
			return
		}
		dir := t.TempDir()
		w, err := record.Create(dir, testMeta(), record.WriterOptions{})
		require.NoError(t, err)
		for _, c := range got {
			require.NoError(t, w.WriteCall(c))
		}
		require.NoError(t, w.Close())
		data, err := os.ReadFile(filepath.Join(dir, record.CallsFile))
		require.NoError(t, err)
		back, warnings, err := eachCall(data)
		require.NoError(t, err)
		assert.Empty(t, warnings)
		assert.Equal(t, len(got), len(back))
		for i := range got {
			want := got[i]
			if want.AdmitNs == want.StartNs {
				want.AdmitNs = 0
			}
			if want.DoneNs == want.EndNs {
				want.DoneNs = 0
			}
			assert.Equal(t, want, back[i])
		}
	})
}
