// Package mutants holds breakers with one planted bug each, to prove that
// the scenarios and the checker catch what they claim to: a check is proven
// by a bug it catches.
//
// Each mutant is a copy of one small seed-style breaker (one mutex, a
// two-step Allow/Done, generations, transitions reported in order, time
// read through Config.Now) with one defect: a missing generation check, a
// threshold off by one, a probe slot a cancellation never gives back, a
// transition it does not report, … [Control] is the same breaker without a
// bug. [RunMatrix] runs scenarios against implementations and lists the
// checks each run failed:
//
//	impls := append([]runner.Implementation{mutants.Control()}, mutants.All()...)
//	m, err := mutants.RunMatrix(ctx, impls, mutants.RuleScenarios, runner.Options{Out: "out"})
//	if err != nil { return err }
//	fmt.Print(m.Markdown()) // … | mutant-no-generation-check | pass | pass | I7:6 opens | pass | pass | …
//
// 'make mutants' prints the matrix over the whole sim library; the tests
// keep the one over [RuleScenarios] in docs/mutants.md.
package mutants
