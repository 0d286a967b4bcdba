// Package bench is breakerlab's lock-contention benchmark suite: every
// benchmark path run against every circuit breaker implementation through one
// small adapter interface, [Breaker], serial and with b.RunParallel swept over
// b.SetParallelism 1, 2, 4, …, 256.
//
// The paths ([Paths]): closed-success, closed-1pct (1% failures, never
// tripping), open-reject, half-open-probe (every call finds the recovery
// timeout passed and probes; probes fail) and storm (the dependency flips
// between healthy and failing every 2 ms). Each case checks its own outcome —
// every call ran or was rejected as the path requires, and the breaker ended
// in the right state — and fails instead of reporting a number measured in
// the wrong state.
//
// The implementations ([Builtin]): the bare function call, the reference
// breaker of package breaker, the seed-style single-mutex port and its
// RWMutex variant (package seedport). The peers (gobreaker, failsafe-go,
// eapache) live in the nested module bench/peers so that the main module never
// depends on them.
//
// The suite is a Go benchmark: bench_test.go wraps it as BenchmarkBreaker,
// and bench/peers does the same for the peers. breakerlab bench runs both
// with go test ([GoTest], in the checkout [FindSource] finds) and keeps the
// rest: [ParseResults] reads the output, [WriteSummary] and [Curves] turn it
// into a table and the plot's lines, and package gate compares two runs.
//
// The happy path:
//
//	root, _ := bench.FindSource(".")
//	var out bytes.Buffer
//	err := bench.GoTest{CPU: "1,2", Benchtime: "200ms"}.Run(ctx, root, bench.MainPackage, &out, os.Stderr)
//	var failed *bench.FailedError
//	if errors.As(err, &failed) {
//		// a breaker misbehaved: failed.Failures names its cases, which have no result line
//	}
//	results, _ := bench.ParseResults(&out, "bench.txt")
//	bench.WriteSummary(os.Stdout, results)    // ns/op and allocs/op per implementation and path
//	for _, c := range bench.Curves(results) { // ns/op against goroutines, for the plot
//		fmt.Println(c.Path, c.Impl, c.CPU, c.Points)
//	}
package bench
