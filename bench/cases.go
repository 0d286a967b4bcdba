package bench

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkName is the top-level benchmark every case runs under, in this
// package and in bench/peers, so that their results carry the same names.
const BenchmarkName = "BenchmarkBreaker"

// Parallelism is the b.SetParallelism sweep: each parallel case runs
// p × GOMAXPROCS goroutines.
var Parallelism = []int{1, 2, 4, 8, 16, 32, 64, 128, 256}

// Case is one benchmark: a path, an implementation, and serial (Par 0) or
// b.RunParallel with b.SetParallelism(Par).
type Case struct {
	Path Path
	Impl Impl
	Par  int
}

// Name returns the sub-benchmark name, path=P/impl=I/par=N (par=serial for a
// serial loop), in the key=value form benchstat can pivot on.
func (c Case) Name() string {
	par := "serial"
	if c.Par > 0 {
		par = strconv.Itoa(c.Par)
	}
	return fmt.Sprintf("path=%s/impl=%s/par=%s", c.Path.Name, c.Impl.Name, par)
}

// Cases returns every case for impls: each path, each implementation that
// does not skip it, serial and then each parallelism.
func Cases(impls []Impl) []Case {
	var cases []Case
	for _, p := range Paths() {
		for _, impl := range impls {
			if _, skip := impl.Skip[p.Name]; skip {
				continue
			}
			for _, par := range append([]int{0}, Parallelism...) {
				cases = append(cases, Case{Path: p, Impl: impl, Par: par})
			}
		}
	}
	return cases
}

// Benchmark is the body of a benchmark function: it runs every case as a
// sub-benchmark, e.g. func BenchmarkBreaker(b *testing.B) { bench.Benchmark(b, bench.Builtin()) }.
func Benchmark(b *testing.B, impls []Impl) {
	for _, c := range Cases(impls) {
		b.Run(c.Name(), c.Run)
	}
}

// Run is the benchmark function of the case; it fails the benchmark when the
// breaker did not behave as the path requires, so that a number measured in
// the wrong state is never reported.
func (c Case) Run(b *testing.B) {
	if err := c.Measure(b); err != nil {
		b.Fatal(err)
	}
}

// Measure runs b.N calls and returns the error of the path's outcome check:
// what [Case.Run] fails the benchmark with. Tests call it through
// testing.Benchmark, which discards a failed benchmark's log, to see why a
// case fails.
func (c Case) Measure(b *testing.B) error {
	br, err := c.Impl.New(c.Path.Settings)
	if err != nil {
		return fmt.Errorf("new %s breaker: %w", c.Impl.Name, err)
	}
	if err := c.Path.prepare(br); err != nil {
		return err
	}
	e := env{start: time.Now()}
	b.ReportAllocs()
	b.ResetTimer()
	if c.Par == 0 {
		w := newWorker(0)
		call := br.Bind(c.Path.dep(w, &e))
		for range b.N {
			if call() != nil {
				w.errs++
			}
		}
		e.add(w)
	} else {
		var ids atomic.Int64
		b.SetParallelism(c.Par)
		b.RunParallel(func(pb *testing.PB) {
			w := newWorker(int(ids.Add(1)))
			call := br.Bind(c.Path.dep(w, &e))
			for pb.Next() {
				if call() != nil {
					w.errs++
				}
			}
			e.add(w)
		})
	}
	elapsed := time.Since(e.start)
	b.StopTimer()
	return c.Path.check(tally{
		n: uint64(b.N), ran: e.ran, failed: e.fails, errs: e.errs,
		state: br.State(), elapsed: elapsed,
	})
}
