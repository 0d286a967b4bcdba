// Package scenarios is breakerlab's scenario format and its built-in
// library. A scenario file (YAML) names a mode, a seed, a duration, one or
// more fake dependencies (a fakes preset and fault schedule, each behind a
// breaker), the load profile (or, in stress mode, the callers) and what must
// hold. Package [github.com/breakerlab/breakerlab/scenarios/runner] runs
// scenarios; this package only reads and validates them, so it needs no load
// generator.
//
//	sc, err := scenarios.Resolve("nfr6-iam-outage") // a built-in name or a file
//	if err != nil {
//		return err // a *FileError names file:line:column and key
//	}
//	fmt.Println(sc.Name, sc.Mode.OrDefault(), sc.Duration)
//	for i, dep := range sc.Dependencies {
//		fmt.Println(dep.Name, sc.BreakerSpec(i), sc.FaultPhases(i))
//	}
package scenarios
