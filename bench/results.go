package bench

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// Result is one measured case.
type Result struct {
	Name        string  // full benchmark name, e.g. BenchmarkBreaker/path=open-reject/impl=reference/par=4-2
	Path        string  // path name
	Impl        string  // implementation name
	Par         int     // SetParallelism value; 0 for the serial loop
	CPU         int     // GOMAXPROCS
	N           int     // iterations
	NsPerOp     float64 // nanoseconds per call
	BytesPerOp  int64   // bytes allocated per call
	AllocsPerOp int64   // allocations per call
}

// Goroutines returns how many goroutines made the calls: 1 for the serial
// loop, Par × CPU for b.RunParallel.
func (r Result) Goroutines() int {
	if r.Par == 0 {
		return 1
	}
	return r.Par * r.CPU
}

// ParseResults reads BenchmarkBreaker results in the standard Go benchmark
// format, such as the output of go test -bench in this package or in
// bench/peers. Other benchmarks in the input are skipped; input without a
// BenchmarkBreaker result is an error wrapping [ErrNoResults]. name labels
// errors.
func ParseResults(r io.Reader, name string) ([]Result, error) {
	rd := benchfmt.NewReader(r, name)
	var out []Result
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, rec
		case *benchfmt.Result:
			res, ok, err := fromRecord(rec)
			if err != nil {
				file, line := rec.Pos()
				return nil, fmt.Errorf("%s:%d: %w", file, line, err)
			}
			if ok {
				out = append(out, res)
			}
		}
	}
	if err := rd.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w", name, ErrNoResults)
	}
	return out, nil
}

// fromRecord converts one benchfmt result; ok is false for other benchmarks.
func fromRecord(rec *benchfmt.Result) (Result, bool, error) {
	base, parts := rec.Name.Parts()
	if "Benchmark"+string(base) != BenchmarkName {
		return Result{}, false, nil
	}
	res := Result{Name: "Benchmark" + string(rec.Name.Full()), CPU: 1, N: rec.Iters}
	for _, p := range parts {
		switch {
		case bytes.HasPrefix(p, []byte("-")):
			cpu, err := strconv.Atoi(string(p[1:]))
			if err != nil {
				return res, false, fmt.Errorf("benchmark %s: bad GOMAXPROCS suffix %q", res.Name, p)
			}
			res.CPU = cpu
		default:
			k, v, ok := strings.Cut(strings.TrimPrefix(string(p), "/"), "=")
			if !ok {
				return res, false, fmt.Errorf("benchmark %s: sub-name %q is not key=value", res.Name, p)
			}
			switch k {
			case "path":
				res.Path = v
			case "impl":
				res.Impl = v
			case "par":
				if v != "serial" {
					par, err := strconv.Atoi(v)
					if err != nil || par <= 0 {
						return res, false, fmt.Errorf("benchmark %s: par=%s, want serial or a positive count", res.Name, v)
					}
					res.Par = par
				}
			}
		}
	}
	if res.Path == "" || res.Impl == "" {
		return res, false, fmt.Errorf("benchmark %s: want path=…/impl=…/par=… sub-names", res.Name)
	}
	ns, ok := nsPerOp(rec)
	if !ok {
		return res, false, fmt.Errorf("benchmark %s: no ns/op value", res.Name)
	}
	res.NsPerOp = ns
	if v, ok := rec.Value("B/op"); ok {
		res.BytesPerOp = int64(v)
	}
	if v, ok := rec.Value("allocs/op"); ok {
		res.AllocsPerOp = int64(v)
	}
	return res, true, nil
}

// nsPerOp returns the ns/op value as written (benchfmt also offers it
// converted to sec/op, which would not round-trip exactly).
func nsPerOp(rec *benchfmt.Result) (float64, bool) {
	for _, v := range rec.Values {
		if v.OrigUnit == "ns/op" {
			return v.OrigValue, true
		}
	}
	if sec, ok := rec.Value("sec/op"); ok {
		return sec * 1e9, true
	}
	return 0, false
}

// Median folds repeated results of the same case (same path, implementation,
// parallelism and CPU count, as from --count) into one with the median ns/op
// and allocations, in first-seen order.
func Median(results []Result) []Result {
	type key struct {
		path, impl string
		par, cpu   int
	}
	var order []key
	groups := map[key][]Result{}
	for _, r := range results {
		k := key{r.Path, r.Impl, r.Par, r.CPU}
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	out := make([]Result, 0, len(order))
	for _, k := range order {
		g := groups[k]
		slices.SortFunc(g, func(a, b Result) int { return cmpFloat(a.NsPerOp, b.NsPerOp) })
		m := g[len(g)/2]
		if len(g)%2 == 0 {
			m.NsPerOp = (g[len(g)/2-1].NsPerOp + m.NsPerOp) / 2
		}
		out = append(out, m)
	}
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
