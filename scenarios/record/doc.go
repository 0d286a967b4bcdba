// Package record reads and writes a breakerlab run directory: meta.json, the
// streamed JSON-lines files calls.jsonl, transitions.jsonl, dependency.jsonl
// and snapshots.jsonl, and the checker's verdict.json.
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
// Lines are encoded by hand (no reflection) in a fixed key order, so a
// single-goroutine run is byte-for-byte reproducible, and are flushed at least
// every [DefaultFlushInterval] so a killed run still leaves readable files;
// readers skip a last line cut in half and report it as a warning.
// The file formats are specified in notes/run-directory.md.
package record
