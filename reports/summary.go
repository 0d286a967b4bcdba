package reports

import (
	"encoding/json"
	"io"
	"time"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// summarySchemaVersion is the schema_version of summary.json. It changes
// only when a field changes meaning or disappears; new fields may appear.
// Version 2: transitions, opens, time_in_state_ns, episodes and
// final_state count the states the checker inferred from behaviour
// (state_source), no longer those the breaker reported (now under
// reported).
const summarySchemaVersion = 2

// runSummary is summary.json: the machine-readable result of one run.
type runSummary struct {
	SchemaVersion int            `json:"schema_version"`
	Scenario      string         `json:"scenario"`
	Breaker       string         `json:"breaker,omitempty"` // the implementation driven, as meta.json names it
	Description   string         `json:"description,omitempty"`
	Mode          string         `json:"mode"`
	Seed          int64          `json:"seed"`
	T0            string         `json:"t0,omitempty"`
	Status        string         `json:"status"` // passed | failed | incomplete | not checked
	Passed        bool           `json:"passed"` // status == passed
	PlannedNs     int64          `json:"planned_ns"`
	EndNs         int64          `json:"end_ns"`
	Complete      bool           `json:"complete"` // meta.json recorded an end
	Interrupted   bool           `json:"interrupted"`
	Incomplete    string         `json:"incomplete,omitempty"` // why the run did not run as planned; such a run does not pass
	Load          record.Load    `json:"load"`
	Dependencies  []depSummary   `json:"dependencies"`
	Checks        []checkSummary `json:"checks"`
	CheckCounts   checkTally     `json:"check_counts"`
	Warnings      []string       `json:"warnings"`
}

// depSummary is the result of one dependency.
type depSummary struct {
	Name               string                  `json:"name"`
	Preset             string                  `json:"preset,omitempty"`
	Breaker            record.BreakerConfig    `json:"breaker"`
	Calls              int64                   `json:"calls"`
	Outcomes           record.Totals           `json:"outcomes"`
	Fallback           int64                   `json:"fallback"`
	RejectedOpen       int64                   `json:"rejected_open"`
	RejectedProbeLimit int64                   `json:"rejected_probe_limit"`
	DependencyRequests int64                   `json:"dependency_requests"`
	Faults             map[string]int64        `json:"faults"`
	CallsPerSecond     float64                 `json:"calls_per_second"`
	ServedRatio        float64                 `json:"served_ratio"` // (success + fallback) / calls
	Latency            map[string]latencyStats `json:"latency"`      // admitted, success, failure, ignored, rejected
	// StateSource says where the state counts below come from: sourceInferred
	// (the checker's inference, inferred.jsonl), or, for a run without
	// it, sourceReported or sourceSampled (the breaker's own account), or
	// sourceNone.
	StateSource   string           `json:"state_source"`
	Transitions   int              `json:"transitions"`
	Opens         int              `json:"opens"`
	TimeInStateNs map[string]int64 `json:"time_in_state_ns"`
	Episodes      []episode        `json:"episodes"`
	FinalState    string           `json:"final_state"`
	// Reported is the breaker's own account of its states, beside the
	// inferred one; nil when it reports none (or it is the one counted
	// above).
	Reported *reportedSummary `json:"reported,omitempty"`
	// Observed are the breaker's parameters as the checker measured them
	// (verdict.json's observed), against the expected ones.
	Observed []record.Observed `json:"observed"`
	Final    *record.Snapshot  `json:"final_snapshot,omitempty"`
}

// reportedSummary counts the breaker's own account of its states.
type reportedSummary struct {
	Source      string `json:"source"` // sourceReported (its transitions) or sourceSampled (its snapshots' states)
	Transitions int    `json:"transitions"`
	Opens       int    `json:"opens"`
	FinalState  string `json:"final_state"`
}

// episode is one outage as the breaker saw it: from opening to closing
// again (ClosedNs is 0 if it never closed), with the probing in between.
type episode struct {
	OpenedNs      int64 `json:"opened_ns"`
	FirstProbeNs  int64 `json:"first_half_open_ns"` // 0 if it never went half-open
	ClosedNs      int64 `json:"closed_ns"`
	HalfOpenTries int   `json:"half_open_tries"` // half-open periods (reopened tries + the closing one)
}

// checkSummary is one check of summary.json.
type checkSummary struct {
	ID             string `json:"id"`
	Kind           string `json:"kind"`
	Name           string `json:"name"`
	Status         string `json:"status"`
	Detail         string `json:"detail,omitempty"`
	Skipped        bool   `json:"skipped,omitempty"` // the checker could not judge it (Detail says why): not checked
	Violations     int    `json:"violations"`
	Rules          []int  `json:"rules,omitempty"` // the NFR-6 rules the recorded violations say were broken
	FirstViolation string `json:"first_violation,omitempty"`
}

// checkTally counts checks by status.
type checkTally struct {
	Total      int `json:"total"`
	Passed     int `json:"passed"`
	Failed     int `json:"failed"`
	NotChecked int `json:"not_checked"`
}

// summarize reduces a run to its [runSummary].
func summarize(r *Run) runSummary {
	m := r.meta
	s := runSummary{
		SchemaVersion: summarySchemaVersion,
		Scenario:      m.Scenario, Breaker: m.Breaker, Description: m.Description, Mode: m.Mode, Seed: m.Seed, T0: fmtT0(m.T0),
		Status: r.Status(), PlannedNs: m.DurationNs, EndNs: r.endNs,
		Complete: m.EndedNs > 0, Interrupted: m.Interrupted, Incomplete: r.Incomplete(), Load: m.Load,
		Dependencies: []depSummary{}, Checks: []checkSummary{}, Warnings: []string{},
	}
	s.Passed = s.Status == record.StatusPassed
	s.Warnings = append(s.Warnings, r.allWarnings()...)
	for _, d := range r.deps {
		s.Dependencies = append(s.Dependencies, summarizeDep(r, d))
	}
	for _, c := range r.checks() {
		cs := checkSummary{ID: c.ID, Kind: c.Kind, Name: c.Name, Status: c.Status, Detail: c.Detail,
			Skipped: c.Skipped, Violations: c.Total, Rules: c.rules()}
		if len(c.Violations) > 0 {
			cs.FirstViolation = violationLine(c.Violations[0])
		}
		s.Checks = append(s.Checks, cs)
		s.CheckCounts.Total++
		switch c.Status {
		case record.StatusPassed:
			s.CheckCounts.Passed++
		case record.StatusFailed:
			s.CheckCounts.Failed++
		default:
			s.CheckCounts.NotChecked++
		}
	}
	return s
}

func summarizeDep(r *Run, d *depStats) depSummary {
	end := r.endNs
	st := r.states(d)
	ds := depSummary{
		Name: d.Name, Preset: d.Meta.Preset, Breaker: d.Meta.Breaker,
		Calls: d.Calls(), Outcomes: d.Totals, Fallback: d.Fallback,
		RejectedOpen: d.RejectedOpen, RejectedProbeLimit: d.RejectedProbeLimit,
		DependencyRequests: d.Requests, Faults: d.Faults, Latency: map[string]latencyStats{},
		StateSource: st.source, Transitions: len(st.transitions), Opens: st.opens(),
		TimeInStateNs: map[string]int64{}, Episodes: episodes(st.transitions), FinalState: st.finalState(),
		Observed: r.observed(d.Name), Final: d.Final,
	}
	if rt, ok := r.crossCheck(d); ok {
		ds.Reported = &reportedSummary{Source: rt.source, Transitions: len(rt.transitions), Opens: rt.opens(), FinalState: rt.finalState()}
	}
	if end > 0 {
		ds.CallsPerSecond = float64(ds.Calls) / (float64(end) / 1e9)
	}
	if ds.Calls > 0 {
		ds.ServedRatio = (float64(d.Totals.Success) + float64(d.Fallback)) / float64(ds.Calls)
	}
	for _, o := range []string{"admitted", "success", "failure", "ignored", "rejected"} {
		if l := d.Latency(o); l.Count > 0 {
			ds.Latency[o] = l
		}
	}
	for state, dur := range st.timeIn(end) {
		ds.TimeInStateNs[state] = int64(dur)
	}
	return ds
}

// observed returns the verdict's observed parameters of dependency dep.
func (r *Run) observed(dep string) []record.Observed {
	out := []record.Observed{}
	if r.verdict != nil {
		for _, o := range r.verdict.Observed {
			if o.Dep == dep {
				out = append(out, o)
			}
		}
	}
	return out
}

// episodes groups transitions into outages: each starts when the circuit
// opens from closed and ends when it closes again.
func episodes(ts []record.Transition) []episode {
	out := []episode{}
	var cur *episode
	for _, t := range ts {
		switch {
		case t.To == record.StateOpen && cur == nil:
			out = append(out, episode{OpenedNs: t.AtNs})
			cur = &out[len(out)-1]
		case t.To == record.StateHalfOpen && cur != nil:
			if cur.FirstProbeNs == 0 {
				cur.FirstProbeNs = t.AtNs
			}
			cur.HalfOpenTries++
		case t.To == record.StateClosed && cur != nil:
			cur.ClosedNs = t.AtNs
			cur = nil
		}
	}
	return out
}

// fmtT0 formats the run's start as meta.json records it (RFC 3339), or ""
// when meta.json has none.
func fmtT0(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// writeSummaryJSON writes summary.json for r, indented, ending in a newline.
func writeSummaryJSON(w io.Writer, r *Run) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(summarize(r))
}
