package bench

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ErrCheckFailed marks a run in which at least one case's breaker did not
// behave as its path requires; those cases have no result line.
var ErrCheckFailed = errors.New("bench: a benchmark's outcome check failed")

// Options configure [Run]. The zero value runs every builtin case once at the
// current GOMAXPROCS with the default benchtime of the testing package (1s).
type Options struct {
	// CPUs lists the GOMAXPROCS values to run each case at, like go test -cpu.
	// Empty means the current GOMAXPROCS.
	CPUs []int
	// Count is how many times to run each case, like go test -count. Zero means 1.
	Count int
	// Filter selects cases whose full name (BenchmarkBreaker/path=…/impl=…/par=…)
	// it matches. Nil means every case.
	Filter *regexp.Regexp
	// Benchtime is the time (e.g. "200ms") or iteration count (e.g. "100x") per
	// case, like go test -benchtime. Empty keeps the testing package's setting.
	Benchtime string
	// Impls are the implementations to run. Nil means [Builtin].
	Impls []Impl
}

// CheckBenchtime reports whether s is a benchtime go test would accept: a
// positive duration or a positive iteration count followed by "x".
func CheckBenchtime(s string) error {
	if n, ok := strings.CutSuffix(s, "x"); ok {
		if v, err := strconv.Atoi(n); err != nil || v <= 0 {
			return fmt.Errorf("benchtime %q: want a positive count before x, e.g. 100x", s)
		}
		return nil
	}
	if d, err := time.ParseDuration(s); err != nil || d <= 0 {
		return fmt.Errorf("benchtime %q: want a positive duration (e.g. 200ms) or a count (e.g. 100x)", s)
	}
	return nil
}

// runMu serialises Run: GOMAXPROCS and the benchtime are process-wide.
var runMu sync.Mutex

// Run runs the cases selected by opts in this process with testing.Benchmark
// and writes the results to w in the standard Go benchmark format (a
// goos/goarch/pkg/cpu header, then one line per case), which benchstat and
// [ParseResults] read. It returns the results it wrote. Cases whose outcome
// check fails are reported in an error wrapping [ErrCheckFailed], after every
// other case has run. Run stops between cases when ctx is done.
func Run(ctx context.Context, opts Options, w io.Writer) ([]Result, error) {
	runMu.Lock()
	defer runMu.Unlock()
	if opts.Benchtime != "" {
		restore, err := setBenchtime(opts.Benchtime)
		if err != nil {
			return nil, err
		}
		defer restore()
	}
	impls := opts.Impls
	if impls == nil {
		impls = Builtin()
	}
	cpus := opts.CPUs
	if len(cpus) == 0 {
		cpus = []int{runtime.GOMAXPROCS(0)}
	}
	for _, c := range cpus {
		if c <= 0 {
			return nil, fmt.Errorf("bench: cpu count %d, want > 0", c)
		}
	}
	count := max(opts.Count, 1)
	var cases []Case
	for _, c := range Cases(impls) {
		if opts.Filter == nil || opts.Filter.MatchString(BenchmarkName+"/"+c.Name()) {
			cases = append(cases, c)
		}
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("bench: no benchmark matches %v", opts.Filter)
	}

	width := 0
	for _, c := range cases {
		for _, cpu := range cpus {
			width = max(width, len(fullName(c, cpu)))
		}
	}
	bw := bufio.NewWriter(w)
	writeHeader(bw)
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var results []Result
	var failed []string
	for range count {
		for _, cpu := range cpus {
			runtime.GOMAXPROCS(cpu)
			for _, c := range cases {
				if err := ctx.Err(); err != nil {
					return results, err
				}
				name := fullName(c, cpu)
				var checkErr error
				r := testing.Benchmark(func(b *testing.B) {
					if err := c.measure(b); err != nil {
						checkErr = err
						b.FailNow()
					}
				})
				if checkErr != nil || r.N == 0 {
					if checkErr == nil {
						checkErr = errors.New("benchmark failed without a reason")
					}
					failed = append(failed, fmt.Sprintf("%s: %v", name, checkErr))
					continue
				}
				res := Result{
					Name: name, Path: c.Path.Name, Impl: c.Impl.Name, Par: c.Par, CPU: cpu,
					N: r.N, NsPerOp: float64(r.T.Nanoseconds()) / float64(r.N),
					BytesPerOp: int64(r.AllocedBytesPerOp()), AllocsPerOp: int64(r.AllocsPerOp()),
				}
				results = append(results, res)
				fmt.Fprintf(bw, "%-*s\t%s\t%s\n", width, name, r.String(), r.MemString())
				if err := bw.Flush(); err != nil {
					return results, err
				}
			}
		}
	}
	if len(failed) > 0 {
		return results, fmt.Errorf("%w:\n  %s", ErrCheckFailed, strings.Join(failed, "\n  "))
	}
	return results, nil
}

// fullName is the name go test would print for case c at cpu: no suffix at 1.
func fullName(c Case, cpu int) string {
	name := BenchmarkName + "/" + c.Name()
	if cpu != 1 {
		name += "-" + strconv.Itoa(cpu)
	}
	return name
}

// writeHeader writes the configuration lines go test prints before results.
func writeHeader(w io.Writer) {
	fmt.Fprintf(w, "goos: %s\ngoarch: %s\npkg: github.com/breakerlab/breakerlab/bench\n", runtime.GOOS, runtime.GOARCH)
	if cpu := cpuModel(); cpu != "" {
		fmt.Fprintf(w, "cpu: %s\n", cpu)
	}
}

// cpuModel returns the processor's model name from /proc/cpuinfo, or "".
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(data)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// setBenchtime sets the testing package's -test.benchtime, which
// testing.Benchmark reads, and returns a function restoring the old value.
func setBenchtime(s string) (restore func(), err error) {
	if err := CheckBenchtime(s); err != nil {
		return nil, err
	}
	testing.Init() // registers the test.* flags outside a test binary; a no-op inside one
	f := flag.Lookup("test.benchtime")
	if f == nil {
		return nil, errors.New("bench: the testing package has no test.benchtime flag")
	}
	old := f.Value.String()
	if err := f.Value.Set(s); err != nil {
		return nil, fmt.Errorf("benchtime %q: %w", s, err)
	}
	return func() { _ = f.Value.Set(old) }, nil
}
