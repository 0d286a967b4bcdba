package gate

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

// MinSamples is the fewest samples per side the gate decides on. With four
// against four the smallest two-sided Mann-Whitney p-value is 2/70 ≈ 0.029,
// the first below 0.05; with three against three it is 0.1.
const MinSamples = 4

// unit is the measurement the gate compares. benchfmt normalises ns/op to it.
const unit = "sec/op"

// Options configure [Compare]. Zero fields mean their defaults.
type Options struct {
	// MaxRegression is the largest slowdown tolerated, as a fraction of the
	// baseline median: 0.10 allows 10%. Zero means 0.10; negative is an error.
	MaxRegression float64
	// Alpha is the significance level: a difference counts only if the
	// Mann-Whitney p-value is below it. Zero means 0.05; it must be below 1.
	Alpha float64
}

func (o Options) withDefaults() (Options, error) {
	if o.MaxRegression < 0 || math.IsNaN(o.MaxRegression) {
		return o, fmt.Errorf("gate: max regression %v, want >= 0", o.MaxRegression)
	}
	if o.Alpha < 0 || o.Alpha >= 1 || math.IsNaN(o.Alpha) {
		return o, fmt.Errorf("gate: alpha %v, want 0 < alpha < 1", o.Alpha)
	}
	if o.MaxRegression == 0 {
		o.MaxRegression = 0.10
	}
	if o.Alpha == 0 {
		o.Alpha = 0.05
	}
	return o, nil
}

// Verdict is the gate's decision on one benchmark.
type Verdict int

const (
	Unchanged     Verdict = iota // no significant difference
	Faster                       // significantly faster
	Slower                       // significantly slower, within the threshold
	Regressed                    // significantly slower beyond the threshold: fails the gate
	TooFewSamples                // a side has too few samples to show significance
)

