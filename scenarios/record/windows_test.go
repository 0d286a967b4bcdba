package record_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// At the windows level a run of like calls keeps its first and last
// WindowCalls calls; the middle goes to omitted.jsonl with its requests,
// counted, and a request recorded after its omitted call is counted alone.
func TestWindowsLevelKeepsTheEndsOfEachRun(t *testing.T) {
	dir := t.TempDir()
	w, err := record.Create(dir, testMeta(), record.WriterOptions{Level: record.LevelWindows, WindowCalls: 3})
	require.NoError(t, err)
	call := func(seq int, o record.Outcome) record.Call {
		c := record.Call{Seq: uint64(seq), Dep: "iam", StartNs: int64(seq) * 100e6, EndNs: int64(seq)*100e6 + 5e6, Outcome: o, Gen: 1}
		if o == record.OutcomeRejected {
			c.EndNs, c.Reject, c.Err = c.StartNs+1000, record.RejectOpen, "open"
		}
		if o == record.OutcomeFailure {
			c.Err = "injected error"
		}
		return c
	}
	req := func(seq int) record.DepRequest {
		return record.DepRequest{Dep: "iam", Seq: uint64(seq), AtNs: int64(seq) * 100e6, Fault: "none"}
	}
	for seq := range 10 { // successes: 0 1 2 kept, 3 4 5 6 omitted, 7 8 9 kept
		if seq != 4 {
			require.NoError(t, w.WriteDepRequest(req(seq)))
		}
		require.NoError(t, w.WriteCall(call(seq, record.OutcomeSuccess)))
	}
	require.NoError(t, w.WriteDepRequest(req(10)))
	require.NoError(t, w.WriteCall(call(10, record.OutcomeFailure)))
	for seq := 11; seq <= 20; seq++ { // rejections: 11 12 13 kept, 14 … 17 omitted, 18 19 20 kept
		require.NoError(t, w.WriteCall(call(seq, record.OutcomeRejected)))
	}
	require.NoError(t, w.WriteDepRequest(req(4)))  // after its call was omitted
	require.NoError(t, w.WriteDepRequest(req(99))) // its call never came: written at Close
	require.NoError(t, w.Close())
	assert.ErrorIs(t, w.WriteCall(call(21, record.OutcomeSuccess)), record.ErrClosed)

	run, err := record.Read(dir)
	require.NoError(t, err)
	assert.Equal(t, record.LevelWindows, run.Meta.RecordLevel)
	assert.Equal(t, 3, run.Meta.WindowCalls)
	var calls, reqs []uint64
	for _, c := range run.Calls {
		calls = append(calls, c.Seq)
	}
	for _, q := range run.DepRequests {
		reqs = append(reqs, q.Seq)
	}
	assert.Equal(t, []uint64{0, 1, 2, 7, 8, 9, 10, 11, 12, 13, 18, 19, 20}, calls)
	assert.Equal(t, []uint64{0, 1, 2, 7, 8, 9, 10, 99}, reqs)

	require.Len(t, run.Omitted, 3)
	// The record of the successes is written once an omitted call started
	// in a later second; the late request's at once; the rejections' at
	// Close.
	succ, late, rej := run.Omitted[0], run.Omitted[1], run.Omitted[2]
	assert.Equal(t, record.OutcomeSuccess, succ.Outcome)
	assert.Equal(t, int64(4), succ.Calls)
	assert.Equal(t, int64(3), succ.Requests, "seq 3, 5 and 6 came before their calls")
	assert.Equal(t, [2]int64{300e6, 605e6}, [2]int64{succ.StartNs, succ.EndNs})
	assert.Equal(t, map[string]int64{"none": 3}, succ.Faults)
	assert.Equal(t, record.OmittedKey{Dep: "iam", Outcome: record.OutcomeSuccess}, record.OmittedKey{Dep: late.Dep, Outcome: late.Outcome})
	assert.Equal(t, [2]int64{0, 1}, [2]int64{late.Calls, late.Requests}, "seq 4's request came after its call was omitted")
	assert.Equal(t, record.OutcomeRejected, rej.Outcome)
	assert.Equal(t, record.RejectOpen, rej.Reject)
	assert.Equal(t, [2]int64{4, 0}, [2]int64{rej.Calls, rej.Requests})

	succLat := run.OmittedLatency[record.OmittedKey{Dep: "iam", Outcome: record.OutcomeSuccess}]
	require.NotNil(t, succLat)
	assert.Equal(t, int64(4), succLat.Count())
	assert.Equal(t, int64(5e6), succLat.Max())
	assert.Equal(t, int64(4), run.OmittedLatency[record.OmittedKey{Dep: "iam", Outcome: record.OutcomeRejected}].Count())
}

