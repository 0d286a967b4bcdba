// Package record reads and writes a breakerlab run directory: meta.json;
// the calls and the dependency requests, as compressed binary records
// (calls.bin, dependency.bin); the transitions and snapshots, as JSON lines
// (transitions.jsonl, snapshots.jsonl); and the checker's verdict.json.
//
// The runner records while it runs; the checker and the reports read back:
//
//	w, err := record.Create("out/nfr6-iam-outage", meta, record.WriterOptions{})
//	if err != nil { return err }
//	defer w.Close()
//	w.WriteTransition(record.Transition{Dep: "iam", From: record.StateClosed, To: record.StateOpen, AtNs: at, Gen: 4})
//	w.WriteCall(record.Call{Seq: 17, Dep: "iam", StartNs: 123, EndNs: 456, Outcome: record.OutcomeSuccess, Gen: 3})
//	w.UpdateMeta(func(m *record.Meta) { m.EndedNs = end })
//	err = w.Close() // flushes, rewrites meta.json
//	run, err := record.Read("out/nfr6-iam-outage") // run.Calls, run.Transitions, run.Warnings
//
// A call takes about 7 bytes on disk, calls and requests together
// (BenchmarkWriteCall); [Cat] (and `breakerlab cat FILE`) prints any run
// file as the JSON lines of schema 1, for jq. Records are flushed at least
// every [DefaultFlushInterval], so a killed run still leaves readable
// files: the readers skip a last record cut in half, and a compressed
// stream cut off mid-frame, and report them as warnings. They also read runs
// recorded with schema 1, whose calls and requests were JSON lines
// (calls.jsonl, dependency.jsonl). docs/run-directory.md specifies the
// files.
//
// At the windows level (WriterOptions.Level, for runs of hours) the Writer
// keeps only the calls near each change of result, with their requests, and
// folds the rest into omitted.jsonl: counts and latency histograms per
// dependency, kind of call and second (windows.go, omitted.go).
// [ReadWindows] streams a run recorded in full through the same filter, so
// that a run of any length can be judged in bounded memory.
package record