// String returns the verdict as the table prints it.
func (v Verdict) String() string {
	switch v {
	case Unchanged:
		return "ok"
	case Faster:
		return "faster"
	case Slower:
		return "slower, within threshold"
	case Regressed:
		return "REGRESSION"
	case TooFewSamples:
		return "too few samples"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// Row is the comparison of one benchmark present in both files.
type Row struct {
	Name     string            // benchmark name without "Benchmark", with the -GOMAXPROCS suffix
	Old, New benchmath.Summary // median and confidence interval, in seconds per op
	OldN     int               // baseline samples
	NewN     int               // current samples
	Delta    float64           // New.Center/Old.Center - 1
	P        float64           // Mann-Whitney p-value; NaN when undecidable
	Verdict  Verdict
}

// Report is the outcome of a comparison.
type Report struct {
	Options      Options  // with defaults filled in
	Rows         []Row    // benchmarks in both files, in baseline order
	OnlyBaseline []string // benchmarks missing from the current file
	OnlyCurrent  []string // benchmarks new in the current file
}

// Failed reports whether any benchmark regressed.
func (r *Report) Failed() bool {
	return slices.ContainsFunc(r.Rows, func(row Row) bool { return row.Verdict == Regressed })
}

// Outcome is the gate's decision on a whole comparison.
type Outcome int

const (
	Pass            Outcome = iota // at least one benchmark decided, none regressed
	Fail                           // a benchmark regressed
	NothingCompared                // no benchmark is in both files
	Undecided                      // every benchmark compared has too few samples
)

// String returns the outcome as the summary line ends: PASS, FAIL,
// NOTHING COMPARED or UNDECIDED.
func (o Outcome) String() string {
	switch o {
	case Pass:
		return "PASS"
	case Fail:
		return "FAIL"
	case NothingCompared:
		return "NOTHING COMPARED"
	case Undecided:
		return "UNDECIDED"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Outcome decides the comparison. Only Pass lets a change through: a gate
// that compared nothing, or could not decide on any benchmark, has not
// shown that nothing regressed.
func (r *Report) Outcome() Outcome {
	switch {
	case r.Failed():
		return Fail
	case len(r.Rows) == 0:
		return NothingCompared
	case r.Count(TooFewSamples) == len(r.Rows):
		return Undecided
	}
	return Pass
}

// Count returns how many rows have verdict v.
func (r *Report) Count(v Verdict) int {
	n := 0
	for _, row := range r.Rows {
		if row.Verdict == v {
			n++
		}
	}
	return n
}

// CompareFiles reads two benchmark result files and compares them.
func CompareFiles(baseline, current string, opts Options) (*Report, error) {
	old, err := readFile(baseline)
	if err != nil {
		return nil, err
	}
	cur, err := readFile(current)
	if err != nil {
		return nil, err
	}
	return compare(old, cur, opts)
}

func compare(old, cur *samples, opts Options) (*Report, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	thresholds := benchmath.DefaultThresholds
	thresholds.CompareAlpha = opts.Alpha
	rep := &Report{Options: opts}
	for _, name := range old.order {
		newValues, ok := cur.values[name]
		if !ok {
			rep.OnlyBaseline = append(rep.OnlyBaseline, name)
			continue
		}
		rep.Rows = append(rep.Rows, compareOne(name, old.values[name], newValues, &thresholds, opts))
	}
	for _, name := range cur.order {
		if _, ok := old.values[name]; !ok {
			rep.OnlyCurrent = append(rep.OnlyCurrent, name)
		}
	}
	return rep, nil
}

// compareOne decides on one benchmark.
func compareOne(name string, oldValues, newValues []float64, t *benchmath.Thresholds, opts Options) Row {
	a := benchmath.AssumeNothing
	s1, s2 := benchmath.NewSample(oldValues, t), benchmath.NewSample(newValues, t)
	row := Row{
		Name: name, OldN: len(oldValues), NewN: len(newValues), P: math.NaN(),
		Old: a.Summary(s1, 0.95), New: a.Summary(s2, 0.95),
	}
	row.Delta = row.New.Center/row.Old.Center - 1
	if !decidable(row.OldN, row.NewN, opts.Alpha) {
		row.Verdict = TooFewSamples
		return row
	}
	c := a.Compare(s1, s2)
	row.P = c.P
	switch {
	case c.P >= c.Alpha:
		row.Verdict = Unchanged
	case row.Delta < 0:
		row.Verdict = Faster
	case row.Delta > opts.MaxRegression:
		row.Verdict = Regressed
	default:
		row.Verdict = Slower
	}
	return row
}

// decidable reports whether samples of sizes n1 and n2 can show a difference
// at alpha: both have at least MinSamples, and the smallest two-sided
// Mann-Whitney p-value, 2/C(n1+n2, n1), is below alpha.
func decidable(n1, n2 int, alpha float64) bool {
	if n1 < MinSamples || n2 < MinSamples {
		return false
	}
	// C(n1+n2, n1) grows fast; stop once it is large enough.
	c := 1.0
	for i := 1; i <= n1; i++ {
		c = c * float64(n2+i) / float64(i)
		if 2/c < alpha {
			return true
		}
	}
	return 2/c < alpha
}

// samples holds one file's sec/op values per benchmark name.
type samples struct {
	order  []string
	values map[string][]float64
}

func readFile(path string) (*samples, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gate: %w", err)
	}
	defer f.Close()
	return read(f, path)
}

// read collects sec/op samples; a syntax error or a file without any result
// is an error naming the file (and line).
func read(r io.Reader, name string) (*samples, error) {
	s := &samples{values: map[string][]float64{}}
	rd := benchfmt.NewReader(r, name)
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, fmt.Errorf("gate: %w", rec)
		case *benchfmt.Result:
			v, ok := rec.Value(unit)
			if !ok {
				continue
			}
			key := string(rec.Name.Full())
			if _, seen := s.values[key]; !seen {
				s.order = append(s.order, key)
			}
			s.values[key] = append(s.values[key], v)
		}
	}
	if err := rd.Err(); err != nil {
		return nil, fmt.Errorf("gate: %s: %w", name, err)
	}
	if len(s.order) == 0 {
		return nil, fmt.Errorf("gate: %s: no benchmark results with ns/op (want lines like \"BenchmarkX-2  1000  12.5 ns/op\")", name)
	}
	return s, nil
}
