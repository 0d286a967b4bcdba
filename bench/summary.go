package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteSummary writes a Markdown summary of results (repeated runs folded
// into medians): for each GOMAXPROCS, a table of ns/op and allocs/op for
// every implementation and path, serial and b.RunParallel with one goroutine
// per processor (par=1); then how the reference breaker compares with the
// bare call and with every other implementation; then what each path does.
func WriteSummary(w io.Writer, results []Result) error {
	results = Median(results)
	if len(results) == 0 {
		_, err := fmt.Fprintln(w, "no results")
		return err
	}
	s := newSummary(results)
	var b strings.Builder
	for _, cpu := range s.cpus {
		s.writeTable(&b, cpu)
		s.writeComparisons(&b, cpu)
	}
	b.WriteString("Paths:\n")
	for _, p := range Paths() {
		if slices.Contains(s.paths, p.Name) {
			fmt.Fprintf(&b, "- %s: %s\n", p.Name, p.Doc)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// summaryKey identifies one case's median result.
type summaryKey struct {
	path, impl string
	par, cpu   int
}

// summary is the results indexed by case, with the GOMAXPROCS values
// (ascending), implementations and paths in order of appearance.
type summary struct {
	byKey        map[summaryKey]Result
	cpus         []int
	impls, paths []string
}

func newSummary(results []Result) summary {
	s := summary{byKey: map[summaryKey]Result{}}
	for _, r := range results {
		s.byKey[summaryKey{r.Path, r.Impl, r.Par, r.CPU}] = r
		if !slices.Contains(s.cpus, r.CPU) {
			s.cpus = append(s.cpus, r.CPU)
		}
		if !slices.Contains(s.impls, r.Impl) {
			s.impls = append(s.impls, r.Impl)
		}
		if !slices.Contains(s.paths, r.Path) {
			s.paths = append(s.paths, r.Path)
		}
	}
	slices.Sort(s.cpus)
	return s
}

// modeName names a parallelism in the summary: the serial loop, or par=1.
func modeName(par int) string {
	if par > 0 {
		return "parallel"
	}
	return "serial"
}

// writeTable writes the table of ns/op (allocs/op) at cpu: one row per
// implementation and mode, one column per path.
func (s summary) writeTable(b *strings.Builder, cpu int) {
	fmt.Fprintf(b, "### -cpu %d\n\nns/op (allocs/op); parallel is b.RunParallel with %d goroutine(s), par=1.\n\n", cpu, cpu)
	b.WriteString("| impl | mode |")
	for _, p := range s.paths {
		fmt.Fprintf(b, " %s |", p)
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---:|", len(s.paths)) + "\n")
	for _, impl := range s.impls {
		for _, par := range []int{0, 1} {
			fmt.Fprintf(b, "| %s | %s |", impl, modeName(par))
			for _, p := range s.paths {
				if r, ok := s.byKey[summaryKey{p, impl, par, cpu}]; ok {
					fmt.Fprintf(b, " %s (%d) |", formatNs(r.NsPerOp), r.AllocsPerOp)
				} else {
					b.WriteString(" – |")
				}
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\n")
}

// writeComparisons writes how the reference compares at cpu: with the bare
// call on closed-success, and with every other implementation at par=1.
func (s summary) writeComparisons(b *strings.Builder, cpu int) {
	for _, par := range []int{0, 1} {
		ref, ok := s.byKey[summaryKey{PathClosedSuccess, "reference", par, cpu}]
		bare, okBare := s.byKey[summaryKey{PathClosedSuccess, "bare", par, cpu}]
		if ok && okBare && bare.NsPerOp > 0 {
			fmt.Fprintf(b, "- %s closed-success: reference costs %.1fx the bare call\n", modeName(par), ref.NsPerOp/bare.NsPerOp)
		}
	}
	for _, impl := range s.impls {
		if impl == "reference" || impl == "bare" {
			continue
		}
		var parts []string
		for _, p := range s.paths {
			ref, ok1 := s.byKey[summaryKey{p, "reference", 1, cpu}]
			other, ok2 := s.byKey[summaryKey{p, impl, 1, cpu}]
			if ok1 && ok2 && ref.NsPerOp > 0 {
				parts = append(parts, fmt.Sprintf("%s %s", p, speedup(other.NsPerOp/ref.NsPerOp)))
			}
		}
		if len(parts) > 0 {
			fmt.Fprintf(b, "- parallel, reference vs %s: %s\n", impl, strings.Join(parts, ", "))
		}
	}
	b.WriteString("\n")
}

// speedup describes a ratio other/reference as "N.Nx faster" or "N.Nx slower".
func speedup(ratio float64) string {
	if ratio >= 1 {
		return fmt.Sprintf("%.1fx faster", ratio)
	}
	return fmt.Sprintf("%.1fx slower", 1/ratio)
}

// formatNs prints nanoseconds with three significant digits.
func formatNs(ns float64) string {
	switch {
	case ns >= 100:
		return fmt.Sprintf("%.0f", ns)
	case ns >= 10:
		return fmt.Sprintf("%.1f", ns)
	default:
		return fmt.Sprintf("%.2f", ns)
	}
}
