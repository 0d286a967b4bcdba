package gate

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"

	"golang.org/x/perf/benchmath"
)

// WriteTable prints the comparison like benchstat: per benchmark the baseline
// and current medians (± the 95% confidence interval from 6 samples on), the change (or ~ when
// not significant) with the p-value and sample sizes, and the verdict; then
// the benchmarks found in one file only, and a summary line.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "benchmark\tbaseline ns/op\tcurrent ns/op\tvs base\t\tverdict")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n",
			row.Name, center(row.Old), center(row.New), delta(row), stat(row), row.Verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	listOnly(w, "baseline", r.OnlyBaseline)
	listOnly(w, "current", r.OnlyCurrent)
	_, err := fmt.Fprintln(w, r.Summary())
	return err
}

// Summary is one line: what was compared and the verdict of the gate.
func (r *Report) Summary() string {
	s := fmt.Sprintf("gate: %d compared, %d regressed beyond %.0f%%, %d slower within it, %d faster, %d unchanged",
		len(r.Rows), r.Count(Regressed), r.Options.MaxRegression*100, r.Count(Slower), r.Count(Faster), r.Count(Unchanged))
	if n := r.Count(TooFewSamples); n > 0 {
		s += fmt.Sprintf(", %d undecidable: too few samples (need %d per side; run with -count 5 or more)", n, MinSamples)
	}
	s += fmt.Sprintf(" (alpha %.2g)", r.Options.Alpha)
	return s + ": " + r.Outcome().String()
}

// maxListed is how many benchmarks found in one file only are named; a gate
// that runs a subset of the baseline's cases would otherwise list hundreds.
const maxListed = 10

func listOnly(w io.Writer, file string, names []string) {
	switch {
	case len(names) == 0:
	case len(names) <= maxListed:
		for _, name := range names {
			fmt.Fprintf(w, "only in %s (not compared): %s\n", file, name)
		}
	default:
		fmt.Fprintf(w, "only in %s (not compared): %d benchmarks, e.g. %s\n", file, len(names), names[0])
	}
}

// center prints a summary's median, with its confidence interval when the
// sample is large enough to have one (benchmath needs 6 samples for 95%).
func center(s benchmath.Summary) string {
	if math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0) || math.IsNaN(s.Lo) || math.IsNaN(s.Hi) {
		return formatNs(s.Center)
	}
	return formatNs(s.Center) + " ± " + s.PctRangeString()
}

// formatNs prints seconds per op as nanoseconds with three significant digits.
func formatNs(sec float64) string {
	ns := sec * 1e9
	switch {
	case ns >= 100:
		return fmt.Sprintf("%.0f", ns)
	case ns >= 10:
		return fmt.Sprintf("%.1f", ns)
	default:
		return fmt.Sprintf("%.2f", ns)
	}
}

func delta(row Row) string {
	if row.Verdict == Unchanged || row.Verdict == TooFewSamples {
		return "~"
	}
	return fmt.Sprintf("%+.1f%%", row.Delta*100)
}

func stat(row Row) string {
	if row.Verdict == TooFewSamples {
		return fmt.Sprintf("(n=%d+%d)", row.OldN, row.NewN)
	}
	return fmt.Sprintf("(p=%.3f n=%d+%d)", min(row.P, 1), row.OldN, row.NewN)
}
