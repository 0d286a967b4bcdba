// Package runner runs breakerlab scenarios against a circuit breaker: in sim
// mode on a virtual clock in one goroutine (seeded, byte-for-byte
// reproducible), in live mode with vegeta's load through the breaker to
// fakes over loopback HTTP, in stress mode with many goroutines calling back
// to back in process (meant for a binary built with -race). It records every call, transition and dependency
// request with package record, and checks the records with package check.
//
//	sc, err := scenarios.Resolve("nfr6-iam-outage")
//	if err != nil {
//		return err
//	}
//	res, err := runner.Run(ctx, sc, runner.Options{Out: "out"})
//	if err != nil {
//		return err // ErrInterrupted still leaves res and the records complete
//	}
//	fmt.Println(res.Dir, res.Passed(), res.Stats.Calls)
//
// Any breaker plugs in as an [Implementation]: a [Breaker] needs only
// Execute, and everything else it may report about itself is optional and
// declared. The checker judges it from what it does.
//
// An external run can take its load from vegeta on other machines: [Serve]
// serves the fakes and a clock, each load machine measures its clock with
// [MeasureClock] before its attack, and [Merge] puts the result files on
// the fakes' clock and checks the run (docs/multi-attacker.md).
package runner
