package reports

import (
	"fmt"
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
}

// invariantNames names the harness's invariants (the DESIGN table), for runs
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
	if r.Verdict != nil {
		out := make([]checkResult, 0, len(r.Verdict.Checks))
		for _, c := range r.Verdict.Checks {
			status := record.StatusFailed
			switch {
			case c.Skipped:
				status = record.StatusNotChecked
			case c.Passed:
				status = record.StatusPassed
			}
			out = append(out, checkResult{ID: c.ID, Kind: c.Kind, Name: c.Name, Status: status,
				Detail: c.Detail, Violations: c.Violations, Total: max(c.ViolationsTotal, len(c.Violations))})
		}
		return out
	}
	const why = "verdict.json is missing: the checker did not run"
	e := r.Meta.Expect
	var out []checkResult
	for _, id := range e.Invariants {
		out = append(out, checkResult{ID: id, Kind: "invariant", Name: invariantNames[id],
			Status: record.StatusNotChecked, Detail: why})
	}
	add := func(id, name string) {
		out = append(out, checkResult{ID: id, Kind: "expectation", Name: name, Status: record.StatusNotChecked, Detail: why})
	}
	if e.MaxRejectionP99Ns > 0 {
		add(check.ExpectMaxRejectionP99, "rejection latency p99 ≤ "+fmtDur(e.MaxRejectionP99Ns))
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
	case r.Verdict != nil:
		return r.Verdict.Status()
	case r.Incomplete() != "":
		return record.StatusIncomplete
	}
	return record.StatusNotChecked
}

// Incomplete says why the run did not run as planned ([record.Meta.Incomplete]),
// or returns "" when it did.
func (r *Run) Incomplete() string { return r.Meta.Incomplete() }

// title returns "ID name", or the ID alone when the name is unknown.
func (c checkResult) title() string {
	return strings.TrimSpace(c.ID + " " + c.Name)
}
