package reports

// The record types below mirror the recorded run directory (see the README's
// reports section and notes/run-directory.md). reports declares them itself,
// rather than importing the runner's types, so that a report can be rebuilt
// from files alone and the two packages can evolve independently: unknown
// fields are ignored, missing ones read as zero.

// Meta is meta.json: the scenario as run, written at the start of a run and
// rewritten at its end with EndedNs and Interrupted.
type Meta struct {
	SchemaVersion int       `json:"schema_version"`
	Scenario      string    `json:"scenario"`
	Description   string    `json:"description"`
	Mode          string    `json:"mode"` // sim | live | external
	Seed          int64     `json:"seed"`
	T0            string    `json:"t0"`          // RFC 3339 wall time of the run's start
	DurationNs    int64     `json:"duration_ns"` // planned duration
	EndedNs       int64     `json:"ended_ns"`    // actual end; 0 while running or when cut short
	Interrupted   bool      `json:"interrupted"`
	Load          LoadMeta  `json:"load"`
	Dependencies  []DepMeta `json:"dependencies"`
	Expect        Expect    `json:"expect"`
	ScenarioYAML  string    `json:"scenario_yaml"`
}

// LoadMeta describes the load profile of a run.
type LoadMeta struct {
	Kind        string  `json:"kind"`
	Rate        float64 `json:"rate"` // requests per second; 0 when not rate-driven
	Workers     int     `json:"workers"`
	Description string  `json:"description"`
}

// DepMeta is one dependency of a run: its breaker configuration and its
// fault phases.
type DepMeta struct {
	Name    string      `json:"name"`
	Preset  string      `json:"preset"`
	Breaker BreakerMeta `json:"breaker"`
	Phases  []Phase     `json:"phases"`
}

// BreakerMeta is the breaker configuration a dependency ran with, defaults
// filled in.
type BreakerMeta struct {
	FailureThreshold  int   `json:"failure_threshold"`
	SuccessThreshold  int   `json:"success_threshold"`
	RecoveryTimeoutNs int64 `json:"recovery_timeout_ns"`
	HalfOpenMaxCalls  int   `json:"half_open_max_calls"`
}

// Phase is the start of one fault phase of a dependency.
type Phase struct {
	AtNs  int64  `json:"at_ns"`
	Label string `json:"label"`
}

// Expect lists what the scenario expects; every entry becomes a check.
type Expect struct {
	Invariants        []string `json:"invariants"`
	MaxRejectionP99Ns int64    `json:"max_rejection_p99_ns"`
	MinServedRatio    float64  `json:"min_served_ratio"`
	MaxTimeToCloseNs  int64    `json:"max_time_to_close_ns"`
}

// Call is one line of calls.jsonl: an attempted call as the client saw it.
type Call struct {
	Seq      int64  `json:"seq"`
	Dep      string `json:"dep"`
	StartNs  int64  `json:"start_ns"`
	EndNs    int64  `json:"end_ns"`
	Outcome  string `json:"outcome"` // success | failure | ignored | rejected
	Fallback bool   `json:"fallback"`
	Gen      uint64 `json:"gen"`
	Reject   string `json:"reject,omitempty"` // open | probe_limit, for rejected calls
	Err      string `json:"err"`              // not read by Load: reports never show it
}

// Transition is one line of transitions.jsonl: a breaker state change.
type Transition struct {
	Dep    string `json:"dep"`
	From   string `json:"from"`
	To     string `json:"to"`
	AtNs   int64  `json:"at_ns"`
	Gen    uint64 `json:"gen"`
	Reason string `json:"reason"`
}

// DepRequest is one line of dependency.jsonl: a request that reached a fake
// dependency.
type DepRequest struct {
	Dep       string `json:"dep"`
	Seq       int64  `json:"seq"`
	AtNs      int64  `json:"at_ns"`
	Fault     string `json:"fault"`
	LatencyNs int64  `json:"latency_ns"`
	Status    int    `json:"status"`
	Err       string `json:"err"` // not read by Load: reports never show it
}

// Snapshot is one line of snapshots.jsonl: the breaker's counters at a moment.
type Snapshot struct {
	Dep                  string `json:"dep"`
	AtNs                 int64  `json:"at_ns"`
	State                string `json:"state"`
	Gen                  uint64 `json:"gen"`
	ConsecutiveFailures  int    `json:"consecutive_failures"`
	ConsecutiveSuccesses int    `json:"consecutive_successes"`
	ProbesInFlight       int    `json:"probes_in_flight"`
	Totals               Totals `json:"totals"`
}

// Totals counts calls by outcome.
type Totals struct {
	Success  int64 `json:"success"`
	Failure  int64 `json:"failure"`
	Ignored  int64 `json:"ignored"`
	Rejected int64 `json:"rejected"`
}

// Verdict is verdict.json, written by the checker after the run.
type Verdict struct {
	SchemaVersion int          `json:"schema_version"`
	Scenario      string       `json:"scenario"`
	Passed        bool         `json:"passed"`
	Checks        []Check      `json:"checks"`
	Stats         VerdictStats `json:"stats"`
}

// Check is the result of one invariant or expectation.
type Check struct {
	ID         string      `json:"id"`
	Kind       string      `json:"kind"` // invariant | expectation
	Name       string      `json:"name"`
	Passed     bool        `json:"passed"`
	Detail     string      `json:"detail"`
	Violations []Violation `json:"violations"`
	// ViolationsTotal counts every violation when the checker kept only the
	// first ones in Violations; 0 means len(Violations).
	ViolationsTotal int `json:"violations_total"`
}

// Violation is one breach of a check, with the events around it.
type Violation struct {
	ID      string   `json:"id"`
	Dep     string   `json:"dep"`
	AtNs    int64    `json:"at_ns"`
	Gen     uint64   `json:"gen"`
	Message string   `json:"message"`
	Context []string `json:"context"`
}

// VerdictStats are the checker's own totals.
type VerdictStats struct {
	Calls              int64 `json:"calls"`
	Success            int64 `json:"success"`
	Failure            int64 `json:"failure"`
	Ignored            int64 `json:"ignored"`
	Rejected           int64 `json:"rejected"`
	Fallback           int64 `json:"fallback"`
	DependencyRequests int64 `json:"dependency_requests"`
	Transitions        int64 `json:"transitions"`
}
