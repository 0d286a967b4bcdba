// Package conform adapts the Go circuit-breaker libraries of the peers
// module to runner.Implementation, so that the NFR-6 scenario library runs
// against them like against the reference breaker:
//
//   - github.com/sony/gobreaker/v2 ([Gobreaker])
//   - github.com/failsafe-go/failsafe-go ([Failsafe])
//   - github.com/eapache/go-resiliency ([Eapache])
//   - github.com/afex/hystrix-go ([Hystrix])
//   - github.com/rubyist/circuitbreaker ([Rubyist])
//
// Each is configured as close to NFR-6 as its library allows; each
// constructor's documentation gives the mapping and what cannot be mapped.
// Only Rubyist takes a clock. [Synced] runs the others in sim mode all the
// same, inside a synctest bubble, by keeping the bubble's fake wall clock
// on the simulation's. docs/peers.md has the mapping table and the
// checker's verdicts (the conformance matrix), which this package's tests
// regenerate and pin.
//
// The happy path, in a test:
//
//	func TestRubyist(t *testing.T) {
//		conformance.Run(t, conform.Rubyist(), conformance.Options{})
//	}
//
//	func TestGobreakerSim(t *testing.T) {
//		synctest.Test(t, func(t *testing.T) {
//			sc, _ := scenarios.Resolve("nfr6-iam-outage")
//			res, err := runner.Run(context.Background(), sc,
//				runner.Options{Out: dir, Breaker: conform.Synced(conform.Gobreaker())})
//			…
//			time.Sleep(24 * time.Hour) // let the breaker's timers end before the bubble does
//		})
//	}
//
// (conformance.Run makes subtests, which a bubble does not allow, so a
// Synced breaker goes through runner.Run.)
package conform
