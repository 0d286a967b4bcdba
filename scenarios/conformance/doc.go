// Package conformance tests any circuit breaker against the NFR-6 scenario
// library from go test: one subtest per scenario and per check, failing
// with the evidence. The breaker needs only an Execute method
// (runner.Breaker); what else it declares (a clock, its transitions) only
// widens what can run (sim needs the clock) and what is cross-checked.
//
//	func TestMyBreakerMeetsNFR6(t *testing.T) {
//		conformance.Run(t, runner.Implementation{
//			Name: "mine",
//			New: func(cfg breaker.Config) (runner.Breaker, error) {
//				return mybreaker.New(cfg.FailureThreshold, cfg.RecoveryTimeout, cfg.Now), nil
//			},
//			Clock: true, // mybreaker reads time only through cfg.Now
//		}, conformance.Options{})
//	}
//
// Add Options.Report (reports.WriteDir) and Options.Out for the HTML,
// Markdown and JUnit reports of each run.
package conformance
