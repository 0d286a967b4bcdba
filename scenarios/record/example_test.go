package record_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// A runner records a run; the checker and the reports read it back.
func Example() {
	dir, err := os.MkdirTemp("", "breakerlab-run")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	w, err := record.Create(dir, record.Meta{Scenario: "demo", Mode: record.ModeSim}, record.WriterOptions{})
	if err != nil {
		panic(err)
	}
	w.WriteDepRequest(record.DepRequest{Dep: "iam", Seq: 1, AtNs: 10, Fault: "error", Err: "injected error"})
	w.WriteCall(record.Call{Seq: 1, Dep: "iam", StartNs: 10, EndNs: 25, Outcome: record.OutcomeFailure, Gen: 1, Err: "injected error"})
	w.WriteTransition(record.Transition{Dep: "iam", From: record.StateClosed, To: record.StateOpen, AtNs: 25, Gen: 2, Reason: "1 consecutive failures"})
	w.WriteCall(record.Call{Seq: 2, Dep: "iam", StartNs: 30, EndNs: 30, Outcome: record.OutcomeRejected, Fallback: true, Gen: 2,
		Reject: record.RejectOpen, Err: "breaker: circuit open"})
	w.UpdateMeta(func(m *record.Meta) { m.EndedNs = 40 })
	if err := w.Close(); err != nil {
		panic(err)
	}

	// calls.bin is compressed binary; Cat prints it as JSON lines.
	f, err := os.Open(filepath.Join(dir, record.CallsFile))
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if _, err := record.Cat(os.Stdout, f, record.CallsFile); err != nil {
		panic(err)
	}
	run, err := record.Read(dir)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(run.Calls), "calls;", run.Transitions[0].From, "→", run.Transitions[0].To, "at", run.Transitions[0].AtNs, "ns; ended at", run.Meta.EndedNs, "ns")
	// Output:
	// {"seq":1,"dep":"iam","start_ns":10,"end_ns":25,"outcome":"failure","fallback":false,"gen":1,"err":"injected error"}
	// {"seq":2,"dep":"iam","start_ns":30,"end_ns":30,"outcome":"rejected","fallback":true,"gen":2,"reject":"open","err":"breaker: circuit open"}
	// 2 calls; closed → open at 25 ns; ended at 40 ns
}
