// Package check judges a recorded run by what the breaker did: it reads what
// the runner recorded (package record) and checks the NFR-6 invariants I1–I11,
// the cross-checks of what the breaker reports about itself (R1, R2) and the
// scenario's expectations, per dependency, into a [record.Verdict].
//
//	v, inferred, err := check.Dir("out/nfr6-iam-outage", check.Options{})
//	if err != nil { return err } // a run it cannot read, or bad options
//	if err := v.Write(dir); err != nil { return err }
//	if err := record.WriteInferred(dir, inferred); err != nil { return err }
//	for _, c := range v.Checks {
//		fmt.Println(c.ID, c.Passed, c.Skipped, c.Detail) // each violation: dep, time, rule, evidence
//	}
//	if !v.Passed { os.Exit(1) }
//
// The breaker is a black box. From what the client got (calls: admitted or
// rejected, the result) and, in external mode, what the dependency saw, the
// checker replays the sequential NFR-6 model and infers the breaker's
// generations (infer.go); where the records leave the order of overlapping
// events open it searches the orders they allow (window.go), and only a
// contradiction no order explains is a violation, named after the rule the
// evidence says was broken (mismatch.go). Two checks judge without any order
// (probefloor.go, missedtrip.go). The inferred transitions go to
// inferred.jsonl; what the breaker reports (transitions, snapshots) is only
// compared with them (report.go). A check whose window never came is not
// checked, never passed on nothing. A run recorded at the windows level
// holds only the calls near each change of result; the omitted ones count
// in sums (omitted.go: stats, I8, I9, the expectations). A run recorded in
// full is judged so too with Options.WindowCalls, streamed from its files
// through the windows filter (record.ReadWindows): that is how the checker
// judges a run of any length in memory bounded by its changes of result,
// not by its calls. The checker is
// proved able to fail by tests that feed it broken breakers
// (mutation_test.go, and package scenarios/mutants over the whole library,
// at both record levels and streamed).
package check
