// Package peers adapts three circuit breakers from the Go module proxy to the
// benchmark interface of package bench, so that the reference breaker can be
// compared with them on every path:
//
//   - github.com/sony/gobreaker/v2 ([Gobreaker])
//   - github.com/failsafe-go/failsafe-go/circuitbreaker ([Failsafe])
//   - github.com/eapache/go-resiliency/breaker ([Eapache])
//
// It is a module of its own (bench/peers/go.mod, with a replace directive
// pointing at the repository root), so the peers never enter the main
// module's go.mod or the import graph of breakerlab's users.
//
// Each adapter maps the NFR-6 settings (failure threshold, success threshold,
// recovery timeout, half-open probe limit) as closely as its breaker allows;
// each constructor's documentation says where it cannot match.
//
// Its subpackage conform adapts the same libraries, and hystrix-go and
// rubyist/circuitbreaker, to the scenario runner (runner.Implementation)
// for the NFR-6 conformance matrix of docs/peers.md.
//
// The happy path (what bench_test.go in this directory does):
//
//	func BenchmarkBreaker(b *testing.B) { bench.Benchmark(b, peers.Impls()) }
//
// then, to compare with the reference breaker in one summary and plot
// (from the repository root; it runs go test here and in bench/):
//
//	go run ./cmd/breakerlab bench --peers
package peers
