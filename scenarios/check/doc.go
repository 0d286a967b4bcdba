// Package check judges a recorded run: it reads what the runner recorded
// (package record) and checks the breaker invariants I1–I11 of DESIGN.md and
// the scenario's expectations, per dependency, into a [record.Verdict].
//
//	run, err := record.Read("out/nfr6-iam-outage")
//	if err != nil { return err }
//	v, err := check.Run(run, check.Options{})
//	if err != nil { return err } // bad options or meta.json
//	if err := v.Write(run.Dir); err != nil { return err }
//	for _, c := range v.Checks {
//		fmt.Println(c.ID, c.Passed, c.Detail) // each violation: dep, time, generation, event, context
//	}
//	if !v.Passed { os.Exit(1) }
//
// The breaker's states are reconstructed from transitions.jsonl, one
// generation per transition; each call's gen says which generation admitted
// or rejected it, and a generation's results are taken in the order they were
// recorded (end_ns, then file order). In sim mode times are exact; in live,
// stress and external mode events within [Options.Tolerance] of a transition
// are not ordered against it. The checker is proved able to fail by mutation
// tests that feed it deliberately broken breakers (see mutation_test.go).
package check