// Omitted calls are grouped by the second they started in, so that a
// report's time series places them, and a killed run loses at most one
// second of them.
func TestWindowsLevelSplitsOmittedBySecond(t *testing.T) {
	dir := t.TempDir()
	w, err := record.Create(dir, testMeta(), record.WriterOptions{Level: record.LevelWindows, WindowCalls: 2})
	require.NoError(t, err)
	for seq := range 40 { // 0.25 s apart: 10 s of successes
		require.NoError(t, w.WriteCall(record.Call{Seq: uint64(seq), Dep: "iam", StartNs: int64(seq) * 250e6, EndNs: int64(seq)*250e6 + 1e6, Outcome: record.OutcomeSuccess}))
	}
	require.NoError(t, w.Close())
	run, err := record.Read(dir)
	require.NoError(t, err)
	assert.Len(t, run.Calls, 4)
	var n int64
	for _, o := range run.Omitted {
		assert.Equal(t, o.StartNs/1e9, (o.EndNs-1e6)/1e9, "one second per record")
		n += o.Calls
	}
	assert.Equal(t, int64(36), n)
	assert.Len(t, run.Omitted, 10)
}

func TestWindowsLevelOptions(t *testing.T) {
	_, err := record.Create(t.TempDir(), testMeta(), record.WriterOptions{Level: "some"})
	assert.ErrorContains(t, err, `WriterOptions.Level "some", want full or windows`)
	_, err = record.Create(t.TempDir(), testMeta(), record.WriterOptions{Level: record.LevelWindows, WindowCalls: -1})
	assert.ErrorContains(t, err, "WindowCalls -1 is negative")
	dir := t.TempDir()
	w, err := record.Create(dir, testMeta(), record.WriterOptions{Level: record.LevelWindows})
	require.NoError(t, err)
	require.NoError(t, w.Close())
	m, err := record.ReadMeta(dir)
	require.NoError(t, err)
	assert.Equal(t, record.DefaultWindowCalls, m.WindowCalls)
}

// Calls that reach the recorder out of the order they ended, as concurrent
// live handlers write them, are put back in order; one that comes later
// than the filter waits (250 ms of end time) makes a warning in meta.json.
// A sim run writes its calls in order: there, any call out of order warns.
func TestWindowsLevelOrdersCallsByEnd(t *testing.T) {
	mode := record.ModeLive
	write := func(ends ...int64) (*record.Run, error) {
		dir := t.TempDir()
		m := testMeta()
		m.Mode = mode
		w, err := record.Create(dir, m, record.WriterOptions{Level: record.LevelWindows, WindowCalls: 4})
		require.NoError(t, err)
		for i, end := range ends {
			require.NoError(t, w.WriteCall(record.Call{Seq: uint64(i), Dep: "iam", StartNs: 1, EndNs: end, Outcome: record.OutcomeSuccess}))
		}
		require.NoError(t, w.Close())
		return record.Read(dir)
	}
	run, err := write(10, 30, 20, 40)
	require.NoError(t, err)
	assert.Empty(t, run.Meta.Warnings)
	var ends []int64
	for _, c := range run.Calls {
		ends = append(ends, c.EndNs)
	}
	assert.Equal(t, []int64{10, 20, 30, 40}, ends)

	run, err = write(0, 1e9, 2e9, 5e8)
	require.NoError(t, err)
	require.Len(t, run.Meta.Warnings, 1)
	assert.Contains(t, run.Meta.Warnings[0], "record: iam: 1 calls reached the recorder after calls that ended later")

	mode = record.ModeSim
	run, err = write(10, 30, 20, 40)
	require.NoError(t, err)
	require.Len(t, run.Meta.Warnings, 1)
}

