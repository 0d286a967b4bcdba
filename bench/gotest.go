package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Module is the main module's path: [FindSource] looks for its go.mod.
const Module = "github.com/breakerlab/breakerlab"

// Where the suites live in a checkout, relative to its root: the main
// module's package and the nested module of the peers.
const (
	MainPackage = "./bench/"
	PeersDir    = "bench/peers"
)

// FindSource returns the root of the breakerlab checkout containing dir: the
// nearest directory at or above dir whose go.mod declares [Module]. The
// benchmarks are Go tests, so running them needs that source tree; without it
// the error wraps [ErrNoSource].
func FindSource(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if modulePath(filepath.Join(d, "go.mod")) == Module {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%w: no go.mod of module %s in %s or above", ErrNoSource, Module, dir)
		}
	}
}

// modulePath returns the module path a go.mod file declares, or "".
func modulePath(gomod string) string {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// GoTest is one run of the suite by go test -bench. The zero value runs
// every case once at go test's defaults.
type GoTest struct {
	// Bench is go test's -bench regexp: split at each '/' outside brackets,
	// one part per level of BenchmarkBreaker/path=P/impl=I/par=N, e.g.
	// "Breaker/path=open-reject/impl=reference/par=(serial|1)$". Empty
	// means every case.
	Bench string
	// CPU is go test's -cpu list of GOMAXPROCS values, e.g. "1,2". Empty
	// means the current GOMAXPROCS.
	CPU string
	// Count is go test's -count, runs of each case. Zero means 1.
	Count int
	// Benchtime is go test's -benchtime: a duration ("200ms") or an
	// iteration count ("100x") per case. Empty means go test's 1s.
	Benchtime string
}

// Validate reports the first setting go test would refuse, naming its flag.
func (g GoTest) Validate() error {
	if _, err := regexp.Compile(g.Bench); err != nil {
		return fmt.Errorf("bench %q: %w", g.Bench, err)
	}
	if g.CPU != "" {
		for f := range strings.SplitSeq(g.CPU, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(f)); err != nil || n <= 0 {
				return fmt.Errorf("cpu %q: want positive integers separated by commas, e.g. 1,2,4", g.CPU)
			}
		}
	}
	if g.Count < 0 {
		return fmt.Errorf("count %d: want a positive number of runs", g.Count)
	}
	if g.Benchtime != "" {
		return checkBenchtime(g.Benchtime)
	}
	return nil
}

// checkBenchtime reports whether s is a benchtime go test accepts: a
// positive duration or a positive iteration count followed by "x".
func checkBenchtime(s string) error {
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

// Args returns the go test arguments that run pkg's benchmarks (no tests)
// with allocation counts. The timeout is off: a full sweep at -count 5
// takes longer than go test's default 10 minutes.
func (g GoTest) Args(pkg string) []string {
	bench := g.Bench
	if bench == "" {
		bench = "."
	}
	args := []string{"test", "-run", "^$", "-bench", bench, "-benchmem", "-timeout", "0"}
	if g.CPU != "" {
		args = append(args, "-cpu", g.CPU)
	}
	if g.Count > 0 {
		args = append(args, "-count", strconv.Itoa(g.Count))
	}
	if g.Benchtime != "" {
		args = append(args, "-benchtime", g.Benchtime)
	}
	return append(args, pkg)
}

// Run runs go test with [GoTest.Args] in dir, streaming its standard output
// (the results, in the Go benchmark format) to stdout and its standard error
// to stderr. A case whose outcome check failed fails its benchmark, and go
// test with it: the error is then a [*FailedError] naming the cases. When ctx
// is done go test is interrupted.
func (g GoTest) Run(ctx context.Context, dir, pkg string, stdout, stderr io.Writer) error {
	var failures failureScanner
	cmd := exec.CommandContext(ctx, "go", g.Args(pkg)...)
	cmd.Dir = dir
	cmd.Stdout = io.MultiWriter(stdout, &failures)
	cmd.Stderr = stderr
	interruptOnCancel(cmd)
	cmd.WaitDelay = 10 * time.Second // then kill, if the interrupt was not enough
	err := cmd.Run()
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil && len(failures.leaves()) > 0:
		return &FailedError{Failures: failures.leaves()}
	case err != nil:
		return fmt.Errorf("bench: go %s in %s: %w (its output above says why)", strings.Join(g.Args(pkg), " "), dir, err)
	}
	return nil
}

// Failure is a benchmark that failed and the first line it logged, such as
// its outcome check's error.
type Failure struct {
	Name    string // the full benchmark name, e.g. BenchmarkBreaker/path=open-reject/impl=x/par=serial
	Message string // without the file:line prefix; "" when it logged nothing
}

// FailedError reports the benchmarks that failed in a go test run: the
// cases themselves, not the parents that fail with them.
type FailedError struct {
	Failures []Failure
}

func (e *FailedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "bench: %d benchmark(s) failed:", len(e.Failures))
	for _, f := range e.Failures {
		b.WriteString("\n  " + f.Name)
		if f.Message != "" {
			b.WriteString(": " + f.Message)
		}
	}
	return b.String()
}

// failureScanner is an io.Writer that picks the "--- FAIL: NAME" lines and
// the log line under each out of go test output as it streams past.
type failureScanner struct {
	partial  []byte
	failures []Failure
	indent   int // of the last FAIL line; -1 after its first log line or another line
}

var (
	failLine = regexp.MustCompile(`^(\s*)--- FAIL: (\S+)`)
	logLine  = regexp.MustCompile(`^(\s+)(?:\S+\.go:\d+: )?(.*\S)`)
)

func (s *failureScanner) Write(p []byte) (int, error) {
	s.partial = append(s.partial, p...)
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		s.line(string(s.partial[:i]))
		s.partial = s.partial[i+1:]
	}
}

func (s *failureScanner) line(line string) {
	if m := failLine.FindStringSubmatch(line); m != nil {
		s.failures = append(s.failures, Failure{Name: m[2]})
		s.indent = len(m[1])
		return
	}
	if m := logLine.FindStringSubmatch(line); m != nil && len(s.failures) > 0 && s.indent >= 0 && len(m[1]) > s.indent {
		s.failures[len(s.failures)-1].Message = m[2]
	}
	s.indent = -1
}

// leaves returns the failures that are not the parent of another, each
// once (with -count, a case fails in every run).
func (s *failureScanner) leaves() []Failure {
	var out []Failure
	seen := map[string]bool{}
	for _, f := range s.failures {
		parent := false
		for _, g := range s.failures {
			parent = parent || strings.HasPrefix(g.Name, f.Name+"/")
		}
		if !parent && !seen[f.Name] {
			seen[f.Name] = true
			out = append(out, f)
		}
	}
	return out
}
