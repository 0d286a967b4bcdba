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
	type key struct {
		path, impl string
		par, cpu   int
	}
	byKey := map[key]Result{}
	var cpus []int
	var impls, paths []string
	for _, r := range results {
		byKey[key{r.Path, r.Impl, r.Par, r.CPU}] = r
		if !slices.Contains(cpus, r.CPU) {
			cpus = append(cpus, r.CPU)
		}
		if !slices.Contains(impls, r.Impl) {
			impls = append(impls, r.Impl)
		}
		if !slices.Contains(paths, r.Path) {
			paths = append(paths, r.Path)
		}
	}
	slices.Sort(cpus)
	var b strings.Builder
	for _, cpu := range cpus {
		fmt.Fprintf(&b, "### -cpu %d\n\nns/op (allocs/op); parallel is b.RunParallel with %d goroutine(s), par=1.\n\n", cpu, cpu)
		b.WriteString("| impl | mode |")
		for _, p := range paths {
			fmt.Fprintf(&b, " %s |", p)
		}
		b.WriteString("\n|---|---|" + strings.Repeat("---:|", len(paths)) + "\n")
		for _, impl := range impls {
			for _, par := range []int{0, 1} {
				mode := "serial"
				if par > 0 {
					mode = "parallel"
				}
				fmt.Fprintf(&b, "| %s | %s |", impl, mode)
				for _, p := range paths {
					if r, ok := byKey[key{p, impl, par, cpu}]; ok {
						fmt.Fprintf(&b, " %s (%d) |", formatNs(r.NsPerOp), r.AllocsPerOp)
					} else {
						b.WriteString(" – |")
					}
				}
				b.WriteString("\n")
			}
		}
		b.WriteString("\n")
		for _, par := range []int{0, 1} {
			mode := "serial"
			if par > 0 {
				mode = "parallel"
			}
			ref, ok := byKey[key{PathClosedSuccess, "reference", par, cpu}]
			bare, okBare := byKey[key{PathClosedSuccess, "bare", par, cpu}]
			if ok && okBare && bare.NsPerOp > 0 {
				fmt.Fprintf(&b, "- %s closed-success: reference costs %.1fx the bare call\n", mode, ref.NsPerOp/bare.NsPerOp)
			}
		}
		for _, impl := range impls {
			if impl == "reference" || impl == "bare" {
				continue
			}
			var parts []string
			for _, p := range paths {
				ref, ok1 := byKey[key{p, "reference", 1, cpu}]
				other, ok2 := byKey[key{p, impl, 1, cpu}]
				if ok1 && ok2 && ref.NsPerOp > 0 {
					parts = append(parts, fmt.Sprintf("%s %s", p, speedup(other.NsPerOp/ref.NsPerOp)))
				}
			}
			if len(parts) > 0 {
				fmt.Fprintf(&b, "- parallel, reference vs %s: %s\n", impl, strings.Join(parts, ", "))
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("Paths:\n")
	for _, p := range Paths() {
		if slices.Contains(paths, p.Name) {
			fmt.Fprintf(&b, "- %s: %s\n", p.Name, p.Doc)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
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