// A streak of failures shorter than the failure threshold in the middle of
// a run of successes, with WindowCalls successes after it, is folded into
// omitted.jsonl (with reset_ns, the end of the success that reset the
// count) and the run goes on; a streak as long as the threshold, one
// followed by anything else and one the run ended on are kept.
func TestWindowsLevelFoldsShortFailureStreaks(t *testing.T) {
	dir := t.TempDir()
	w, err := record.Create(dir, testMeta(), record.WriterOptions{Level: record.LevelWindows, WindowCalls: 3})
	require.NoError(t, err)
	outcomes := "SSSSSS" + "F" + "SSS" + "FF" + "SSS" + "FFFFF" + "SSS" + "F" + "R" + "SSSS" + "F" + "S"
	writeOutcomes(t, w, outcomes)
	require.NoError(t, w.Close())

	run, err := record.Read(dir)
	require.NoError(t, err)
	assert.Equal(t, []uint64{0, 1, 2, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30}, keptSeqs(run),
		"folded: 6 and 10–11 (with the successes 3–5 and 7–9 around them); kept: the streak of 5, the failure before a rejection, the one the run ended on")
	assert.Len(t, run.DepRequests, 21, "the kept admitted calls' requests")
	byOutcome := map[record.Outcome]int64{}
	var resets [][2]int64
	for _, o := range run.Omitted {
		byOutcome[o.Outcome] += o.Calls
		if o.Outcome == record.OutcomeFailure {
			resets = append(resets, [2]int64{o.Calls, o.ResetNs})
			assert.Equal(t, o.Calls, o.Requests)
			assert.Equal(t, map[string]int64{"error": o.Calls}, o.Faults)
		} else {
			assert.Zero(t, o.ResetNs, "only folds have reset_ns")
		}
	}
	assert.Equal(t, map[record.Outcome]int64{record.OutcomeSuccess: 6, record.OutcomeFailure: 3}, byOutcome)
	assert.ElementsMatch(t, [][2]int64{{1, 705e6}, {2, 1205e6}}, resets, "reset at the end of seq 7 and of seq 12")
}

// ReadWindows reads a run recorded in full as the windows level would have
// recorded it: the same calls, requests and omitted records, from the
// same writes; it refuses what the level refuses.
func TestReadWindowsFiltersAFullRecord(t *testing.T) {
	write := func(opts record.WriterOptions) string {
		dir := t.TempDir()
		w, err := record.Create(dir, testMeta(), opts)
		require.NoError(t, err)
		outcomes := strings.Repeat("S", 30) + "F" + strings.Repeat("S", 12) + "FFFFF" + strings.Repeat("R", 20) + strings.Repeat("S", 9) + "F"
		writeOutcomes(t, w, outcomes)
		require.NoError(t, w.WriteSnapshot(record.Snapshot{Dep: "iam", AtNs: 1e9, State: record.StateClosed, Gen: 1}))
		require.NoError(t, w.Close())
		return dir
	}
	recorded, err := record.Read(write(record.WriterOptions{Level: record.LevelWindows, WindowCalls: 4}))
	require.NoError(t, err)
	fullDir := write(record.WriterOptions{})
	streamed, err := record.ReadWindows(fullDir, 4)
	require.NoError(t, err)
	assert.True(t, streamed.Filtered)
	assert.Equal(t, recorded.Meta.RecordLevel, streamed.Meta.RecordLevel)
	assert.Equal(t, 4, streamed.Meta.WindowCalls)
	assert.Equal(t, recorded.Calls, streamed.Calls)
	assert.Equal(t, recorded.DepRequests, streamed.DepRequests)
	assert.Equal(t, recorded.Omitted, streamed.Omitted)
	assert.Equal(t, recorded.OmittedLatency, streamed.OmittedLatency)
	assert.Equal(t, recorded.Snapshots, streamed.Snapshots)
	assert.Less(t, len(streamed.Calls), 77, "some calls omitted")
	assert.NotEmpty(t, streamed.Omitted)

	again, err := record.ReadWindows(fullDir, 3)
	assert.Nil(t, again)
	assert.ErrorContains(t, err, "reading at the windows level, with windows of 3 calls: needs windows of at least 4 calls")
	stress := testMeta()
	stress.Mode = record.ModeStress
	dir := t.TempDir()
	w, err := record.Create(dir, stress, record.WriterOptions{})
	require.NoError(t, err)
	require.NoError(t, w.Close())
	_, err = record.ReadWindows(dir, 8)
	assert.ErrorContains(t, err, "stress mode records every call")
}

