package reports

import (
	"encoding/json"
	"io"
	"time"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// SummarySchemaVersion is the schema_version of summary.json. It changes
// only when a field changes meaning or disappears; new fields may appear.
const SummarySchemaVersion = 1

// Summary is summary.json: the machine-readable result of one run.
type Summary struct {
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
	Dependencies  []DepSummary   `json:"dependencies"`
	Checks        []CheckSummary `json:"checks"`
	CheckCounts   CheckCounts    `json:"check_counts"`
	Warnings      []string       `json:"warnings"`
}

// DepSummary is the result of one dependency.
type DepSummary struct {
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
	Latency            map[string]LatencyStats `json:"latency"`      // admitted, success, failure, ignored, rejected
	Transitions        int                     `json:"transitions"`
	Opens              int                     `json:"opens"`
	TimeInStateNs      map[string]int64        `json:"time_in_state_ns"`
	Episodes           []Episode               `json:"episodes"`
	FinalState         string                  `json:"final_state"`
	Final              *record.Snapshot        `json:"final_snapshot,omitempty"`
}

// Episode is one outage as the breaker saw it: from opening to closing
// again (ClosedNs is 0 if it never closed), with the probing in between.
type Episode struct {
	OpenedNs      int64 `json:"opened_ns"`
	FirstProbeNs  int64 `json:"first_half_open_ns"` // 0 if it never went half-open
	ClosedNs      int64 `json:"closed_ns"`
	HalfOpenTries int   `json:"half_open_tries"` // half-open periods (reopened tries + the closing one)
}

// CheckSummary is one check of summary.json.
type CheckSummary struct {
	ID             string `json:"id"`
	Kind           string `json:"kind"`
	Name           string `json:"name"`
	Status         string `json:"status"`
	Detail         string `json:"detail,omitempty"`
	Violations     int    `json:"violations"`
	FirstViolation string `json:"first_violation,omitempty"`
}

// CheckCounts counts checks by status.
type CheckCounts struct {
	Total      int `json:"total"`
	Passed     int `json:"passed"`
	Failed     int `json:"failed"`
	NotChecked int `json:"not_checked"`
}

// Summarize reduces a run to its [Summary].
func Summarize(r *Run) Summary {
	m := r.Meta
	s := Summary{
		SchemaVersion: SummarySchemaVersion,
		Scenario:      m.Scenario, Breaker: m.Breaker, Description: m.Description, Mode: m.Mode, Seed: m.Seed, T0: fmtT0(m.T0),
		Status: r.Status(), PlannedNs: m.DurationNs, EndNs: r.EndNs,
		Complete: m.EndedNs > 0, Interrupted: m.Interrupted, Incomplete: r.Incomplete(), Load: m.Load,
		Dependencies: []DepSummary{}, Checks: []CheckSummary{}, Warnings: []string{},
	}
	s.Passed = s.Status == record.StatusPassed
	s.Warnings = append(s.Warnings, r.Warnings...)
	for _, d := range r.Deps {
		s.Dependencies = append(s.Dependencies, summarizeDep(d, r.EndNs))
	}
	for _, c := range r.checks() {
		cs := CheckSummary{ID: c.ID, Kind: c.Kind, Name: c.Name, Status: c.Status, Detail: c.Detail,
			Violations: c.Total}
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

func summarizeDep(d *DepStats, end int64) DepSummary {
	ds := DepSummary{
		Name: d.Name, Preset: d.Meta.Preset, Breaker: d.Meta.Breaker,
		Calls: d.Calls(), Outcomes: d.Totals, Fallback: d.Fallback,
		RejectedOpen: d.RejectedOpen, RejectedProbeLimit: d.RejectedProbeLimit,
		DependencyRequests: d.Requests, Faults: d.Faults,
		Latency: map[string]LatencyStats{}, Transitions: len(d.Transitions), Opens: d.Opens(),
		TimeInStateNs: map[string]int64{}, Episodes: episodes(d.Transitions), Final: d.Final,
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
	for state, dur := range d.TimeIn(end) {
		ds.TimeInStateNs[state] = int64(dur)
	}
	spans := d.Spans(end)
	ds.FinalState = spans[len(spans)-1].State
	return ds
}

// episodes groups transitions into outages: each starts when the circuit
// opens from closed and ends when it closes again.
func episodes(ts []record.Transition) []Episode {
	out := []Episode{}
	var cur *Episode
	for _, t := range ts {
		switch {
		case t.To == record.StateOpen && cur == nil:
			out = append(out, Episode{OpenedNs: t.AtNs})
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
	return enc.Encode(Summarize(r))
}
