package mutants

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// RuleScenarios are the built-in sim scenarios written to make every rule
// visible in a few hundred calls: the columns of the matrix that the
// package's tests keep (docs/mutants.md).
var RuleScenarios = []string{"failure-streaks", "cancelled-probes", "late-results", "mixed-probes", "client-deadlines", "scattered-failures"}

// Matrix is what each implementation showed in each scenario.
type Matrix struct {
	Scenarios []string
	Rows      []Row
}

// Row is one implementation's results, one cell per scenario.
type Row struct {
	Impl  string
	Cells []Cell
}

// Cell is the checks one run failed, in verdict order, each with the
// NFR-6 rules its violations name; none when the run passed.
type Cell struct {
	Failed []Failure
}

// Failure is one failed check of a run.
type Failure struct {
	ID    string // "I7", "R1", or an expectation such as "opens"
	Rules []int  // the rules its violations name, ascending; empty when they name none
}

// String is "I7:6", "I6:5,8" or "R1".
func (f Failure) String() string {
	if len(f.Rules) == 0 {
		return f.ID
	}
	rules := make([]string, len(f.Rules))
	for i, r := range f.Rules {
		rules[i] = strconv.Itoa(r)
	}
	return f.ID + ":" + strings.Join(rules, ",")
}

// String is "pass", or the failed checks separated by spaces.
func (c Cell) String() string {
	if len(c.Failed) == 0 {
		return "pass"
	}
	parts := make([]string, len(c.Failed))
	for i, f := range c.Failed {
		parts[i] = f.String()
	}
	return strings.Join(parts, " ")
}

// Caught reports whether the run failed check id.
func (c Cell) Caught(id string) bool {
	return slices.ContainsFunc(c.Failed, func(f Failure) bool { return f.ID == id })
}

// Passed reports whether every check held.
func (c Cell) Passed() bool { return len(c.Failed) == 0 }

// RunMatrix runs each scenario (built-in names or files) against each
// implementation with opts (its Out: where the runs are recorded; its
// Breaker is each of impls), and returns what each run failed. A scenario
// that cannot run is an error.
func RunMatrix(ctx context.Context, impls []runner.Implementation, names []string, opts runner.Options) (*Matrix, error) {
	scs := make([]*scenarios.Scenario, len(names))
	for i, name := range names {
		sc, err := scenarios.Resolve(name)
		if err != nil {
			return nil, err
		}
		scs[i] = sc
	}
	m := &Matrix{Scenarios: names}
	for _, impl := range impls {
		row := Row{Impl: impl.Name}
		for _, sc := range scs {
			opts.Breaker = impl
			res, err := runner.Run(ctx, sc, opts)
			if err != nil {
				return nil, fmt.Errorf("mutants: %s against %s: %w", sc.Name, impl.Name, err)
			}
			row.Cells = append(row.Cells, cellOf(res.Verdict))
		}
		m.Rows = append(m.Rows, row)
	}
	return m, nil
}

// cellOf lists the checks v failed.
func cellOf(v *record.Verdict) Cell {
	var c Cell
	for _, ch := range v.Checks {
		if ch.Passed {
			continue
		}
		f := Failure{ID: ch.ID}
		for _, viol := range ch.Violations {
			if viol.Rule != 0 && !slices.Contains(f.Rules, viol.Rule) {
				f.Rules = append(f.Rules, viol.Rule)
			}
		}
		slices.Sort(f.Rules)
		c.Failed = append(c.Failed, f)
	}
	return c
}

// Cell returns the cell of implementation impl and scenario sc.
func (m *Matrix) Cell(impl, sc string) (Cell, bool) {
	j := slices.Index(m.Scenarios, sc)
	for _, r := range m.Rows {
		if r.Impl == impl && j >= 0 {
			return r.Cells[j], true
		}
	}
	return Cell{}, false
}

// Markdown renders m as a Markdown table: a row per implementation, a
// column per scenario.
func (m *Matrix) Markdown() string {
	var b strings.Builder
	b.WriteString("| breaker |")
	for _, sc := range m.Scenarios {
		b.WriteString(" " + sc + " |")
	}
	b.WriteString("\n|---|")
	for range m.Scenarios {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range m.Rows {
		b.WriteString("| " + r.Impl + " |")
		for _, c := range r.Cells {
			b.WriteString(" " + c.String() + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}
