package reports

import (
	"fmt"
	"math"
	"time"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// Run is a recorded run reduced to the aggregates its reports need: counts,
// latency histograms and a bucketed time series per dependency, plus every
// transition and the verdict. Its size does not grow with the number of
// calls, so a ten-minute run at 1000 req/s loads into well under a megabyte
// of aggregates.
type Run struct {
	// Dir is the run directory the run was loaded from.
	Dir string
	// Meta is meta.json as recorded.
	Meta record.Meta
	// Verdict is verdict.json, or nil when the run was not checked.
	Verdict *record.Verdict
	// Deps holds one entry per dependency: those of meta.json in order, then
	// any that appear only in the logs.
	Deps []*DepStats
	// EndNs is where the run's plots end: meta.json's ended_ns, or, for a run
	// cut short, the last event recorded.
	EndNs int64
	// Warnings lists what was odd but not fatal: a cut-short last line, a
	// missing log file, a run without an end.
	Warnings []string
}

// DepStats aggregates the calls, dependency requests and transitions of one
// dependency.
type DepStats struct {
	// Name is the dependency's name.
	Name string
	// Meta is its entry in meta.json; zero when it appears only in the logs.
	Meta record.Dependency
	// Totals counts the client's calls by outcome (calls.jsonl), not the
	// breaker's own counters (those are in Final).
	Totals record.Totals
	// Fallback counts calls served by a fallback (after failure or rejection).
	Fallback int64
	// RejectedOpen and RejectedProbeLimit split the rejections by cause.
	RejectedOpen, RejectedProbeLimit int64
	// Requests counts requests that reached the dependency.
	Requests int64
	// Faults counts dependency requests by injected fault ("none" included).
	Faults map[string]int64
	// Transitions lists the breaker's transitions in time order.
	Transitions []record.Transition
	// Snapshots counts the snapshot records; Final is the last one, or nil.
	Snapshots int64
	Final     *record.Snapshot

	latency [4]*histogram // by outcome: success, failure, ignored, rejected
	series  *series
}

// Calls returns the number of calls attempted.
func (d *DepStats) Calls() int64 {
	t := d.Totals
	return int64(t.Success + t.Failure + t.Ignored + t.Rejected)
}

// outcomeIndex maps an outcome to its index in DepStats.latency.
func outcomeIndex(o record.Outcome) (int, bool) {
	switch o {
	case record.OutcomeSuccess:
		return 0, true
	case record.OutcomeFailure:
		return 1, true
	case record.OutcomeIgnored:
		return 2, true
	case record.OutcomeRejected:
		return 3, true
	}
	return 0, false
}

var outcomeNames = [4]string{"success", "failure", "ignored", "rejected"}

func (d *DepStats) addCall(c *record.Call) error {
	oi, ok := outcomeIndex(c.Outcome)
	if !ok {
		return fmt.Errorf("outcome %q, want success, failure, ignored or rejected", c.Outcome)
	}
	if c.EndNs < c.StartNs {
		return fmt.Errorf("end_ns %d before start_ns %d", c.EndNs, c.StartNs)
	}
	lat := c.EndNs - c.StartNs
	h := d.latency[oi]
	if h == nil {
		h = newHistogram(fineBits)
		d.latency[oi] = h
	}
	h.add(lat)

	b := d.series.at(c.StartNs)
	cls := oi // success, failure, ignored and rejected share their indices
	switch oi {
	case 0:
		d.Totals.Success++
	case 1:
		d.Totals.Failure++
	case 2:
		d.Totals.Ignored++
	case 3:
		d.Totals.Rejected++
		switch c.Reject {
		case record.RejectOpen:
			d.RejectedOpen++
		case record.RejectProbeLimit:
			d.RejectedProbeLimit++
		}
	}
	if c.Fallback {
		d.Fallback++
		if oi == 1 || oi == 3 {
			cls = clsFallback
		}
	}
	b.classes[cls]++
	if oi == 3 {
		if b.rejected == nil {
			b.rejected = newHistogram(coarseBits)
		}
		b.rejected.add(lat)
	} else {
		if b.admitted == nil {
			b.admitted = newHistogram(coarseBits)
		}
		b.admitted.add(lat)
	}
	// Last: it may grow the buckets, which moves b.
	d.series.addBusy(c.StartNs, c.EndNs)
	return nil
}

func (d *DepStats) addRequest(r *record.DepRequest) {
	d.Requests++
	fault := r.Fault
	if fault == "" {
		fault = "none"
	}
	d.Faults[fault]++
	d.series.at(r.AtNs).received++
}

// State intervals.

// StateSpan is a stretch of time a breaker spent in one state.
type StateSpan struct {
	State          string // closed | open | half-open
	FromNs, ToNs   int64  // [FromNs, ToNs) in ns since the run's start
	Generation     uint64 // the generation the state started (0 before the first transition)
	EnteredBecause string // the transition's reason, "start" for the first span
}

// Spans returns the breaker's states from 0 to end, one span per state
// entered, derived from the transitions. Before the first transition the
// breaker is in that transition's From state (closed when there is none).
func (d *DepStats) Spans(end int64) []StateSpan {
	state := record.StateClosed.String()
	if len(d.Transitions) > 0 && d.Transitions[0].From != 0 {
		state = d.Transitions[0].From.String()
	}
	spans := make([]StateSpan, 0, len(d.Transitions)+1)
	cur := StateSpan{State: state, EnteredBecause: "start"}
	for _, t := range d.Transitions {
		cur.ToNs = t.AtNs
		spans = append(spans, cur)
		cur = StateSpan{State: t.To.String(), FromNs: t.AtNs, Generation: t.Gen, EnteredBecause: t.Reason}
	}
	cur.ToNs = max(end, cur.FromNs)
	return append(spans, cur)
}

// TimeIn returns the total time spent in each state up to end.
func (d *DepStats) TimeIn(end int64) map[string]time.Duration {
	out := map[string]time.Duration{"closed": 0, "open": 0, "half-open": 0}
	for _, s := range d.Spans(end) {
		out[s.State] += time.Duration(s.ToNs - s.FromNs)
	}
	return out
}

// Opens counts the transitions into the open state.
func (d *DepStats) Opens() int {
	n := 0
	for _, t := range d.Transitions {
		if t.To == record.StateOpen {
			n++
		}
	}
	return n
}

// LatencyStats summarises one latency distribution in nanoseconds.
type LatencyStats struct {
	Count int64 `json:"count"`
	Min   int64 `json:"min_ns"`
	P50   int64 `json:"p50_ns"`
	P90   int64 `json:"p90_ns"`
	P99   int64 `json:"p99_ns"`
	Max   int64 `json:"max_ns"`
	Mean  int64 `json:"mean_ns"`
}

// Latency returns the latency statistics of the calls with the given
// outcome (success, failure, ignored or rejected), or of every call that ran
// (admitted) when outcome is "admitted". Quantiles are exact to within 1 %.
func (d *DepStats) Latency(outcome string) LatencyStats {
	h := d.histogramOf(outcome)
	if h == nil || h.n == 0 {
		return LatencyStats{}
	}
	return LatencyStats{
		Count: h.n, Min: h.min, Max: h.max, Mean: int64(math.Round(h.mean())),
		P50: h.quantile(0.50), P90: h.quantile(0.90), P99: h.quantile(0.99),
	}
}

func (d *DepStats) histogramOf(outcome string) *histogram {
	if outcome == "admitted" {
		h := newHistogram(fineBits)
		for i := range 3 {
			h.merge(d.latency[i])
		}
		return h
	}
	var o record.Outcome
	if o.UnmarshalText([]byte(outcome)) != nil {
		return nil
	}
	i, _ := outcomeIndex(o)
	return d.latency[i]
}
