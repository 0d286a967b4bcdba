// Package scenarios is breakerlab's scenario format, its built-in library and
// its runner. A scenario file (YAML) names a mode, a seed, a duration, one or
// more fake dependencies (a fakes preset and fault schedule, each behind a
// breaker), the load profile (or, in stress mode, the callers) and what must
// hold. [Run] drives it — in sim mode on a virtual clock in one goroutine
// (seeded, byte-for-byte reproducible), in live mode with vegeta over
// loopback HTTP, in stress mode with many goroutines calling back to back in
// process (meant for a binary built with -race) — records every call,
// transition and dependency request with package record, and checks the
// records with package check.
//
//	sc, err := scenarios.Resolve("nfr6-iam-outage") // a built-in name or a file
//	if err != nil {
//		return err // a *FileError names file:line:column and key
//	}
//	res, err := scenarios.Run(ctx, sc, scenarios.Options{Out: "out"})
//	if err != nil {
//		return err // ErrInterrupted still leaves res and the records complete
//	}
//	fmt.Println(res.Dir, res.Passed(), res.Stats.Calls)
//
// The runner drives any breaker through the small [Breaker] interface, so
// implementations other than the reference one can be plugged in by a
// [Factory] (see [Implementations]).
package scenarios
