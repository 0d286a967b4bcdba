package reports

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/breakerlab/breakerlab/scenarios/check"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// checkResult is one invariant or expectation as reported: the checker's
// verdict when verdict.json exists, else the expectation from meta.json
// marked not checked.
type checkResult struct {
	ID         string
	Kind       string // invariant | expectation
	Name       string
	Status     string // passed | failed | not checked
	Detail     string
	Violations []record.Violation // as recorded; possibly only the first ones
	Total      int                // violations in all, at least len(Violations)
	Skipped    bool               // the checker could not judge it; Detail says why
}

// invariantNames names the harness's invariants (the table in docs/scenarios.md), for runs
// whose verdict.json is missing.
var invariantNames = map[string]string{
	"I1":  "only legal transitions",
	"I2":  "opens exactly at the failure threshold",
	"I3":  "nothing reaches the dependency while open",
	"I4":  "half-open not before the recovery timeout",
	"I5":  "at most half_open_max_calls probes in flight",
	"I6":  "closes at the success threshold, reopens on a probe failure",
	"I7":  "results of an earlier generation change nothing",
	"I8":  "every call has exactly one outcome and the totals agree",
	"I9":  "rejections are fast",
	"I10": "closes once the dependency is healthy",
	"I11": "no goroutine outlives the run",
}

// checks returns every check of the run in the checker's order, or, when
// verdict.json is missing, every expectation of meta.json as not checked. A
// check the checker skipped (it could not be judged) is not checked.
func (r *Run) checks() []checkResult {
	if r.verdict != nil {
		out := make([]checkResult, 0, len(r.verdict.Checks))
		for _, c := range r.verdict.Checks {
			status := record.StatusFailed
			switch {
			case c.Skipped:
				status = record.StatusNotChecked
			case c.Passed:
				status = record.StatusPassed
			}
			out = append(out, checkResult{ID: c.ID, Kind: c.Kind, Name: c.Name, Status: status,
				Detail: c.Detail, Violations: c.Violations, Total: max(c.ViolationsTotal, len(c.Violations)), Skipped: c.Skipped})
		}
		return out
	}
	const why = "verdict.json is missing: the checker did not run"
	e := r.meta.Expect
	var out []checkResult
	for _, id := range e.Invariants {
		out = append(out, checkResult{ID: id, Kind: "invariant", Name: invariantNames[id],
			Status: record.StatusNotChecked, Detail: why})
	}
	add := func(id, name string) {
		out = append(out, checkResult{ID: id, Kind: "expectation", Name: name, Status: record.StatusNotChecked, Detail: why})
	}
	if e.MinServedRatio > 0 {
		add(check.ExpectMinServedRatio, fmt.Sprintf("served ratio ≥ %g", e.MinServedRatio))
	}
	if e.MaxTimeToCloseNs > 0 {
		add(check.ExpectMaxTimeToClose, "circuit closes within "+fmtDur(e.MaxTimeToCloseNs))
	}
	if e.MinOpens > 0 || e.MaxOpens != nil {
		add(check.ExpectOpens, "each circuit opens "+check.OpensBound(e)+" times")
	}
	return out
}

// Status returns the run's overall status, one of record.StatusPassed,
// StatusFailed, StatusIncomplete and StatusNotChecked: the verdict's
// ([record.Verdict.Status]); without one, incomplete when the run was, else
// not checked. Only passed is a pass.
func (r *Run) Status() string {
	switch {
	case r.verdict != nil:
		return r.verdict.Status()
	case r.Incomplete() != "":
		return record.StatusIncomplete
	}
	return record.StatusNotChecked
}

// Incomplete says why the run did not run as planned ([record.Meta.Incomplete]),
// or returns "" when it did.
func (r *Run) Incomplete() string { return r.meta.Incomplete() }

// title returns "ID name", or the ID alone when the name is unknown.
func (c checkResult) title() string {
	return strings.TrimSpace(c.ID + " " + c.Name)
}

// rules returns the NFR-6 rules the recorded violations of c say were
// broken, in order, each once.
func (c checkResult) rules() []int {
	var out []int
	for _, v := range c.Violations {
		if v.Rule > 0 && !slices.Contains(out, v.Rule) {
			out = append(out, v.Rule)
		}
	}
	slices.Sort(out)
	return out
}

// result is how a check's status reads in the reports: a check the
// checker skipped is "skipped" (it is not checked, and says why).
func (c checkResult) result() string {
	if c.Skipped {
		return statusSkipped
	}
	return c.Status
}

// allWarnings returns what the reports list as warnings: the reader's
// ([Run.Warnings]) and then the checker's (verdict.json; without one, the
// runner's notes in meta.json), each once, with the checker's file paths
// made relative to the run as the reader's are.
func (r *Run) allWarnings() []string {
	out := slices.Clone(r.Warnings)
	more := r.meta.Warnings
	if r.verdict != nil {
		more = r.verdict.Warnings
	}
	for _, w := range more {
		if path, rest, ok := strings.Cut(w, ":"); ok && strings.ContainsRune(path, filepath.Separator) {
			w = filepath.Base(path) + ":" + rest
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}