// A cancellation neither counts nor resets: it folds with the failures
// around it, but a streak of more than WindowCalls calls is kept.
func TestWindowsLevelFoldsCancellationsAmongFailures(t *testing.T) {
	dir := t.TempDir()
	w, err := record.Create(dir, testMeta(), record.WriterOptions{Level: record.LevelWindows, WindowCalls: 3})
	require.NoError(t, err)
	outcomes := "SSSSS" + "FCF" + "SSS" + "CCCC" + "SSS"
	writeOutcomes(t, w, outcomes)
	require.NoError(t, w.Close())
	run, err := record.Read(dir)
	require.NoError(t, err)
	assert.Equal(t, []uint64{0, 1, 2, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, keptSeqs(run), "5–7 folded (3 and 4 omitted with the run); 11–14, four cancellations, kept")
	folded := map[record.Outcome]int64{}
	for _, o := range run.Omitted {
		if o.ResetNs > 0 {
			folded[o.Outcome] += o.Calls
			assert.Equal(t, int64(805e6), o.ResetNs, "the end of seq 8")
		}
	}
	assert.Equal(t, map[record.Outcome]int64{record.OutcomeFailure: 2, record.OutcomeIgnored: 1}, folded)
}

// writeOutcomes writes a call of dependency iam for each letter of
// outcomes, seq 0 on, 100 ms apart: S a success, F a failure, C a
// cancellation (5 ms each, generation 1, their request first, with the
// fault "error" for a failure, else "none"), R a rejection (1 µs,
// generation 2, no request).
func writeOutcomes(t *testing.T, w *record.Writer, outcomes string) {
	t.Helper()
	for seq, o := range outcomes {
		c := record.Call{Seq: uint64(seq), Dep: "iam", StartNs: int64(seq) * 100e6, EndNs: int64(seq)*100e6 + 5e6, Outcome: record.OutcomeSuccess, Gen: 1}
		fault := "none"
		switch o {
		case 'F':
			c.Outcome, c.Err, fault = record.OutcomeFailure, "injected error", "error"
		case 'C':
			c.Outcome, c.Err = record.OutcomeIgnored, "context canceled"
		case 'R':
			c.Outcome, c.Reject, c.Err, c.EndNs, c.Gen = record.OutcomeRejected, record.RejectOpen, "open", c.StartNs+1000, 2
		}
		if o != 'R' {
			require.NoError(t, w.WriteDepRequest(record.DepRequest{Dep: "iam", Seq: uint64(seq), AtNs: c.StartNs + 1e6, Fault: fault}))
		}
		require.NoError(t, w.WriteCall(c))
	}
}

// keptSeqs are the seqs of run's calls.
func keptSeqs(run *record.Run) []uint64 {
	var seqs []uint64
	for _, c := range run.Calls {
		seqs = append(seqs, c.Seq)
	}
	return seqs
}

// Only successes that started after a streak had ended confirm its fold
// (their results surely reached the breaker after the streak's); one in
// flight meanwhile is held with it, and reset_ns is the first confirming
// success's end.
func TestWindowsLevelFoldsOnlyOnLaterSuccesses(t *testing.T) {
	dir := t.TempDir()
	w, err := record.Create(dir, testMeta(), record.WriterOptions{Level: record.LevelWindows, WindowCalls: 3})
	require.NoError(t, err)
	call := func(seq, start, end int, o record.Outcome) {
		c := record.Call{Seq: uint64(seq), Dep: "iam", StartNs: int64(start) * 1e6, EndNs: int64(end) * 1e6, Outcome: o, Gen: 1}
		if o == record.OutcomeFailure {
			c.Err = "injected error"
		}
		require.NoError(t, w.WriteCall(c))
	}
	for seq := range 4 {
		call(seq, seq*100, seq*100+10, record.OutcomeSuccess)
	}
	call(4, 400, 480, record.OutcomeFailure)
	call(5, 450, 490, record.OutcomeSuccess) // in flight while the failure ended
	call(6, 500, 510, record.OutcomeSuccess)
	call(7, 600, 610, record.OutcomeSuccess)
	call(8, 700, 710, record.OutcomeSuccess) // the third that started after 480: the fold holds
	require.NoError(t, w.Close())
	run, err := record.Read(dir)
	require.NoError(t, err)
	assert.Equal(t, []uint64{0, 1, 2, 6, 7, 8}, keptSeqs(run), "the failure folded; 3 and 5 omitted with the run")
	var resets []int64
	for _, o := range run.Omitted {
		if o.ResetNs > 0 {
			resets = append(resets, o.ResetNs)
		}
	}
	assert.Equal(t, []int64{510e6}, resets, "the end of seq 6, not of seq 5")
}
