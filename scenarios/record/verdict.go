package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The kinds of Check.
const (
	KindInvariant   = "invariant"   // one of I1–I11 (docs/scenarios.md)
	KindExpectation = "expectation" // a threshold from meta.json's expect block
	KindReport      = "report"      // the breaker's own report (transitions, snapshots) against its behaviour
)

// InferredFile holds the transitions the checker inferred from behaviour, as
// transitions.jsonl lines with "inferred": true.
const InferredFile = "inferred.jsonl"

// Verdict is the checker's judgement of a run: verdict.json.
type Verdict struct {
	SchemaVersion int    `json:"schema_version"` // SchemaVersion
	Scenario      string `json:"scenario"`       // the scenario's name
	// Passed is true when every check passed, at least one was judged, and
	// the run was complete.
	Passed bool    `json:"passed"`
	Checks []Check `json:"checks"`
	Stats  Stats   `json:"stats"`
	// Incomplete says why the run did not run as planned ([Meta.Incomplete]);
	// empty when it did. An addition to the contract.
	Incomplete string `json:"incomplete,omitempty"`
	// Warnings are the reader's (a cut-off last line) and the checker's notes
	// that did not fail a check. An addition to the contract.
	Warnings []string `json:"warnings,omitempty"`
	// Observed are the parameters each breaker showed, inferred from its
	// behaviour, next to the expected ones. An addition to the contract.
	Observed []Observed `json:"observed,omitempty"`
}

// Observed is one breaker parameter as the run showed it: each time it could
// be measured, against what NFR-6 (and the scenario) expect.
type Observed struct {
	Dep string `json:"dep"`
	// Param names it: ParamFailureStreak, ParamOpenFor, ParamProbes or
	// ParamSuccessesToClose.
	Param    string    `json:"param"`
	Expected float64   `json:"expected"` // in the unit of Values
	Unit     string    `json:"unit"`     // "calls" or "s"
	Values   []float64 `json:"values"`   // one per occasion, in time order
	// Exact counts the values that were measured exactly; the others are
	// bounds (calls in flight at a trip, an open period that ran to the
	// end). Matching counts the values equal to Expected (within the
	// tolerance, for times).
	Exact    int `json:"exact"`
	Matching int `json:"matching"`
}

// The parameters of Observed.
const (
	ParamFailureStreak    = "failure_streak"     // consecutive failures at each trip (expected: failure_threshold)
	ParamOpenFor          = "open_for"           // time from each trip to the first probe (expected: recovery_timeout)
	ParamProbes           = "probes_in_flight"   // the most probes in flight in each half-open episode (expected at most half_open_max_calls)
	ParamSuccessesToClose = "successes_to_close" // probe successes before each close (expected: success_threshold)
)

// Check is one invariant or expectation and its result.
type Check struct {
	ID         string      `json:"id"`         // "I1" … "I11", or an expectation's name
	Kind       string      `json:"kind"`       // KindInvariant or KindExpectation
	Name       string      `json:"name"`       // what it checks, for people
	Passed     bool        `json:"passed"`     // no violation
	Detail     string      `json:"detail"`     // a one-line summary: what was measured or how many violations
	Violations []Violation `json:"violations"` // the first few; never null
	// ViolationsTotal counts every violation found, including those left out
	// of Violations. An addition to the contract.
	ViolationsTotal int `json:"violations_total"`
	// Skipped is true when the check could not be judged (e.g. I11 without
	// leaked_goroutines in meta.json, or a window the run never reached):
	// it is reported as not checked, and counts neither as passed nor as
	// failed. An addition.
	Skipped bool `json:"skipped,omitempty"`
}

// Violation is one event that broke a check.
type Violation struct {
	ID   string `json:"id"`    // the check's id
	Dep  string `json:"dep"`   // the dependency; "" for the run as a whole
	AtNs int64  `json:"at_ns"` // when, ns since t0
	Gen  uint64 `json:"gen"`   // the generation concerned
	// Event names the offending record: "call seq=17" or
	// "transition #4 closed→open". An addition to the contract.
	Event   string   `json:"event,omitempty"`
	Message string   `json:"message"`
	Context []string `json:"context"` // the few events before it, oldest first
	// Rule is the breaker rule (1–10 of the NFR-6 contract) the evidence
	// says was broken; 0 when it is no single rule. An addition.
	Rule int `json:"rule,omitempty"`
}

