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
// The suite runs under go test (bench_test.go wraps it as BenchmarkBreaker)
// and in-process through [Run], which breakerlab bench calls; both print the
// same benchmark names in the standard Go benchmark format. Package gate
// compares two such files.
//
// The happy path:
//
//	var out bytes.Buffer
//	results, err := bench.Run(ctx, bench.Options{CPUs: []int{1, 2}, Benchtime: "200ms"}, &out)
//	if errors.Is(err, bench.ErrCheckFailed) {
//		// a breaker misbehaved; its cases have no result line
//	}
//	os.WriteFile("bench.txt", out.Bytes(), 0o644) // benchstat bench.txt
//	bench.WriteSummary(os.Stdout, results)        // ns/op and allocs/op per implementation and path
//	for _, c := range bench.Curves(results) {     // ns/op against goroutines, for the plot
//		fmt.Println(c.Path, c.Impl, c.CPU, c.Points)
//	}
package bench
