// Package conformance tests any circuit breaker against the NFR-6 scenario
// library from go test: one subtest per scenario and per check, failing
// with the evidence. The breaker needs only an Execute method
// (runner.Breaker); what else it declares (a clock, its transitions) only
// widens what can run (sim needs the clock) and what is cross-checked.
//
//	func TestNFR6(t *testing.T) {
//		conformance.Run(t, runner.Implementation{Name: "mybreaker", Clock: true,
//			New: func(c breaker.Config) (runner.Breaker, error) {
//				return mybreaker.New(c.FailureThreshold, c.SuccessThreshold, c.HalfOpenMaxCalls, c.RecoveryTimeout, c.Now), nil
//			}}, conformance.Options{})
//	}
//
// Clock declares that mybreaker reads the time only through c.Now, which
// lets the simulated library run in virtual time (the whole of it in
// seconds). A module of its own runs this test after requiring
// github.com/breakerlab/breakerlab; importing this package does not build
// the CLI's dependencies (plots, Prometheus), only the runner's.
//
// Add Options.Report (reports.WriteDir) and Options.Out for the HTML,
// Markdown and JUnit reports of each run.
package conformance