// Stats are the run's totals over every dependency.
type Stats struct {
	Calls              int `json:"calls"`               // attempted calls
	Success            int `json:"success"`             // calls by outcome: succeeded
	Failure            int `json:"failure"`             // failed
	Ignored            int `json:"ignored"`             // counted as neither
	Rejected           int `json:"rejected"`            // refused without running
	Fallback           int `json:"fallback"`            // calls answered by a fallback
	DependencyRequests int `json:"dependency_requests"` // requests the fakes saw
	Transitions        int `json:"transitions"`         // breaker state changes, as inferred from what it did
}

// The statuses of a run ([Verdict.Status]) and of a check.
const (
	StatusPassed     = "passed"      // every check judged held, at least one was judged, and the run was complete
	StatusFailed     = "failed"      // a check failed
	StatusIncomplete = "incomplete"  // no check failed, but the run did not run as planned
	StatusNotChecked = "not checked" // nothing was judged: no verdict, or every check skipped
)

// MarkIncomplete records why the run was incomplete (reason from
// [Meta.Incomplete]); a non-empty reason fails the verdict. Whoever writes
// verdict.json calls it, so that the file says what the run was.
func (v *Verdict) MarkIncomplete(reason string) {
	v.Incomplete = reason
	if reason != "" {
		v.Passed = false
	}
}

// Status sums the verdict up: failed when a check failed, else incomplete
// when the run was, else not checked when no check was judged, else passed
// (or failed when Passed says so for no check's reason).
func (v *Verdict) Status() string {
	judged := 0
	for _, c := range v.Checks {
		if c.Skipped {
			continue
		}
		judged++
		if !c.Passed {
			return StatusFailed
		}
	}
	switch {
	case v.Incomplete != "":
		return StatusIncomplete
	case judged == 0:
		return StatusNotChecked
	case !v.Passed:
		return StatusFailed
	}
	return StatusPassed
}

// Check returns the check with the given id, or false.
func (v *Verdict) Check(id string) (Check, bool) {
	for _, c := range v.Checks {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}

// Write writes v to dir/verdict.json atomically, indented, with empty lists
// as [] rather than null.
func (v *Verdict) Write(dir string) error {
	out := *v
	if out.SchemaVersion == 0 {
		out.SchemaVersion = SchemaVersion
	}
	out.Checks = make([]Check, len(v.Checks))
	for i, c := range v.Checks {
		vs := make([]Violation, len(c.Violations))
		copy(vs, c.Violations)
		for j := range vs {
			if vs[j].Context == nil {
				vs[j].Context = []string{}
			}
		}
		c.Violations = vs
		out.Checks[i] = c
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("record: encoding %s: %w", VerdictFile, err)
	}
	return writeFileAtomic(filepath.Join(dir, VerdictFile), append(b, '\n'))
}

// ReadVerdict reads dir/verdict.json.
func ReadVerdict(dir string) (*Verdict, error) {
	path := filepath.Join(dir, VerdictFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	var v Verdict
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("record: %s: %s", path, jsonErrorAt(b, err))
	}
	if err := checkSchema(v.SchemaVersion); err != nil {
		return nil, fmt.Errorf("record: %s: %w", path, err)
	}
	return &v, nil
}

// WriteInferred writes the transitions the checker inferred to
// dir/inferred.jsonl, whole (a temporary file renamed over it).
func WriteInferred(dir string, ts []Transition) error {
	var b []byte
	for i := range ts {
		line, err := marshalLine(ts[i])
		if err != nil {
			return fmt.Errorf("record: %s: transition %d: %w", InferredFile, i+1, err)
		}
		b = append(b, line...)
	}
	return writeFileAtomic(filepath.Join(dir, InferredFile), b)
}

// ReadInferred reads dir/inferred.jsonl; a missing file is no transitions.
func ReadInferred(dir string) ([]Transition, error) {
	f, err := os.Open(filepath.Join(dir, InferredFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	defer f.Close()
	var ts []Transition
	_, err = EachTransition(f, filepath.Join(dir, InferredFile), func(t *Transition) error {
		ts = append(ts, *t)
		return nil
	})
	return ts, err
}
