package check_test

import (
	"fmt"

	"github.com/breakerlab/breakerlab/scenarios/check"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// A breaker that opened one failure early is caught by I2, with the
// generation, the transition and the events that led to it.
func ExampleRun() {
	fail := func(seq uint64, at int64) record.Call {
		return record.Call{Seq: seq, Dep: "iam", StartNs: at, EndNs: at + 1e6, Outcome: record.OutcomeFailure, Gen: 1, Err: "injected error"}
	}
	run := &record.Run{
		Meta: record.Meta{SchemaVersion: 1, Scenario: "demo", Mode: record.ModeSim,
			Dependencies: []record.Dependency{{Name: "iam", Breaker: record.BreakerConfig{FailureThreshold: 3}}},
			Expect:       record.Expect{Invariants: []string{"I1", "I2"}}},
		Calls: []record.Call{fail(1, 0), fail(2, 1e9)},
		Transitions: []record.Transition{{Dep: "iam", From: record.StateClosed, To: record.StateOpen, AtNs: 1e9 + 1e6, Gen: 2,
			Reason: "2 consecutive failures"}},
	}
	v, err := check.Run(run, check.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println("passed:", v.Passed)
	for _, c := range v.Checks {
		fmt.Printf("%s %v: %s\n", c.ID, c.Passed, c.Detail)
		for _, vi := range c.Violations {
			fmt.Printf("  %s gen %d at %dns [%s]: %s\n", vi.Dep, vi.Gen, vi.AtNs, vi.Event, vi.Message)
			for _, line := range vi.Context {
				fmt.Println("   ", line)
			}
		}
	}
	// Output:
	// passed: false
	// I1 true: 1 transition legal and in order
	// I2 false: 1 violation; 1 closed generation checked
	//   iam gen 2 at 1001000000ns [transition #1 closed→open]: closed→open after 2 consecutive failures in generation 1, want 3
	//     t=0.001s call seq=1 failure gen=1 (started 0s)
	//     t=1.001s call seq=2 failure gen=1 (started 1s)
	//     t=1.001s transition closed→open gen=2 (2 consecutive failures)
}
