package check_test

import (
	"fmt"

	"github.com/breakerlab/breakerlab/scenarios/check"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// A breaker that opened one failure early is caught by I2 from what it did
// alone — two failures, then a rejection — with the rule it broke and the
// events that led to it. It reports nothing about itself.
func ExampleRun() {
	call := func(seq uint64, at int64, o record.Outcome) record.Call {
		return record.Call{Seq: seq, Dep: "iam", StartNs: at, EndNs: at + 1e6, Outcome: o}
	}
	run := &record.Run{
		Meta: record.Meta{SchemaVersion: 1, Scenario: "demo", Mode: record.ModeSim,
			Dependencies: []record.Dependency{{Name: "iam", Breaker: record.BreakerConfig{FailureThreshold: 3}}},
			Expect:       record.Expect{Invariants: []string{"I2"}},
			Reports:      &record.Reports{}},
		Calls: []record.Call{
			call(1, 0, record.OutcomeFailure),
			call(2, 1e9, record.OutcomeFailure),
			{Seq: 3, Dep: "iam", StartNs: 2e9, EndNs: 2e9, Outcome: record.OutcomeRejected},
		},
		DepRequests: []record.DepRequest{{Dep: "iam", Seq: 1, AtNs: 0}, {Dep: "iam", Seq: 2, AtNs: 1e9}},
	}
	v, err := check.Run(run, check.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println("passed:", v.Passed)
	for _, c := range v.Checks {
		fmt.Printf("%s %v: %s\n", c.ID, c.Passed, c.Detail)
		for _, vi := range c.Violations {
			fmt.Printf("  %s rule %d at %dns [%s]: %s\n", vi.Dep, vi.Rule, vi.AtNs, vi.Event, vi.Message)
			for _, line := range vi.Context {
				fmt.Println("   ", line)
			}
		}
	}
	// Output:
	// passed: false
	// I2 false: 1 violation; 1 trip judged; iam: opened after 2 consecutive failures, expected 3 (0 of 1 trip as expected; 1 bounded by the calls around it, not pinned)
	//   iam rule 1 at 2000000000ns [call seq=3]: opened after 2 consecutive failures, want 3: call seq=3 was rejected at 2s
	//     t=0.001s call seq=1 returned: failure (started 0s)
	//     t=1s call seq=2 admitted
	//     t=1.001s call seq=2 returned: failure (started 1s)
	//     t=1.001s inferred closed→open, generation 1 (opened after 2 consecutive failures)
	//     t=2s call seq=3 rejected
	// R1 true: not checked: the breaker reports no transitions
	// R2 true: not checked: the breaker reports no state
}
